import type { Prisma } from '../prisma/client';
import { ValidationError } from '../domain/errors';
import { Decimal, formatAmount, isCurrency, minorUnits, type Currency } from '../domain/money';
import { builder } from './builder';

export interface MoneyShape {
  amount: Decimal | Prisma.Decimal | string;
  currency: string;
}

/** An amount with its currency, formatted to exactly the currency's minor units. */
export const Money = builder.objectRef<MoneyShape>('Money').implement({
  description: 'An amount of money: a decimal string with exactly the currency\'s decimals (e.g. "800000.00") and an ISO 4217 code.',
  fields: (t) => ({
    amount: t.field({
      type: 'Decimal',
      resolve: ({ amount, currency }) => wireAmount(amount.toString(), currency),
    }),
    currency: t.exposeString('currency'),
  }),
});

export function money(amount: MoneyShape['amount'], currency: string): MoneyShape {
  return { amount, currency };
}

/** A plain decimal: a minus only before a non-zero figure (Decimal writes negative zero unsigned), no leading zeros, no exponent. */
const PLAIN_DECIMAL = /^(?:-(?=.*[1-9]))?(?:0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * The wire form of an amount's text. A page shows hundreds of amounts: one with no more
 * decimals than the currency's (every stored amount of a supported currency) is padded as
 * text, which is exactly what formatAmount would give it, without a Decimal per figure; any
 * other text (more decimals to round, an exponent, an unknown currency) goes through Decimal.
 */
export function wireAmount(text: string, currency: string): string {
  if (isCurrency(currency)) {
    const decimals = minorUnits(currency);
    const plain = PLAIN_DECIMAL.exec(text);
    if (plain) {
      const given = plain[1]?.length ?? 0;
      if (given <= decimals) {
        if (decimals === 0) return text;
        return `${text}${given === 0 ? '.' : ''}${'0'.repeat(decimals - given)}`;
      }
    }
    return formatAmount(new Decimal(text), currency);
  }
  return new Decimal(text).toFixed();
}

/**
 * A currency a query names (an argument or a filter at `path`): one the platform supports, or
 * bad input (`CURRENCY_NOT_SUPPORTED`), never an empty answer that reads as "nothing there yet".
 */
export function queryCurrency(code: string, path: string[] = ['currency'], shown: string = code): Currency {
  if (!isCurrency(code)) throw ValidationError.field(path, `currency ${shown} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  return code;
}
