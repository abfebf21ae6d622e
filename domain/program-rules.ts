import { ValidationError, type FieldIssue } from './errors';
import { AmountError, Decimal, isCurrency, parseAmount, type Currency } from './money';
import { TENOR_DAYS_MIN_DEFAULT, type DayCount, type InterestMode } from './pricing';

export const PROGRAM_NAME_LENGTH_MAX = 200;
export const TENOR_DAYS_MAX = 1830;
export const GRACE_DAYS_MAX = 90;
export const RATE_DECIMALS_MAX = 6;

export type AssignmentMode = 'OPEN' | 'SILENT';
export type WaterfallBucketName = 'PENALTY' | 'FEES' | 'INTEREST' | 'PRINCIPAL';
export const DEFAULT_PROGRAM_WATERFALL: readonly WaterfallBucketName[] = ['PENALTY', 'FEES', 'INTEREST', 'PRINCIPAL'];

/** Terms as they arrive: rates and amounts as decimal strings. */
export interface ProgramTermsInput {
  advanceRate: string;
  annualRate: string;
  interestMode: InterestMode;
  dayCount: DayCount;
  flatFee?: string | null;
  feeRate?: string | null;
  tenorDaysMax: number;
  /** The shortest tenor the program finances, counted from the day the money moves; 1 when absent. */
  tenorDaysMin?: number | null;
  graceDays: number;
  penaltyRate: string;
  recourse: boolean;
  recourseAfterDays?: number | null;
  assignmentMode: AssignmentMode;
  waterfall?: WaterfallBucketName[] | null;
  programLimit: string;
  supplierLimit: string;
  obligorLimit: string;
  /** Whether holders of the core enterprise's vouchers may finance their parts under this program; false when absent. */
  admitsVoucherHolders?: boolean | null;
  /** The limit of each voucher holder that is not enrolled (its SUPPLIER limit, opened on first use); 0 when absent. */
  voucherHolderLimit?: string | null;
}

export interface ValidProgramTerms {
  advanceRate: Decimal;
  annualRate: Decimal;
  interestMode: InterestMode;
  dayCount: DayCount;
  flatFee: Decimal;
  feeRate: Decimal;
  tenorDaysMax: number;
  tenorDaysMin: number;
  graceDays: number;
  penaltyRate: Decimal;
  recourse: boolean;
  recourseAfterDays: number | null;
  assignmentMode: AssignmentMode;
  waterfall: WaterfallBucketName[];
  programLimit: Decimal;
  supplierLimit: Decimal;
  obligorLimit: Decimal;
  admitsVoucherHolders: boolean;
  voucherHolderLimit: Decimal;
}

const RATE = /^(0|[1-9]\d*)(\.\d+)?$/;

/** Checks a program's terms and reports every problem at once. Rates are fractions: 0.06 is 6%. */
export function validateProgramTerms(input: ProgramTermsInput, currency: string, path: string[] = ['input', 'terms']): ValidProgramTerms {
  const issues: FieldIssue[] = [];
  const at = (field: string) => [...path, field];
  const rate = (field: string, value: string, { min, max, minExclusive }: { min: number; max: number; minExclusive?: boolean }): Decimal => {
    if (!RATE.test(value)) {
      issues.push({ path: at(field), message: 'must be a decimal fraction such as "0.06" (6%)' });
      return new Decimal(0);
    }
    const parsed = new Decimal(value);
    if (parsed.decimalPlaces() > RATE_DECIMALS_MAX) issues.push({ path: at(field), message: `must have at most ${RATE_DECIMALS_MAX} decimal places` });
    if ((minExclusive ? parsed.lte(min) : parsed.lt(min)) || parsed.gt(max)) issues.push({ path: at(field), message: `must be ${minExclusive ? 'above' : 'at least'} ${min} and at most ${max}` });
    return parsed;
  };
  const money = (field: string, value: string, allowZero = false): Decimal => {
    if (!isCurrency(currency)) return new Decimal(0);
    if (allowZero && /^0(\.0+)?$/.test(value)) return new Decimal(0);
    try {
      return parseAmount(value, currency);
    } catch (error) {
      if (error instanceof AmountError) issues.push({ path: at(field), message: error.message });
      else throw error;
      return new Decimal(0);
    }
  };
  const whole = (field: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) issues.push({ path: at(field), message: `must be a whole number from ${min} to ${max}` });
  };

  if (!isCurrency(currency)) issues.push({ path: ['input', 'currency'], message: `currency ${JSON.stringify(currency)} is not supported` });
  const advanceRate = rate('advanceRate', input.advanceRate, { min: 0, max: 1, minExclusive: true });
  const annualRate = rate('annualRate', input.annualRate, { min: 0, max: 1 });
  const feeRate = rate('feeRate', input.feeRate ?? '0', { min: 0, max: 0.5 });
  const penaltyRate = rate('penaltyRate', input.penaltyRate, { min: 0, max: 1 });
  const flatFee = money('flatFee', input.flatFee ?? '0', true);
  whole('tenorDaysMax', input.tenorDaysMax, 1, TENOR_DAYS_MAX);
  const tenorDaysMin = input.tenorDaysMin ?? TENOR_DAYS_MIN_DEFAULT;
  whole('tenorDaysMin', tenorDaysMin, 1, TENOR_DAYS_MAX);
  if (Number.isInteger(tenorDaysMin) && Number.isInteger(input.tenorDaysMax) && tenorDaysMin > input.tenorDaysMax) issues.push({ path: at('tenorDaysMin'), message: 'must not exceed tenorDaysMax' });
  whole('graceDays', input.graceDays, 0, GRACE_DAYS_MAX);
  let recourseAfterDays: number | null = null;
  if (input.recourse) {
    if (input.recourseAfterDays === null || input.recourseAfterDays === undefined) issues.push({ path: at('recourseAfterDays'), message: 'is required when the program has recourse' });
    else {
      whole('recourseAfterDays', input.recourseAfterDays, 1, 3650);
      // Recourse on a day still inside the grace days would claim from the supplier what the
      // core enterprise may yet pay without being late.
      if (Number.isInteger(input.recourseAfterDays) && Number.isInteger(input.graceDays) && input.recourseAfterDays <= input.graceDays) {
        issues.push({ path: at('recourseAfterDays'), message: `must be greater than the ${input.graceDays} grace days: recourse applies only once the financing is overdue` });
      }
      recourseAfterDays = input.recourseAfterDays;
    }
  } else if (input.recourseAfterDays !== null && input.recourseAfterDays !== undefined) {
    issues.push({ path: at('recourseAfterDays'), message: 'applies only to a program with recourse' });
  }
  const waterfall = input.waterfall?.length ? input.waterfall : [...DEFAULT_PROGRAM_WATERFALL];
  if (waterfall.length !== 4 || new Set(waterfall).size !== 4) issues.push({ path: at('waterfall'), message: 'must name PENALTY, FEES, INTEREST and PRINCIPAL, each once' });
  const programLimit = money('programLimit', input.programLimit);
  const supplierLimit = money('supplierLimit', input.supplierLimit);
  const obligorLimit = money('obligorLimit', input.obligorLimit);
  if (supplierLimit.gt(programLimit) && programLimit.gt(0)) issues.push({ path: at('supplierLimit'), message: 'must not exceed the program limit' });
  const admitsVoucherHolders = input.admitsVoucherHolders === true;
  const voucherHolderLimit = money('voucherHolderLimit', input.voucherHolderLimit ?? '0', true);
  if (voucherHolderLimit.gt(programLimit) && programLimit.gt(0)) issues.push({ path: at('voucherHolderLimit'), message: 'must not exceed the program limit' });
  // A program that admits voucher holders with no room for any of them would refuse every application.
  if (admitsVoucherHolders && voucherHolderLimit.isZero()) issues.push({ path: at('voucherHolderLimit'), message: 'must be above zero when the program admits voucher holders' });
  if (issues.length) throw new ValidationError(issues);
  return {
    advanceRate,
    annualRate,
    interestMode: input.interestMode,
    dayCount: input.dayCount,
    flatFee,
    feeRate,
    tenorDaysMax: input.tenorDaysMax,
    tenorDaysMin,
    graceDays: input.graceDays,
    penaltyRate,
    recourse: input.recourse,
    recourseAfterDays,
    assignmentMode: input.assignmentMode,
    waterfall: [...waterfall],
    programLimit,
    supplierLimit,
    obligorLimit,
    admitsVoucherHolders,
    voucherHolderLimit,
  };
}

export function programCurrency(value: string): Currency {
  const code = value.trim().toUpperCase();
  if (!isCurrency(code)) throw ValidationError.field(['input', 'currency'], `currency ${JSON.stringify(value)} is not supported`);
  return code;
}
