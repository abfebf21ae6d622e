import { Decimal, isCurrency, minorUnits } from '../../../domain/money';

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * A decimal string as printed on a document: "CNY 800,000.00". The amount is read with
 * decimal.js, never as a JavaScript number, and padded to the currency's minor units; an
 * amount with more decimals than the currency has is a bug upstream, so it is refused
 * rather than silently rounded on a legal document.
 */
export function formatMoney(amount: string, currency: string, { withCurrency = true }: { withCurrency?: boolean } = {}): string {
  if (!isCurrency(currency)) throw new RangeError(`cannot format an amount in unknown currency ${JSON.stringify(currency)}`);
  if (!DECIMAL_STRING.test(amount)) throw new RangeError(`amount ${JSON.stringify(amount)} is not a plain decimal string`);
  const value = new Decimal(amount);
  const decimals = minorUnits(currency);
  if (value.decimalPlaces() > decimals) throw new RangeError(`amount ${amount} has more decimals than ${currency} allows (${decimals})`);
  const fixed = value.abs().toFixed(decimals);
  const [whole = '0', fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const digits = `${value.isNegative() && !value.isZero() ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
  return withCurrency ? `${currency} ${digits}` : digits;
}
