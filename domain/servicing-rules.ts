import { addDays, daysBetween, type IsoDate } from './business-date';
import { ValidationError } from './errors';
import { penaltyForDays, type WaterfallBucket } from './ledger-rules';
import { Decimal, type Currency } from './money';
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
//
// Money counts from its value date (the day the bank received it), never from the day a process
// noticed it: a repayment lowers the principal from the day after its value date, and whether
// the financing was whole at the end of D+g is judged by value date too. A worker, a poller or a
// signal that is late by days therefore never makes a payer late.

/** The first business date on which an unpaid financing is overdue. */
export function overdueFrom(dueDate: IsoDate, graceDays: number): IsoDate {
  return addDays(dueDate, graceDays + 1);
}

/** The business date on which recourse to the supplier applies (D + the program's overdue days). */
export function recourseOn(dueDate: IsoDate, recourseAfterDays: number): IsoDate {
  return addDays(dueDate, recourseAfterDays);
}

/**
 * The last day whose penalty was owed on `valueDate`, so that money received that day could pay
 * it. Within the grace days none was owed yet, even for days a late step has since charged:
 * penalty for D+1 to D+g is owed only if the financing was not whole at the end of D+g, and money
 * received before then counts toward being whole. So for a value date on or before D+g the due
 * date is returned (every penalty day is after it); for a later one, the value date itself.
 * Without this, a worker days late made a payer who paid in time pay the penalty of the days
 * before its money arrived.
 */
export function penaltyOwedThrough(dueDate: IsoDate, graceDays: number, valueDate: IsoDate): IsoDate {
  return daysBetween(addDays(dueDate, graceDays), valueDate) > 0 ? valueDate : dueDate;
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

/** One repayment as it counts for penalty: on its value date, whenever it was processed. */
export interface ValueDatedRepayment {
  valueDate: IsoDate;
  /** Principal it paid. */
  principal: Decimal;
  /** Principal, interest and fees it paid: what counts toward being whole (penalty does not). */
  nonPenalty: Decimal;
}

/** What a financing's penalty is computed from. */
export interface PenaltyBasis {
  dueDate: IsoDate;
  graceDays: number;
  /** The principal financed. */
  principal: Decimal;
  penaltyRate: Decimal;
  dayCount: DayCount;
  currency: Currency;
  /** Principal, interest and fees owed now, after every repayment known so far. */
  nonPenaltyOutstanding: Decimal;
  repayments: readonly ValueDatedRepayment[];
}

const sum = (values: Decimal[]) => values.reduce((total, value) => total.plus(value), new Decimal(0));

/**
 * Overdue on `today`: the grace days are over and, counting every repayment on its value date,
 * the financing was not whole at the end of D+g (what was repaid later was still owed then).
 */
export function isOverdueByValueDate(basis: PenaltyBasis, today: IsoDate): boolean {
  const lastGraceDay = addDays(basis.dueDate, basis.graceDays);
  if (daysBetween(lastGraceDay, today) <= 0) return false;
  const repaidLater = sum(basis.repayments.filter((row) => daysBetween(lastGraceDay, row.valueDate) > 0).map((row) => row.nonPenalty));
  return basis.nonPenaltyOutstanding.plus(repaidLater).gt(0);
}

/**
 * The penalty owed for `day` (once the financing is overdue): a day's interest at the penalty
 * rate on the principal outstanding when the day began, by value date. A repayment lowers it
 * from the day after its value date, so the day the money arrives is still charged.
 */
export function penaltyOwedOn(basis: PenaltyBasis, day: IsoDate): Decimal {
  const repaidBefore = sum(basis.repayments.filter((row) => daysBetween(row.valueDate, day) > 0).map((row) => row.principal));
  return dailyPenalty(Decimal.max(basis.principal.minus(repaidBefore), 0), basis.penaltyRate, basis.dayCount, basis.currency);
}
