import { Decimal, formatAmount, type Currency } from '../../domain/money';

/** Prisma's Decimal (and pg's numeric strings) are not the domain's Decimal: money crosses into it here. */
export function toDecimal(value: string | number | { toString(): string }): Decimal {
  return new Decimal(value.toString());
}

/** A stored amount as it leaves the database for a document, a payload or a bank: exactly the currency's minor units. */
export function storedAmount(value: string | { toString(): string }, currency: string): string {
  return formatAmount(toDecimal(value), currency as Currency);
}
