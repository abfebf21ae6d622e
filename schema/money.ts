import type { Prisma } from '../prisma/client';
import { Decimal, formatAmount, isCurrency } from '../domain/money';
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
      resolve: ({ amount, currency }) => {
        const value = new Decimal(amount.toString());
        return isCurrency(currency) ? formatAmount(value, currency) : value.toFixed();
      },
    }),
    currency: t.exposeString('currency'),
  }),
});

export function money(amount: MoneyShape['amount'], currency: string): MoneyShape {
  return { amount, currency };
}
