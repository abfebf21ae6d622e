import DecimalJs from 'decimal.js';

/**
 * The one Decimal used for money and rates. Precision is far above any amount the
 * ledger stores (NUMERIC(24,4)), so intermediate products of rates and day counts are
 * exact; rounding happens only where a rule says so, through `roundMoney`.
 */
export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;

/** Currencies the platform books, with their minor units (ISO 4217). */
export const CURRENCIES = {
  CNY: { minorUnits: 2 },
  USD: { minorUnits: 2 },
  EUR: { minorUnits: 2 },
  HKD: { minorUnits: 2 },
  JPY: { minorUnits: 0 },
} as const;
export type Currency = keyof typeof CURRENCIES;
export const CURRENCY_CODES = Object.keys(CURRENCIES) as Currency[];

/** Largest amount accepted anywhere: 10^20 - 1 minor units keeps NUMERIC(24,4) safe with headroom. */
export const AMOUNT_MAX = new Decimal('1e18');

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export function isCurrency(value: string): value is Currency {
  return Object.hasOwn(CURRENCIES, value);
}

export function minorUnits(currency: Currency): number {
  return CURRENCIES[currency].minorUnits;
}

export type AmountProblem = 'NOT_A_DECIMAL' | 'NOT_POSITIVE' | 'TOO_MANY_DECIMALS' | 'TOO_LARGE' | 'UNKNOWN_CURRENCY';

export class AmountError extends Error {
  override readonly name = 'AmountError';
  constructor(
    readonly problem: AmountProblem,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses a money amount as it travels on the wire: a plain decimal string (no exponent,
 * no thousands separators, no leading '+'), strictly positive, with no more decimals
 * than the currency has, and at most AMOUNT_MAX.
 */
export function parseAmount(value: string, currency: string): Decimal {
  if (!isCurrency(currency)) throw new AmountError('UNKNOWN_CURRENCY', `currency ${JSON.stringify(currency)} is not supported (supported: ${CURRENCY_CODES.join(', ')})`);
  if (!DECIMAL_STRING.test(value)) throw new AmountError('NOT_A_DECIMAL', `amount ${JSON.stringify(value)} is not a plain decimal number such as "1250.50"`);
  const amount = new Decimal(value);
  if (amount.lte(0)) throw new AmountError('NOT_POSITIVE', `amount ${value} must be greater than zero`);
  if (amount.decimalPlaces() > minorUnits(currency)) {
    throw new AmountError('TOO_MANY_DECIMALS', `amount ${value} has more than ${minorUnits(currency)} decimal places, the most ${currency} allows`);
  }
  if (amount.gt(AMOUNT_MAX)) throw new AmountError('TOO_LARGE', `amount ${value} exceeds the maximum of ${AMOUNT_MAX.toFixed(0)}`);
  return amount;
}

/** Half-up rounding to the currency's minor unit, the default rule for every money figure. */
export function roundMoney(value: Decimal, currency: Currency): Decimal {
  return value.toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP);
}

/** The canonical wire form: fixed-point with exactly the currency's decimals. */
export function formatAmount(value: Decimal, currency: Currency): string {
  return value.toFixed(minorUnits(currency));
}
