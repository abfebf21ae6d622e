import { Decimal } from '../../workflows/domain/money';

/** Prisma's Decimal (and pg's numeric strings) are not the domain's Decimal: money crosses into it here. */
export function toDecimal(value: string | number | { toString(): string }): Decimal {
  return new Decimal(value.toString());
}
