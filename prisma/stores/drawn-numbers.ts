import { randomInt } from 'node:crypto';
import type { Tx } from './run-transaction';

/** The highest serial of a number a party reads: eight digits. */
export const SERIAL_MAX = 99_999_999;
/** Draws before giving up: at a year of ten million numbers, the chance that eight draws all meet taken ones is 10⁻⁸. */
const DRAWS_MAX = 8;

/**
 * A number a party reads (a registration, a financing, a voucher, a payout's reference), its
 * eight-digit serial drawn at random among those not yet taken. A serial from a sequence would
 * tell a party how many registrations, applications or payouts every other party made between
 * two of its own: the platform's volume, and a competitor's on a small programme. `format` writes
 * the number of a serial; `taken` says whether a number is already in use (its column is unique,
 * so two requests drawing the same number at the same instant cannot both commit).
 */
export async function drawNumber(format: (serial: number) => string, taken: (candidate: string) => Promise<boolean>): Promise<string> {
  for (let draw = 0; draw < DRAWS_MAX; draw += 1) {
    const candidate = format(randomInt(1, SERIAL_MAX + 1));
    if (!(await taken(candidate))) return candidate;
  }
  throw new Error(`no free number after ${DRAWS_MAX} draws: the year's serials are nearly all taken`);
}

/** A new payout's reference (a withdrawal's, a fee sweep's, a refund's), drawn like every number a party reads; the bank shows it to the payee. */
export function drawPayoutReference(tx: Tx, format: (serial: number) => string): Promise<string> {
  return drawNumber(format, async (payoutReference) => (await tx.payout.count({ where: { payoutReference } })) > 0);
}
