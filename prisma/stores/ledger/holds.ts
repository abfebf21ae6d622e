import { NotFoundError, ValidationError } from '../../../domain/errors';
import { canonicalJson, isUuid, validateAmount, validateHeader, validateIdempotencyKeyOnly } from '../../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../../domain/money';
import { sha256Hex } from '../sha256-hex';
import { toDecimal } from '../to-decimal';
import { rowsOf, runStatement, type LedgerDb } from './ledger-db';

// Holds (two-phase transfers): reserve now, then post all or part, void, or let expire.

/** Holds expired per call of expireHolds; a scheduler calls again while it returns a full page. */
export const EXPIRE_HOLDS_BATCH_MAX = 500;
export type LedgerHoldStatus = 'PENDING' | 'POSTED' | 'VOIDED' | 'EXPIRED';

export interface ReserveHoldInput {
  idempotencyKey: string;
  code: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: string;
  currency: string;
  /** After this instant the hold can no longer be posted or voided; expireHolds releases it. */
  expiresAt?: Date | null;
  metadata?: Record<string, unknown> | null;
}

export interface ReservedHold {
  holdId: string;
  replayed: boolean;
}

/** Reserves an amount: raises the debit account's pending debits (counted against its bound) and the credit account's pending credits. */
export async function reserveHold(db: LedgerDb, input: ReserveHoldInput, now = new Date()): Promise<ReservedHold> {
  validateHeader({ idempotencyKey: input.idempotencyKey, code: input.code, metadata: input.metadata });
  const { amount, currency } = validateAmount(input.amount, input.currency);
  const issues = [];
  if (!isUuid(input.debitAccountId)) issues.push({ path: ['debitAccountId'], message: 'must be an account id (a UUID)' });
  if (!isUuid(input.creditAccountId)) issues.push({ path: ['creditAccountId'], message: 'must be an account id (a UUID)' });
  if (issues.length) throw new ValidationError(issues);
  if (input.debitAccountId.toLowerCase() === input.creditAccountId.toLowerCase()) {
    throw ValidationError.field(['creditAccountId'], 'a hold moves money between two different accounts', 'ACCOUNT_ON_BOTH_SIDES');
  }
  const expiresAt = input.expiresAt ? input.expiresAt.toISOString() : null;
  const metadata = input.metadata ?? {};
  const hash = sha256Hex(
    canonicalJson({
      kind: 'hold',
      code: input.code,
      debit: input.debitAccountId.toLowerCase(),
      credit: input.creditAccountId.toLowerCase(),
      amount: formatAmount(amount, currency),
      currency,
      expiresAt,
      metadata,
    }),
  );
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    // A repeat of a reservation whose expiry has passed since it was made is answered as the
    // replay it is (a caller whose first answer was lost learns its hold); a new one is refused.
    const [earlier] = await rowsOf<{ holdId: string; requestHash: string }>(db, {
      text: `SELECT h."id"::text AS "holdId", h."request_hash" AS "requestHash" FROM "ledger_hold" h WHERE h."idempotency_key" = $1`,
      values: [input.idempotencyKey],
    });
    if (earlier?.requestHash === hash) return { holdId: earlier.holdId, replayed: true };
    throw ValidationError.field(['expiresAt'], 'must be in the future', 'VALIDATION_FAILED');
  }
  const [row] = await runStatement<ReservedHold>(db, {
    name: 'ledger_reserve_hold',
    text: `SELECT "hold_id"::text AS "holdId", "replayed" FROM "ledger_reserve_hold"($1, $2, $3, $4::uuid, $5::uuid, $6::numeric, $7, $8::timestamptz, $9::jsonb)`,
    values: [input.idempotencyKey, hash, input.code, input.debitAccountId, input.creditAccountId, amount.toFixed(), currency, expiresAt, JSON.stringify(metadata)],
  });
  if (!row) throw new Error('ledger_reserve_hold returned no row');
  return row;
}

export interface PostHoldInput {
  holdId: string;
  /** Keys the posting transaction too: a repeat returns it. */
  idempotencyKey: string;
  /** At most the hold's amount; the whole amount when omitted. The rest of the reservation is released. */
  amount?: string | null;
  /** The code of the posting transaction, when it says more than the hold's own code (which it keeps when omitted). */
  code?: string | null;
  description?: string | null;
  /**
   * The time of the business event the posting records (the disbursement's time on the
   * workflow's clock); omitted, the database's clock at the posting. See PostTransactionInput.
   */
  effectiveAt?: Date | null;
  metadata?: Record<string, unknown> | null;
}

export interface PostedHold {
  transactionId: string;
  replayed: boolean;
  postedAmount: Decimal;
}

const DECIMAL_SHAPE = /^(0|[1-9]\d*)(\.\d+)?$/;

export async function postHold(db: LedgerDb, input: PostHoldInput, now = new Date()): Promise<PostedHold> {
  if (!isUuid(input.holdId)) throw new NotFoundError('LedgerHold', input.holdId);
  validateHeader({ idempotencyKey: input.idempotencyKey, code: input.code ?? 'HOLD_POST', description: input.description, metadata: input.metadata });
  if (input.amount != null && (!DECIMAL_SHAPE.test(input.amount) || new Decimal(input.amount).lte(0))) {
    throw ValidationError.field(['amount'], `amount ${JSON.stringify(input.amount)} must be a plain decimal greater than zero`, 'AMOUNT_NOT_POSITIVE');
  }
  const amount = input.amount == null ? null : new Decimal(input.amount).toFixed();
  const metadata = input.metadata ?? {};
  if (input.effectiveAt != null && Number.isNaN(input.effectiveAt.getTime())) throw ValidationError.field(['effectiveAt'], 'must be a valid time');
  const effectiveAt = input.effectiveAt ? input.effectiveAt.toISOString() : undefined;
  // A code and an effective time are hashed only when given, so that posts without them keep the hashes they always had.
  const hash = sha256Hex(canonicalJson({ kind: 'hold-post', holdId: input.holdId.toLowerCase(), amount, code: input.code ?? undefined, effectiveAt, description: input.description ?? null, metadata }));
  const [row] = await runStatement<{ transactionId: string; replayed: boolean; postedAmount: string }>(db, {
    name: 'ledger_post_hold',
    text: `SELECT "transaction_id"::text AS "transactionId", "replayed", "posted_amount"::text AS "postedAmount"
           FROM "ledger_post_hold"($1::uuid, $2, $3, $4::numeric, $5::timestamptz, $6, $7::jsonb, $8, $9::timestamptz)`,
    values: [input.holdId, input.idempotencyKey, hash, amount, now.toISOString(), input.description ?? null, JSON.stringify(metadata), input.code ?? null, effectiveAt ?? null],
  });
  if (!row) throw new Error('ledger_post_hold returned no row');
  return { transactionId: row.transactionId, replayed: row.replayed, postedAmount: toDecimal(row.postedAmount) };
}

export interface VoidHoldInput {
  holdId: string;
  idempotencyKey: string;
}

/** Releases a pending hold. Voiding again under the same key is a replay; under another key, HOLD already VOIDED. */
export async function voidHold(db: LedgerDb, input: VoidHoldInput, now = new Date()): Promise<{ replayed: boolean }> {
  if (!isUuid(input.holdId)) throw new NotFoundError('LedgerHold', input.holdId);
  validateIdempotencyKeyOnly(input.idempotencyKey);
  const hash = sha256Hex(canonicalJson({ kind: 'hold-void', holdId: input.holdId.toLowerCase() }));
  const [row] = await runStatement<{ replayed: boolean }>(db, {
    name: 'ledger_void_hold',
    text: `SELECT "replayed" FROM "ledger_void_hold"($1::uuid, $2, $3, $4::timestamptz)`,
    values: [input.holdId, input.idempotencyKey, hash, now.toISOString()],
  });
  if (!row) throw new Error('ledger_void_hold returned no row');
  return row;
}

/** Marks holds whose expiry is at or before `now` EXPIRED and releases their reservations; returns their ids. */
export async function expireHolds(db: LedgerDb, now = new Date(), limit = EXPIRE_HOLDS_BATCH_MAX): Promise<string[]> {
  const rows = await runStatement<{ holdId: string }>(db, {
    text: `SELECT "hold_id"::text AS "holdId" FROM "ledger_expire_holds"($1::timestamptz, $2::integer)`,
    values: [now.toISOString(), Math.min(Math.max(1, limit), EXPIRE_HOLDS_BATCH_MAX)],
  });
  return rows.map((row) => row.holdId);
}

export interface HoldView {
  id: string;
  idempotencyKey: string;
  code: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: Decimal;
  currency: Currency;
  status: LedgerHoldStatus;
  postedAmount: Decimal | null;
  expiresAt: Date | null;
  createdAt: Date;
  resolvedAt: Date | null;
  resolutionTransactionId: string | null;
}

export async function getHold(db: LedgerDb, holdId: string): Promise<HoldView | null> {
  if (!isUuid(holdId)) return null;
  const [row] = await rowsOf<Omit<HoldView, 'amount' | 'postedAmount'> & { amount: string; postedAmount: string | null }>(db, {
    text: `SELECT h."id"::text AS "id", h."idempotency_key" AS "idempotencyKey", h."code", h."debit_account_id"::text AS "debitAccountId",
                  h."credit_account_id"::text AS "creditAccountId", h."amount"::text AS "amount", h."currency"::text AS "currency", h."status"::text AS "status",
                  h."posted_amount"::text AS "postedAmount", h."expires_at" AS "expiresAt", h."created_at" AS "createdAt", h."resolved_at" AS "resolvedAt",
                  h."resolution_transaction_id"::text AS "resolutionTransactionId"
           FROM "ledger_hold" h WHERE h."id" = $1::uuid`,
    values: [holdId],
  });
  if (!row) return null;
  return { ...row, amount: toDecimal(row.amount), postedAmount: row.postedAmount === null ? null : toDecimal(row.postedAmount) };
}
