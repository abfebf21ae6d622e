import { addDays, daysBetween, type IsoDate } from './business-date';
import { ValidationError } from './errors';
import { penaltyForDays, type WaterfallBucket } from './ledger-rules';
import { type Decimal, type Currency } from './money';
import { DAY_COUNT_BASIS, type DayCount } from './pricing';
import type { WaterfallBucketName } from './program-rules';

// The calendar of a disbursed financing (docs/workflows/financing.md, "Servicing"). All dates
// are business dates in China's time zone; a day's penalty is owed once that day begins.
//
//   due date D ── grace days D+1 … D+g ── overdue from D+g+1 ── recourse on D+r
//
// Repaid in full by the end of D+g: no penalty. Otherwise, at the start of D+g+1 the financing
// is OVERDUE and penalty interest is charged for every day from D+1, then one day at a time,
// on the principal still outstanding that day, until it is repaid.

/** The first business date on which an unpaid financing is overdue. */
export function overdueFrom(dueDate: IsoDate, graceDays: number): IsoDate {
  return addDays(dueDate, graceDays + 1);
}

/** The business date on which recourse to the supplier applies (D + the program's overdue days). */
export function recourseOn(dueDate: IsoDate, recourseAfterDays: number): IsoDate {
  return addDays(dueDate, recourseAfterDays);
}

/**
 * The days whose penalty is still to be charged when `today` has begun: none before the
 * financing is overdue; otherwise every day after the last charged one (or after the due
 * date) up to and including today.
 */
export function penaltyDaysToCharge(dueDate: IsoDate, graceDays: number, chargedThrough: IsoDate | null, today: IsoDate): IsoDate[] {
  if (daysBetween(overdueFrom(dueDate, graceDays), today) < 0) return [];
  const first = chargedThrough === null || daysBetween(chargedThrough, dueDate) >= 0 ? addDays(dueDate, 1) : addDays(chargedThrough, 1);
  const days: IsoDate[] = [];
  for (let day = first; daysBetween(day, today) >= 0; day = addDays(day, 1)) days.push(day);
  return days;
}

/** One day's penalty on the overdue principal, at the program's annual penalty rate and day count, rounded half-up. */
export function dailyPenalty(overduePrincipal: Decimal, annualPenaltyRate: Decimal, dayCount: DayCount, currency: Currency): Decimal {
  return penaltyForDays(overduePrincipal, annualPenaltyRate, 1, DAY_COUNT_BASIS[dayCount] as 360 | 365, currency);
}

/** The program's waterfall order in the ledger rules' bucket names. */
export function waterfallOrder(buckets: readonly WaterfallBucketName[]): WaterfallBucket[] {
  const order = buckets.map((bucket) => bucket.toLowerCase() as WaterfallBucket);
  if (new Set(order).size !== 4) throw ValidationError.field(['waterfall'], 'must name each bucket once', 'WATERFALL_ORDER_INVALID');
  return order;
}

export interface Outstanding {
  principal: Decimal;
  interest: Decimal;
  fees: Decimal;
  penalty: Decimal;
}

export function totalOutstanding(outstanding: Outstanding): Decimal {
  return outstanding.principal.plus(outstanding.interest).plus(outstanding.fees).plus(outstanding.penalty);
}

export function isWhole(outstanding: Outstanding): boolean {
  return totalOutstanding(outstanding).isZero();
}
