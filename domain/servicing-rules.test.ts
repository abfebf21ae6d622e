import { describe, expect, it } from 'vitest';
import { addDays } from './business-date';
import { Decimal } from './money';
import { isOverdueByValueDate, overdueFrom, penaltyDaysToCharge, penaltyOwedOn, penaltyOwedThrough, type PenaltyBasis, type ValueDatedRepayment } from './servicing-rules';

// The servicing calendar by value date: 800,000.00 due on D, 3 grace days, penalty 0.18 a year
// on ACT/360 (400.00 a day on the whole principal).

const D = '2027-03-01';
const d = (value: string) => new Decimal(value);

function basis(repayments: ValueDatedRepayment[], nonPenaltyOutstanding: string): PenaltyBasis {
  return { dueDate: D, graceDays: 3, principal: d('800000.00'), penaltyRate: d('0.18'), dayCount: 'ACT_360', currency: 'CNY', nonPenaltyOutstanding: d(nonPenaltyOutstanding), repayments };
}

const paid = (days: number, principal: string): ValueDatedRepayment => ({ valueDate: addDays(D, days), principal: d(principal), nonPenalty: d(principal) });

describe('servicing by value date', () => {
  it('is overdue from D+g+1 only when the financing was not whole at the end of D+g by value date', () => {
    // Nothing paid: overdue from D+4, not before.
    expect(overdueFrom(D, 3)).toBe(addDays(D, 4));
    expect(isOverdueByValueDate(basis([], '800000.00'), addDays(D, 3))).toBe(false);
    expect(isOverdueByValueDate(basis([], '800000.00'), addDays(D, 4))).toBe(true);
    // Paid in full on D-5, however late it was processed: never overdue.
    expect(isOverdueByValueDate(basis([paid(-5, '800000.00')], '0.00'), addDays(D, 40))).toBe(false);
    // Paid in full on the last grace day: not overdue; one day later: overdue (it was owed at the end of D+3).
    expect(isOverdueByValueDate(basis([paid(3, '800000.00')], '0.00'), addDays(D, 10))).toBe(false);
    expect(isOverdueByValueDate(basis([paid(4, '800000.00')], '0.00'), addDays(D, 10))).toBe(true);
    // One cent short by value date: overdue.
    expect(isOverdueByValueDate(basis([paid(0, '799999.99')], '0.01'), addDays(D, 4))).toBe(true);
  });

  it('owes no penalty on a value date within the grace days, and the days up to it afterwards', () => {
    // Before the due date, on it and on each grace day: nothing was owed yet, whatever was charged since.
    for (const day of [-5, 0, 1, 2, 3]) expect(penaltyOwedThrough(D, 3, addDays(D, day)), `D${day}`).toBe(D);
    // From D+g+1 the days up to the value date were owed on it.
    expect(penaltyOwedThrough(D, 3, addDays(D, 4))).toBe(addDays(D, 4));
    expect(penaltyOwedThrough(D, 3, addDays(D, 8))).toBe(addDays(D, 8));
    // Without grace days, penalty is owed from D+1.
    expect(penaltyOwedThrough(D, 0, D)).toBe(D);
    expect(penaltyOwedThrough(D, 0, addDays(D, 1))).toBe(addDays(D, 1));
  });

  it('charges a day on the principal outstanding when it began, by value date', () => {
    // Repaid in full on D+8: D+8 is still charged, D+9 is not.
    const late = basis([paid(8, '800000.00')], '0.00');
    expect(penaltyOwedOn(late, addDays(D, 8)).toFixed(2)).toBe('400.00');
    expect(penaltyOwedOn(late, addDays(D, 9)).toFixed(2)).toBe('0.00');
    // 300,000.00 on D+2: 400.00 that day, then 500,000.00 × 0.0005 = 250.00 a day.
    const partial = basis([paid(2, '300000.00')], '500000.00');
    expect([2, 3, 4].map((day) => penaltyOwedOn(partial, addDays(D, day)).toFixed(2))).toEqual(['400.00', '250.00', '250.00']);
    // The order the repayments were processed in does not matter, only their value dates.
    const twoParts = [paid(6, '100000.00'), paid(1, '100000.00')];
    expect(penaltyOwedOn(basis(twoParts, '600000.00'), addDays(D, 7)).toFixed(2)).toBe('300.00');
    expect(penaltyOwedOn(basis([...twoParts].reverse(), '600000.00'), addDays(D, 7)).toFixed(2)).toBe('300.00');
  });

  it('lists the days still to charge once a day has begun, from D+1', () => {
    expect(penaltyDaysToCharge(D, 3, null, addDays(D, 3))).toEqual([]);
    expect(penaltyDaysToCharge(D, 3, null, addDays(D, 4))).toEqual([1, 2, 3, 4].map((day) => addDays(D, day)));
    expect(penaltyDaysToCharge(D, 3, addDays(D, 4), addDays(D, 5))).toEqual([addDays(D, 5)]);
  });
});
