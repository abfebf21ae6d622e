import { daysBetween, type IsoDate } from './business-date';
import { ValidationError } from './errors';
import { Decimal, formatAmount, roundMoney, type Currency } from './money';

// Financing pricing (see docs/pricing.md). Every figure is computed exactly and rounded once,
// half-up to the currency's minor unit, at the end: interest, each fee, the net disbursement
// and the repayment figures. Rates are decimals (0.06 is 6% a year).

export type DayCount = 'ACT_360' | 'ACT_365';
export type InterestMode = 'UPFRONT' | 'ARREARS';

export const DAY_COUNT_BASIS: Record<DayCount, number> = { ACT_360: 360, ACT_365: 365 };

/** Effective annual cost is annualised on a 365-day year, whatever the day count of the price. */
export const EFFECTIVE_COST_YEAR_DAYS = 365;
/** The highest effective annual rate a financing can carry (its column holds six decimals and six digits before them). */
export const EFFECTIVE_ANNUAL_RATE_MAX = new Decimal('999999.999999');

export interface PricingTerms {
  currency: Currency;
  annualRate: Decimal;
  dayCount: DayCount;
  interestMode: InterestMode;
  /** A fixed fee per financing, in the currency. */
  flatFee: Decimal;
  /** A fee as a fraction of the principal (0.001 is 0.1%). */
  feeRate: Decimal;
}

export interface Quote {
  principal: Decimal;
  /**
   * The day interest starts: the day the money moves. A quote made before then assumes it is
   * the day of the quote; the disbursement reprices to the day it happens (priceAtDisbursement).
   */
  valueDate: IsoDate;
  dueDate: IsoDate;
  tenorDays: number;
  interest: Decimal;
  fees: Decimal;
  /** What reaches the supplier: the principal less fees, and less interest when taken up front. */
  netDisbursement: Decimal;
  /** What the funder is owed at maturity: the principal, plus interest when collected in arrears. */
  repaymentAtMaturity: Decimal;
  interestAtMaturity: Decimal;
  /** Total cost (interest + fees) over the money actually received, annualised on 365 days. */
  effectiveAnnualRate: Decimal;
}

/** Interest = principal × annual rate × days / basis, rounded half-up to the minor unit. */
export function simpleInterest(principal: Decimal, annualRate: Decimal, days: number, dayCount: DayCount, currency: Currency): Decimal {
  return roundMoney(principal.times(annualRate).times(days).dividedBy(DAY_COUNT_BASIS[dayCount]), currency);
}

/**
 * Prices a financing of `principal` disbursed on `valueDate` and repaid on `dueDate`. Tenor
 * days count from the value date to the due date, the first day excluded and the last included.
 */
export function quote(principal: Decimal, valueDate: IsoDate, dueDate: IsoDate, terms: PricingTerms): Quote {
  const tenorDays = daysBetween(valueDate, dueDate);
  if (tenorDays <= 0) throw ValidationError.field(['dueDate'], `must be after the value date ${valueDate}`, 'TENOR_NOT_POSITIVE');
  const { currency } = terms;
  const interest = simpleInterest(principal, terms.annualRate, tenorDays, terms.dayCount, currency);
  const fees = roundMoney(terms.flatFee.plus(roundMoney(principal.times(terms.feeRate), currency)), currency);
  const upfront = terms.interestMode === 'UPFRONT';
  const netDisbursement = principal.minus(fees).minus(upfront ? interest : 0);
  if (netDisbursement.lte(0)) throw ValidationError.field(['amount'], 'interest and fees would take the whole amount', 'NET_DISBURSEMENT_NOT_POSITIVE');
  const interestAtMaturity = upfront ? new Decimal(0) : interest;
  const effectiveAnnualRate = interest
    .plus(fees)
    .dividedBy(netDisbursement)
    .times(EFFECTIVE_COST_YEAR_DAYS)
    .dividedBy(tenorDays)
    .toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
  // Only an amount the fees all but consume gets here (10,000.01 under a flat fee of 10,000.00).
  if (effectiveAnnualRate.gt(EFFECTIVE_ANNUAL_RATE_MAX)) {
    throw ValidationError.field(['amount'], `interest and fees would take all but ${formatAmount(netDisbursement, currency)} ${currency} of the amount: finance more, or nothing`, 'NET_DISBURSEMENT_NOT_POSITIVE');
  }
  return {
    principal,
    valueDate,
    dueDate,
    tenorDays,
    interest,
    fees,
    netDisbursement,
    repaymentAtMaturity: principal.plus(interestAtMaturity),
    interestAtMaturity,
    effectiveAnnualRate,
  };
}

/** The shortest tenor any program may ask for: a financing runs at least one day. */
export const TENOR_DAYS_MIN_DEFAULT = 1;

export type DisbursementPrice =
  | { disbursable: true; quote: Quote }
  | { disbursable: false; code: 'DUE_ON_OR_BEFORE_DISBURSEMENT' | 'TENOR_BELOW_MINIMUM' | 'NET_DISBURSEMENT_NOT_POSITIVE'; reason: string };

/**
 * The price of a financing whose money moves on `disbursementDate`: the quote's formula with
 * that day as its value date, so interest counts the days the supplier actually has the money
 * (the supplier never pays for days before disbursement) and fees are what the terms say. A
 * financing whose due date is on or before that day, or closer to it than the program's
 * minimum tenor, is not disbursable: it would run no tenor, or one the program does not finance,
 * and penalty could otherwise start before the money moved. Nor is one whose fees and interest
 * take all the amount at that day's price, which a fee-only price can do once the tenor shrinks
 * (the effective annual cost grows as the tenor falls).
 */
export function priceAtDisbursement(principal: Decimal, disbursementDate: IsoDate, dueDate: IsoDate, terms: PricingTerms & { tenorDaysMin: number }): DisbursementPrice {
  const tenorDays = daysBetween(disbursementDate, dueDate);
  if (tenorDays <= 0) {
    return { disbursable: false, code: 'DUE_ON_OR_BEFORE_DISBURSEMENT', reason: `the due date ${dueDate} is on or before the disbursement date ${disbursementDate}: the financing cannot run a tenor` };
  }
  if (tenorDays < terms.tenorDaysMin) {
    return { disbursable: false, code: 'TENOR_BELOW_MINIMUM', reason: `from the disbursement date ${disbursementDate} to the due date ${dueDate} is ${tenorDays} days, less than the program's minimum tenor of ${terms.tenorDaysMin} days` };
  }
  try {
    return { disbursable: true, quote: quote(principal, disbursementDate, dueDate, terms) };
  } catch (error) {
    if (!(error instanceof ValidationError) || error.code !== 'NET_DISBURSEMENT_NOT_POSITIVE') throw error;
    return { disbursable: false, code: 'NET_DISBURSEMENT_NOT_POSITIVE', reason: `at the price of the disbursement date ${disbursementDate}, ${error.issues.map((issue) => issue.message).join('; ')}` };
  }
}

/**
 * What the funder advances on a financing: its principal less the interest taken up front. A
 * stored financing's figures all come from one `quote`, whose net disbursement is the principal
 * less fees and that interest, so this is its net disbursement plus its fees: the financing's
 * own figures give it without its terms' interest mode.
 */
export function advanced(figures: { netDisbursement: Decimal; fees: Decimal }): Decimal {
  return figures.netDisbursement.plus(figures.fees);
}
