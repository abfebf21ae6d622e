import { NotFoundError, ValidationError } from '../../../domain/errors';
import {
  BATCH_TRANSACTIONS_MAX,
  canonicalEntries,
  canonicalJson,
  reversalEntries,
  validateEntries,
  validateHeader,
  type LedgerDirection,
  type LedgerEntryInput,
  type TransactionHeaderInput,
} from '../../../domain/ledger-rules';
import { formatAmount } from '../../../domain/money';
import { sha256Hex } from '../sha256-hex';
import { runStatement, type LedgerDb } from './ledger-db';
import { getTransaction } from './transactions';

// Postings: balanced transactions, alone or in an atomic batch, and their reversals.

export interface PostTransactionInput extends TransactionHeaderInput {
  /**
   * The time of the business event the posting records: the bank's receipt or settlement time,
   * the workflow's clock (`at`) for a step of a workflow. Every posting made for a business
   * event passes it, so that the day a posting counts on does not depend on when a worker got
   * round to it. Omitted (or null), the ledger uses the database's clock when the posting's
   * database transaction began (now()): for postings that record no event outside the
   * platform, such as a credit limit granted. It may be in the past (back-dating), and at most
   * `ledger.effective_at_lead_max` (five minutes) ahead of the database's clock.
   */
  effectiveAt?: Date | null;
  /**
   * For a posting that records something that already happened and must be booked (money the
   * bank received, a workflow's step): when a closed accounting day holds `effectiveAt`, the
   * posting is dated at the first open instant (the latest cut-off) instead of being refused.
   * Without it such a posting is refused with WrongStateError ACCOUNTING_DAY_CLOSED. The
   * idempotency hash keeps the time asked for, so a repeat after the day closed is a replay.
   */
  inOpenDay?: boolean;
  entries: LedgerEntryInput[];
}

export interface PostedTransaction {
  transactionId: string;
  idempotencyKey: string;
  /** True when this call repeated an earlier one with the same key and content: nothing moved. */
  replayed: boolean;
  effectiveAt: Date;
  createdAt: Date;
}

interface PreparedTransaction {
  key: string;
  hash: string;
  code: string;
  description: string | null;
  effectiveAt: string | null;
  metadata: Record<string, unknown>;
  reverses: string | null;
  inOpenDay: boolean;
  accounts: string[];
  directions: LedgerDirection[];
  amounts: string[];
  currencies: string[];
}

function prepareTransaction(input: PostTransactionInput, reverses: string | null, path: string[] = []): PreparedTransaction {
  validateHeader(input, path);
  const entries = validateEntries(input.entries, [...path, 'entries']);
  const effectiveAt = input.effectiveAt ? input.effectiveAt.toISOString() : null;
  const metadata = input.metadata ?? {};
  const description = input.description ?? null;
  const hash = sha256Hex(canonicalJson({ kind: 'transaction', code: input.code, description, effectiveAt, metadata, reverses, entries: canonicalEntries(entries) }));
  return {
    key: input.idempotencyKey,
    hash,
    code: input.code,
    description,
    effectiveAt,
    metadata,
    reverses,
    inOpenDay: input.inOpenDay === true,
    accounts: entries.map((entry) => entry.accountId),
    directions: entries.map((entry) => entry.direction),
    amounts: entries.map((entry) => entry.amount.toFixed()),
    currencies: entries.map((entry) => entry.currency),
  };
}

const POST_TRANSACTION_SQL = `SELECT "transaction_id"::text AS "transactionId", "replayed", "effective_at" AS "effectiveAt", "created_at" AS "createdAt"
  FROM "ledger_post_transaction"($1, $2, $3, $4, $5::timestamptz, $6::jsonb, $7::uuid, $8::uuid[], $9::"ledger_direction"[], $10::numeric[], $11::char(3)[])`;

// The same, dated at the first open instant when a closed accounting day holds the time asked for.
const POST_IN_OPEN_DAY_SQL = POST_TRANSACTION_SQL.replace('$5::timestamptz', `"ledger_open_effective_at"(coalesce($5::timestamptz, now()))`);

async function postPrepared(db: LedgerDb, prepared: PreparedTransaction): Promise<PostedTransaction> {
  const [row] = await runStatement<Omit<PostedTransaction, 'idempotencyKey'>>(db, {
    name: prepared.inOpenDay ? 'ledger_post_transaction_in_open_day' : 'ledger_post_transaction',
    text: prepared.inOpenDay ? POST_IN_OPEN_DAY_SQL : POST_TRANSACTION_SQL,
    values: [
      prepared.key,
      prepared.hash,
      prepared.code,
      prepared.description,
      prepared.effectiveAt,
      JSON.stringify(prepared.metadata),
      prepared.reverses,
      prepared.accounts,
      prepared.directions,
      prepared.amounts,
      prepared.currencies,
    ],
  });
  if (!row) throw new Error('ledger_post_transaction returned no row');
  return { ...row, idempotencyKey: prepared.key };
}

/**
 * Posts one balanced transaction. Repeating the call with the same idempotency key and
 * content returns the original transaction (`replayed: true`) and moves nothing; the same
 * key with other content is a ConflictError IDEMPOTENCY_KEY_REUSED.
 */
export async function postTransaction(db: LedgerDb, input: PostTransactionInput): Promise<PostedTransaction> {
  return postPrepared(db, prepareTransaction(input, null));
}

const ARRAY_ELEMENT_ESCAPE = /[\\"]/;
const ARRAY_ELEMENT_ESCAPES = /[\\"]/g;

/**
 * The text of a PostgreSQL array: every element double-quoted (so that none reads as NULL or
 * loses its spaces), a backslash before each backslash and double quote; null as NULL.
 */
class ArrayLiteral {
  private literal = '{';

  add(value: string | null): void {
    const separator = this.literal.length > 1 ? ',' : '';
    if (value === null) this.literal += `${separator}NULL`;
    else this.literal += `${separator}"${ARRAY_ELEMENT_ESCAPE.test(value) ? value.replace(ARRAY_ELEMENT_ESCAPES, '\\$&') : value}"`;
  }

  text(): string {
    return `${this.literal}}`;
  }
}

/** Posts every transaction or none, in one database transaction (and one round trip). */
export async function postBatch(db: LedgerDb, inputs: readonly PostTransactionInput[]): Promise<PostedTransaction[]> {
  if (inputs.length === 0) return [];
  if (inputs.length > BATCH_TRANSACTIONS_MAX) throw ValidationError.field(['transactions'], `a batch holds at most ${BATCH_TRANSACTIONS_MAX} transactions, got ${inputs.length}`, 'BATCH_TOO_LARGE');
  if (inputs.some((input) => input.inOpenDay)) throw new Error('postBatch books every transaction at its own effective time: post one that may fall in a closed day with postTransaction');
  const prepared = inputs.map((input, index) => prepareTransaction(input, null, ['transactions', String(index)]));
  const seen = new Set<string>();
  prepared.forEach((item, index) => {
    if (seen.has(item.key)) throw ValidationError.field(['transactions', String(index), 'idempotencyKey'], `idempotency key ${item.key} appears twice in the batch`, 'DUPLICATE_IDEMPOTENCY_KEY');
    seen.add(item.key);
  });
  // One array per field, and the entries of every transaction in arrays of their own, in the
  // transactions' order, with a count per transaction: no JSON to build here or to parse there.
  // Each array goes as the text of a PostgreSQL array, written here in one pass (the driver's
  // own conversion of a JavaScript array cost more than the JSON it replaces).
  const keys = new ArrayLiteral();
  const hashes = new ArrayLiteral();
  const codes = new ArrayLiteral();
  const descriptions = new ArrayLiteral();
  const effectiveAts = new ArrayLiteral();
  const metadata = new ArrayLiteral();
  const reverses = new ArrayLiteral();
  const entryCounts = new ArrayLiteral();
  const accounts = new ArrayLiteral();
  const directions = new ArrayLiteral();
  const amounts = new ArrayLiteral();
  const currencies = new ArrayLiteral();
  for (const item of prepared) {
    keys.add(item.key);
    hashes.add(item.hash);
    codes.add(item.code);
    descriptions.add(item.description);
    effectiveAts.add(item.effectiveAt);
    metadata.add(JSON.stringify(item.metadata));
    reverses.add(item.reverses);
    entryCounts.add(String(item.accounts.length));
    for (let index = 0; index < item.accounts.length; index += 1) {
      accounts.add(item.accounts[index]!);
      directions.add(item.directions[index]!);
      amounts.add(item.amounts[index]!);
      currencies.add(item.currencies[index]!);
    }
  }
  return runStatement<PostedTransaction>(db, {
    name: 'ledger_post_transactions',
    text: `SELECT "idempotency_key" AS "idempotencyKey", "transaction_id"::text AS "transactionId", "replayed", "effective_at" AS "effectiveAt", "created_at" AS "createdAt"
           FROM "ledger_post_transactions"($1::varchar[], $2::char(64)[], $3::varchar[], $4::varchar[], $5::timestamptz[], $6::jsonb[], $7::uuid[],
                                           $8::integer[], $9::uuid[], $10::"ledger_direction"[], $11::numeric[], $12::char(3)[])`,
    values: [keys, hashes, codes, descriptions, effectiveAts, metadata, reverses, entryCounts, accounts, directions, amounts, currencies].map((array) => array.text()),
  });
}

export interface ReverseTransactionInput {
  transactionId: string;
  idempotencyKey: string;
  description?: string | null;
  effectiveAt?: Date | null;
  /** As for postTransaction: a time a closed accounting day holds is moved to the first open instant. */
  inOpenDay?: boolean;
  metadata?: Record<string, unknown> | null;
}

/**
 * Posts the mirror image of a transaction (红字冲正), linked to it. A transaction is reversed
 * at most once: a second reversal under another key is TRANSACTION_ALREADY_REVERSED. The
 * reversal obeys the balance bounds like any posting: money already spent cannot be reversed
 * out of an account that no longer holds it.
 */
export async function reverseTransaction(db: LedgerDb, input: ReverseTransactionInput): Promise<PostedTransaction> {
  const original = await getTransaction(db, input.transactionId);
  if (!original) throw new NotFoundError('LedgerTransaction', input.transactionId);
  // A reversal takes effect no earlier than what it reverses: dated before it, it would undo
  // money that was not there yet (an account's balance between the two would be its opposite).
  const asked = input.effectiveAt ?? null;
  const effectiveAt = asked !== null && asked.getTime() < original.effectiveAt.getTime() ? original.effectiveAt : asked;
  const prepared = prepareTransaction(
    {
      idempotencyKey: input.idempotencyKey,
      code: 'REVERSAL',
      description: input.description ?? `Reversal of ${original.code} ${original.idempotencyKey}`,
      effectiveAt,
      inOpenDay: input.inOpenDay,
      metadata: { ...(input.metadata ?? {}), reversesIdempotencyKey: original.idempotencyKey },
      entries: reversalEntries(original.entries.map((entry) => ({ ...entry, amount: formatAmount(entry.amount, entry.currency) }))),
    },
    original.id,
  );
  return postPrepared(db, prepared);
}
