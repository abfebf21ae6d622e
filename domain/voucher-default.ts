import { daysBetween, type IsoDate } from './business-date';
import { Decimal } from './money';

// When a voucher is in default (docs/workflows/voucher.md, "Default on the due date"). The
// question is asked of business dates (UTC+08:00, as a financing's due date and grace days are)
// and of money by its value date: a voucher is in default once its due date has ended without
// the money valued on or before that date covering what it owes. The day a process asks only
// decides whether the question can be asked yet, never its answer nor the default's date, so a
// worker, a poller or a distribution that is late by days never makes the issuer default, nor
// changes the day it defaulted.

export interface VoucherDefaultFacts {
  /** The voucher's due date. */
  dueDate: IsoDate;
  /** What the voucher's parts hold of the claim: what the issuer owes at maturity. */
  owed: Decimal;
  /** Credited to the voucher's collection account with a value date on or before the due date. */
  paidByDueDate: Decimal;
  /** The business date that has begun when the question is asked. */
  today: IsoDate;
}

/** The day a voucher defaulted on: its due date, the last day the issuer could pay in full. */
export function defaultDateOf(dueDate: IsoDate): IsoDate {
  return dueDate;
}

/** Whether the due date has ended (today is a later business date). */
export function isPastDue(dueDate: IsoDate, today: IsoDate): boolean {
  return daysBetween(dueDate, today) > 0;
}

/**
 * The voucher's default date when it is in default as of `today`, else null: its due date has
 * ended and the money valued by the end of it is short of what it owes.
 */
export function voucherDefaultDate(facts: VoucherDefaultFacts): IsoDate | null {
  if (!isPastDue(facts.dueDate, facts.today)) return null;
  return new Decimal(facts.paidByDueDate).lt(facts.owed) ? defaultDateOf(facts.dueDate) : null;
}
