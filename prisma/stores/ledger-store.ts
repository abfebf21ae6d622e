import type pg from 'pg';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import {
  BATCH_TRANSACTIONS_MAX,
  balancesOf,
  canonicalEntries,
  canonicalJson,
  isUuid,
  reversalEntries,
  validateAmount,
  validateEntries,
  validateHeader,
  validateIdempotencyKeyOnly,
  type Balances,
  type LedgerDirection,
  type LedgerEntryInput,
  type TransactionHeaderInput,
} from '../../domain/ledger-rules';
import { Decimal, formatAmount, isCurrency, type Currency } from '../../domain/money';
import type { Prisma, PrismaClient } from '../client';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';

// The escrow ledger's store: the only code that writes ledger rows. Every write is one call
// to a SQL function of migration 20261122010000_ledger, which locks the accounts involved in
// id order, settles idempotency and inserts; triggers validate and maintain the account
// totals, and a deferred constraint trigger checks each transaction balances at commit.
// Rules are checked here first (domain/ledger-rules.ts) so callers get clear
// errors; database errors are mapped to the same domain errors at the bottom of this file.

/**
 * Where the ledger runs its SQL: Prisma (the client, or an interactive transaction to post
 * together with other writes), or a node-postgres pool or client. Postings through a pool
 * skip Prisma's per-query overhead and use prepared statements; the bench measures both.
 */
export type LedgerDb = PrismaClient | Prisma.TransactionClient | pg.Pool | pg.PoolClient | pg.Client;

/** Serialisation failures and deadlocks are retried this many times (with jitter) before giving up. */
export const LEDGER_RETRIES_MAX = 5;
const RETRY_DELAY_MS_MAX = 20;
/** Statement pages: default and largest size. */
export const STATEMENT_PAGE_SIZE_DEFAULT = 50;
export const STATEMENT_PAGE_SIZE_MAX = 500;
/** Holds expired per call of expireHolds; a scheduler calls again while it returns a full page. */
export const EXPIRE_HOLDS_BATCH_MAX = 500;

export type LedgerAccountType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';
export type LedgerBook = 'MONEY' | 'MEMO';
export type LedgerAccountPurpose =
  | 'ESCROW_BANK'
  | 'SUPPLIER_SETTLEMENT'
  | 'FUNDER_FUNDING'
  | 'CORE_REPAYMENT'
  | 'COLLECTION'
  | 'PAYOUT_IN_TRANSIT'
  | 'INBOUND_CLEARING'
  | 'FEE_INCOME'
  | 'SUSPENSE'
  | 'CREDIT_LIMIT'
  | 'LIMIT_CONTROL'
  | 'PENALTY_RECEIVABLE'
  | 'ACCRUAL_CONTROL';
export type LedgerHoldStatus = 'PENDING' | 'POSTED' | 'VOIDED' | 'EXPIRED';

// ---------------------------------------------------------------------------------------
// Running SQL on either kind of connection.

interface Query {
  /** A prepared-statement name for node-postgres; the statement is parsed once per connection. */
  name?: string;
  text: string;
  values: unknown[];
}

function isPrisma(db: LedgerDb): db is PrismaClient | Prisma.TransactionClient {
  return typeof (db as { $queryRawUnsafe?: unknown }).$queryRawUnsafe === 'function';
}

async function rowsOf<T>(db: LedgerDb, query: Query): Promise<T[]> {
  if (isPrisma(db)) return db.$queryRawUnsafe<T[]>(query.text, ...query.values);
  const result = await (db as pg.Pool).query(query.name ? { name: query.name, text: query.text, values: query.values } : { text: query.text, values: query.values });
  return result.rows as T[];
}

/**
 * Only a call the store runs on its own (a Prisma client, or a pool) can be retried: inside
 * a caller's transaction the failed statement has aborted that transaction.
 */
function canRetry(db: LedgerDb): boolean {
  if (isPrisma(db)) return typeof (db as PrismaClient).$transaction === 'function';
  return typeof (db as pg.Pool).totalCount === 'number';
}

async function withRetries<T>(db: LedgerDb, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      const failure = databaseFailureOf(error);
      if (failure && isRetryable(failure) && canRetry(db) && attempt <= LEDGER_RETRIES_MAX) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_DELAY_MS_MAX * attempt));
        continue;
      }
      throw toDomainError(error);
    }
  }
}


// ---------------------------------------------------------------------------------------
// Accounts.

export interface LedgerAccountView {
  id: string;
  code: string;
  name: string;
  type: LedgerAccountType;
  normalBalance: LedgerDirection;
  book: LedgerBook;
  currency: Currency;
  ownerPartyId: string | null;
  purpose: LedgerAccountPurpose;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
  closedAt: Date | null;
  virtualAccountNumber: string | null;
  createdAt: Date;
}

export interface OpenAccountInput {
  code: string;
  name: string;
  type: LedgerAccountType;
  purpose: LedgerAccountPurpose;
  currency: Currency;
  book?: LedgerBook;
  ownerPartyId?: string | null;
  debitsMustNotExceedCredits?: boolean;
  creditsMustNotExceedDebits?: boolean;
  /** Issue a virtual account number (for accounts that receive money from outside). */
  withVirtualAccountNumber?: boolean;
}

const ACCOUNT_COLUMNS = `a."id"::text AS "id", a."code", a."name", a."type"::text AS "type", a."normal_balance"::text AS "normalBalance",
  a."book"::text AS "book", a."currency"::text AS "currency", a."owner_party_id"::text AS "ownerPartyId", a."purpose"::text AS "purpose",
  a."debits_must_not_exceed_credits" AS "debitsMustNotExceedCredits", a."credits_must_not_exceed_debits" AS "creditsMustNotExceedDebits",
  a."closed_at" AS "closedAt", a."virtual_account_number" AS "virtualAccountNumber", a."created_at" AS "createdAt"`;

/**
 * Opens an account, or returns the one already open under the same code (so opening is
 * idempotent). The same code with a different definition is a conflict.
 */
export async function openAccount(db: LedgerDb, input: OpenAccountInput): Promise<LedgerAccountView> {
  const normalBalance: LedgerDirection = input.type === 'ASSET' || input.type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';
  const book = input.book ?? 'MONEY';
  if (!isCurrency(input.currency)) throw ValidationError.field(['currency'], `currency ${String(input.currency)} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  if (input.ownerPartyId != null && !isUuid(input.ownerPartyId)) throw ValidationError.field(['ownerPartyId'], 'must be a party id (a UUID)');
  return withRetries(db, async () => {
    await rowsOf(db, {
      text: `INSERT INTO "ledger_account" ("code", "name", "type", "normal_balance", "book", "currency", "owner_party_id", "purpose",
               "debits_must_not_exceed_credits", "credits_must_not_exceed_debits", "virtual_account_number")
             SELECT $1::varchar, $2::varchar, $3::"ledger_account_type", $4::"ledger_direction", $5::"ledger_book", $6::char(3), $7::uuid,
                    $8::"ledger_account_purpose", $9::boolean, $10::boolean, CASE WHEN $11::boolean THEN "ledger_next_virtual_account_number"() END
             -- Looked up first so that reopening does not spend a virtual account number.
             WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" WHERE "code" = $1::varchar)
             ON CONFLICT ("code") DO NOTHING`,
      values: [
        input.code,
        input.name,
        input.type,
        normalBalance,
        book,
        input.currency,
        input.ownerPartyId ?? null,
        input.purpose,
        input.debitsMustNotExceedCredits ?? false,
        input.creditsMustNotExceedDebits ?? false,
        input.withVirtualAccountNumber ?? false,
      ],
    });
    const [account] = await rowsOf<LedgerAccountView>(db, { text: `SELECT ${ACCOUNT_COLUMNS} FROM "ledger_account" a WHERE a."code" = $1`, values: [input.code] });
    if (!account) throw new Error(`ledger account ${input.code} vanished after it was opened`);
    const same =
      account.type === input.type &&
      account.book === book &&
      account.currency === input.currency &&
      account.purpose === input.purpose &&
      (account.ownerPartyId ?? null) === (input.ownerPartyId?.toLowerCase() ?? null) &&
      account.debitsMustNotExceedCredits === (input.debitsMustNotExceedCredits ?? false) &&
      account.creditsMustNotExceedDebits === (input.creditsMustNotExceedDebits ?? false) &&
      (account.virtualAccountNumber !== null) === (input.withVirtualAccountNumber ?? false);
    if (!same) throw new ConflictError('ACCOUNT_CODE_TAKEN', `ledger account ${input.code} is already open with a different definition`);
    return account;
  });
}

export async function findAccount(db: LedgerDb, accountId: string): Promise<LedgerAccountView | null> {
  if (!isUuid(accountId)) return null;
  const [account] = await rowsOf<LedgerAccountView>(db, { text: `SELECT ${ACCOUNT_COLUMNS} FROM "ledger_account" a WHERE a."id" = $1::uuid`, values: [accountId] });
  return account ?? null;
}

export async function findAccountByCode(db: LedgerDb, code: string): Promise<LedgerAccountView | null> {
  const [account] = await rowsOf<LedgerAccountView>(db, { text: `SELECT ${ACCOUNT_COLUMNS} FROM "ledger_account" a WHERE a."code" = $1`, values: [code] });
  return account ?? null;
}

/**
 * Closes an account: from then on it takes no new entries or holds (TigerBeetle's `closed`);
 * pending holds on it can still be voided or expire. Closing twice keeps the first time.
 */
export async function closeAccount(db: LedgerDb, accountId: string, closedAt = new Date()): Promise<LedgerAccountView> {
  const [account] = await withRetries(db, () =>
    rowsOf<LedgerAccountView>(db, {
      text: `UPDATE "ledger_account" a SET "closed_at" = coalesce(a."closed_at", $2::timestamptz) WHERE a."id" = $1::uuid RETURNING ${ACCOUNT_COLUMNS}`,
      values: [accountId, closedAt.toISOString()],
    }),
  );
  if (!account) throw new NotFoundError('LedgerAccount', accountId);
  return account;
}

// ---------------------------------------------------------------------------------------
// Transactions.

export interface PostTransactionInput extends TransactionHeaderInput {
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
    accounts: entries.map((entry) => entry.accountId),
    directions: entries.map((entry) => entry.direction),
    amounts: entries.map((entry) => entry.amount.toFixed()),
    currencies: entries.map((entry) => entry.currency),
  };
}

const POST_TRANSACTION_SQL = `SELECT "transaction_id"::text AS "transactionId", "replayed", "effective_at" AS "effectiveAt", "created_at" AS "createdAt"
  FROM "ledger_post_transaction"($1, $2, $3, $4, $5::timestamptz, $6::jsonb, $7::uuid, $8::uuid[], $9::"ledger_direction"[], $10::numeric[], $11::char(3)[])`;

async function postPrepared(db: LedgerDb, prepared: PreparedTransaction): Promise<PostedTransaction> {
  const [row] = await withRetries(db, () =>
    rowsOf<Omit<PostedTransaction, 'idempotencyKey'>>(db, {
      name: 'ledger_post_transaction',
      text: POST_TRANSACTION_SQL,
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
    }),
  );
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

/** Posts every transaction or none, in one database transaction (and one round trip). */
export async function postBatch(db: LedgerDb, inputs: readonly PostTransactionInput[]): Promise<PostedTransaction[]> {
  if (inputs.length === 0) return [];
  if (inputs.length > BATCH_TRANSACTIONS_MAX) throw ValidationError.field(['transactions'], `a batch holds at most ${BATCH_TRANSACTIONS_MAX} transactions, got ${inputs.length}`, 'BATCH_TOO_LARGE');
  const prepared = inputs.map((input, index) => prepareTransaction(input, null, ['transactions', String(index)]));
  const keys = new Set<string>();
  prepared.forEach((item, index) => {
    if (keys.has(item.key)) throw ValidationError.field(['transactions', String(index), 'idempotencyKey'], `idempotency key ${item.key} appears twice in the batch`, 'DUPLICATE_IDEMPOTENCY_KEY');
    keys.add(item.key);
  });
  const batch = JSON.stringify(
    prepared.map((item) => ({
      k: item.key,
      h: item.hash,
      c: item.code,
      d: item.description,
      e: item.effectiveAt,
      m: item.metadata,
      r: item.reverses,
      x: item.accounts.map((accountId, index) => ({ a: accountId, d: item.directions[index], m: item.amounts[index], c: item.currencies[index] })),
    })),
  );
  return withRetries(db, () =>
    rowsOf<PostedTransaction>(db, {
      name: 'ledger_post_transactions',
      text: `SELECT "idempotency_key" AS "idempotencyKey", "transaction_id"::text AS "transactionId", "replayed", "effective_at" AS "effectiveAt", "created_at" AS "createdAt"
             FROM "ledger_post_transactions"($1::jsonb)`,
      values: [batch],
    }),
  );
}

export interface ReverseTransactionInput {
  transactionId: string;
  idempotencyKey: string;
  description?: string | null;
  effectiveAt?: Date | null;
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
  const prepared = prepareTransaction(
    {
      idempotencyKey: input.idempotencyKey,
      code: 'REVERSAL',
      description: input.description ?? `Reversal of ${original.code} ${original.idempotencyKey}`,
      effectiveAt: input.effectiveAt ?? null,
      metadata: { ...(input.metadata ?? {}), reversesIdempotencyKey: original.idempotencyKey },
      entries: reversalEntries(original.entries.map((entry) => ({ ...entry, amount: formatAmount(entry.amount, entry.currency) }))),
    },
    original.id,
  );
  return postPrepared(db, prepared);
}

export interface TransactionEntryView {
  entryId: string;
  accountId: string;
  direction: LedgerDirection;
  amount: Decimal;
  currency: Currency;
}

export interface TransactionView {
  id: string;
  idempotencyKey: string;
  code: string;
  description: string | null;
  book: LedgerBook;
  effectiveAt: Date;
  createdAt: Date;
  metadata: Record<string, unknown>;
  reversesTransactionId: string | null;
  reversedByTransactionId: string | null;
  entries: TransactionEntryView[];
}

export async function getTransaction(db: LedgerDb, transactionId: string): Promise<TransactionView | null> {
  if (!isUuid(transactionId)) return null;
  const rows = await rowsOf<Omit<TransactionView, 'entries' | 'metadata'> & { metadata: unknown; entryId: string | null; accountId: string; direction: LedgerDirection; amount: string; currency: Currency }>(db, {
    text: `SELECT t."id"::text AS "id", t."idempotency_key" AS "idempotencyKey", t."code", t."description", t."book"::text AS "book",
                  t."effective_at" AS "effectiveAt", t."created_at" AS "createdAt", t."metadata"::text AS "metadata",
                  t."reverses_transaction_id"::text AS "reversesTransactionId",
                  (SELECT r."id"::text FROM "ledger_transaction" r WHERE r."reverses_transaction_id" = t."id") AS "reversedByTransactionId",
                  e."id"::text AS "entryId", e."account_id"::text AS "accountId", e."direction"::text AS "direction", e."amount"::text AS "amount", e."currency"::text AS "currency"
           FROM "ledger_transaction" t LEFT JOIN "ledger_entry" e ON e."transaction_id" = t."id"
           WHERE t."id" = $1::uuid ORDER BY e."id"`,
    values: [transactionId],
  });
  const [first] = rows;
  if (!first) return null;
  return {
    id: first.id,
    idempotencyKey: first.idempotencyKey,
    code: first.code,
    description: first.description,
    book: first.book,
    effectiveAt: first.effectiveAt,
    createdAt: first.createdAt,
    metadata: JSON.parse(String(first.metadata)) as Record<string, unknown>,
    reversesTransactionId: first.reversesTransactionId,
    reversedByTransactionId: first.reversedByTransactionId,
    entries: rows
      .filter((row) => row.entryId !== null)
      .map((row) => ({ entryId: row.entryId as string, accountId: row.accountId, direction: row.direction, amount: toDecimal(row.amount), currency: row.currency })),
  };
}

// ---------------------------------------------------------------------------------------
// Holds.

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
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw ValidationError.field(['expiresAt'], 'must be in the future', 'VALIDATION_FAILED');
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
  const [row] = await withRetries(db, () =>
    rowsOf<ReservedHold>(db, {
      name: 'ledger_reserve_hold',
      text: `SELECT "hold_id"::text AS "holdId", "replayed" FROM "ledger_reserve_hold"($1, $2, $3, $4::uuid, $5::uuid, $6::numeric, $7, $8::timestamptz, $9::jsonb)`,
      values: [input.idempotencyKey, hash, input.code, input.debitAccountId, input.creditAccountId, amount.toFixed(), currency, expiresAt, JSON.stringify(metadata)],
    }),
  );
  if (!row) throw new Error('ledger_reserve_hold returned no row');
  return row;
}

export interface PostHoldInput {
  holdId: string;
  /** Keys the posting transaction too: a repeat returns it. */
  idempotencyKey: string;
  /** At most the hold's amount; the whole amount when omitted. The rest of the reservation is released. */
  amount?: string | null;
  description?: string | null;
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
  validateHeader({ idempotencyKey: input.idempotencyKey, code: 'HOLD_POST', description: input.description, metadata: input.metadata });
  if (input.amount != null && (!DECIMAL_SHAPE.test(input.amount) || new Decimal(input.amount).lte(0))) {
    throw ValidationError.field(['amount'], `amount ${JSON.stringify(input.amount)} must be a plain decimal greater than zero`, 'AMOUNT_NOT_POSITIVE');
  }
  const amount = input.amount == null ? null : new Decimal(input.amount).toFixed();
  const metadata = input.metadata ?? {};
  const hash = sha256Hex(canonicalJson({ kind: 'hold-post', holdId: input.holdId.toLowerCase(), amount, description: input.description ?? null, metadata }));
  const [row] = await withRetries(db, () =>
    rowsOf<{ transactionId: string; replayed: boolean; postedAmount: string }>(db, {
      name: 'ledger_post_hold',
      text: `SELECT "transaction_id"::text AS "transactionId", "replayed", "posted_amount"::text AS "postedAmount"
             FROM "ledger_post_hold"($1::uuid, $2, $3, $4::numeric, $5::timestamptz, $6, $7::jsonb)`,
      values: [input.holdId, input.idempotencyKey, hash, amount, now.toISOString(), input.description ?? null, JSON.stringify(metadata)],
    }),
  );
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
  const [row] = await withRetries(db, () =>
    rowsOf<{ replayed: boolean }>(db, {
      name: 'ledger_void_hold',
      text: `SELECT "replayed" FROM "ledger_void_hold"($1::uuid, $2, $3, $4::timestamptz)`,
      values: [input.holdId, input.idempotencyKey, hash, now.toISOString()],
    }),
  );
  if (!row) throw new Error('ledger_void_hold returned no row');
  return row;
}

/** Marks holds whose expiry is at or before `now` EXPIRED and releases their reservations; returns their ids. */
export async function expireHolds(db: LedgerDb, now = new Date(), limit = EXPIRE_HOLDS_BATCH_MAX): Promise<string[]> {
  const rows = await withRetries(db, () =>
    rowsOf<{ holdId: string }>(db, {
      text: `SELECT "hold_id"::text AS "holdId" FROM "ledger_expire_holds"($1::timestamptz, $2::integer)`,
      values: [now.toISOString(), Math.min(Math.max(1, limit), EXPIRE_HOLDS_BATCH_MAX)],
    }),
  );
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

// ---------------------------------------------------------------------------------------
// Balances and statements.

export interface AccountBalance extends Balances {
  accountId: string;
  currency: Currency;
  normalBalance: LedgerDirection;
  debitsPosted: Decimal;
  creditsPosted: Decimal;
  debitsPending: Decimal;
  creditsPending: Decimal;
  /** The instant the figures are as of; null for "now" (read from the account's totals). */
  asOf: Date | null;
}

interface TotalsRow {
  currency: Currency;
  normalBalance: LedgerDirection;
  debitsPosted: string;
  creditsPosted: string;
  debitsPending: string;
  creditsPending: string;
}

function balanceFrom(accountId: string, row: TotalsRow, asOf: Date | null): AccountBalance {
  const totals = {
    debitsPosted: toDecimal(row.debitsPosted),
    creditsPosted: toDecimal(row.creditsPosted),
    debitsPending: toDecimal(row.debitsPending),
    creditsPending: toDecimal(row.creditsPending),
  };
  return { accountId, currency: row.currency, normalBalance: row.normalBalance, ...totals, ...balancesOf(row.normalBalance, totals), asOf };
}

/**
 * Posted, pending and available balances now (from the account's totals), or as of a past
 * instant: entries effective at or before it, and holds reserved by then and not yet
 * resolved at that time.
 */
export async function getBalance(db: LedgerDb, accountId: string, asOf?: Date | null): Promise<AccountBalance> {
  if (!isUuid(accountId)) throw new NotFoundError('LedgerAccount', accountId);
  const rows = asOf
    ? await rowsOf<TotalsRow>(db, {
        text: `SELECT a."currency"::text AS "currency", a."normal_balance"::text AS "normalBalance",
                      coalesce(p."debits", 0)::text AS "debitsPosted", coalesce(p."credits", 0)::text AS "creditsPosted",
                      coalesce(h."debits", 0)::text AS "debitsPending", coalesce(h."credits", 0)::text AS "creditsPending"
               FROM "ledger_account" a
               CROSS JOIN LATERAL (
                   SELECT sum(e."amount") FILTER (WHERE e."direction" = 'DEBIT') AS "debits", sum(e."amount") FILTER (WHERE e."direction" = 'CREDIT') AS "credits"
                   FROM "ledger_entry" e WHERE e."account_id" = a."id" AND e."effective_at" <= $2::timestamptz) p
               CROSS JOIN LATERAL (
                   SELECT sum(x."amount") FILTER (WHERE x."debit_account_id" = a."id") AS "debits", sum(x."amount") FILTER (WHERE x."credit_account_id" = a."id") AS "credits"
                   FROM "ledger_hold" x
                   WHERE (x."debit_account_id" = a."id" OR x."credit_account_id" = a."id")
                     AND x."created_at" <= $2::timestamptz AND (x."resolved_at" IS NULL OR x."resolved_at" > $2::timestamptz)) h
               WHERE a."id" = $1::uuid`,
        values: [accountId, asOf.toISOString()],
      })
    : await rowsOf<TotalsRow>(db, {
        name: 'ledger_balance',
        text: `SELECT a."currency"::text AS "currency", a."normal_balance"::text AS "normalBalance", a."debits_posted"::text AS "debitsPosted",
                      a."credits_posted"::text AS "creditsPosted", a."debits_pending"::text AS "debitsPending", a."credits_pending"::text AS "creditsPending"
               FROM "ledger_account" a WHERE a."id" = $1::uuid`,
        values: [accountId],
      });
  const [row] = rows;
  if (!row) throw new NotFoundError('LedgerAccount', accountId);
  return balanceFrom(accountId, row, asOf ?? null);
}

export interface StatementLine {
  entryId: string;
  transactionId: string;
  code: string;
  description: string | null;
  effectiveAt: Date;
  direction: LedgerDirection;
  amount: Decimal;
  /** The posted balance after this entry, on the account's normal side. */
  runningBalance: Decimal;
}

export interface Statement {
  accountId: string;
  currency: Currency;
  normalBalance: LedgerDirection;
  from: Date;
  to: Date;
  /** Posted balance of entries effective before `from`. */
  openingBalance: Decimal;
  /** Posted balance of entries effective before `to`: the opening balance plus the whole period. */
  closingBalance: Decimal;
  lines: StatementLine[];
  hasNextPage: boolean;
  /** Pass as `after` for the next page. */
  endCursor: string | null;
}

export interface StatementOptions {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  first?: number;
  after?: string | null;
}

function encodeCursor(entryId: string): string {
  return Buffer.from(`entry:${entryId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^entry:(\d{1,19})$/.exec(decoded);
  if (!match) throw ValidationError.field(['after'], 'is not a cursor returned by a statement page', 'VALIDATION_FAILED');
  return match[1] as string;
}

/**
 * The account's statement for [from, to): opening balance, the entries in order of effective
 * time (then of writing) with the running balance after each, and the closing balance.
 * Paginated: `first` lines after the `after` cursor.
 */
export async function getStatement(db: LedgerDb, accountId: string, options: StatementOptions): Promise<Statement> {
  if (!isUuid(accountId)) throw new NotFoundError('LedgerAccount', accountId);
  const first = options.first ?? STATEMENT_PAGE_SIZE_DEFAULT;
  if (!Number.isInteger(first) || first < 1 || first > STATEMENT_PAGE_SIZE_MAX) throw ValidationError.field(['first'], `must be 1 to ${STATEMENT_PAGE_SIZE_MAX}`);
  if (!(options.from.getTime() < options.to.getTime())) throw ValidationError.field(['to'], 'must be later than from');
  const after = options.after ? decodeCursor(options.after) : null;
  const [head] = await rowsOf<{ currency: Currency; normalBalance: LedgerDirection; opening: string; closing: string }>(db, {
    text: `SELECT a."currency"::text AS "currency", a."normal_balance"::text AS "normalBalance",
                  coalesce((SELECT sum(CASE WHEN e."direction" = a."normal_balance" THEN e."amount" ELSE -e."amount" END)
                            FROM "ledger_entry" e WHERE e."account_id" = a."id" AND e."effective_at" < $2::timestamptz), 0)::text AS "opening",
                  coalesce((SELECT sum(CASE WHEN e."direction" = a."normal_balance" THEN e."amount" ELSE -e."amount" END)
                            FROM "ledger_entry" e WHERE e."account_id" = a."id" AND e."effective_at" < $3::timestamptz), 0)::text AS "closing"
           FROM "ledger_account" a WHERE a."id" = $1::uuid`,
    values: [accountId, options.from.toISOString(), options.to.toISOString()],
  });
  if (!head) throw new NotFoundError('LedgerAccount', accountId);
  // The page, and the balance just before its first line (everything ordered before it).
  const rows = await rowsOf<{ entryId: string; transactionId: string; code: string; description: string | null; effectiveAt: Date; direction: LedgerDirection; amount: string; runningBalance: string }>(db, {
    text: `WITH page AS (
               SELECT e."id", e."transaction_id", e."effective_at", e."direction", e."amount",
                      CASE WHEN e."direction" = $5::"ledger_direction" THEN e."amount" ELSE -e."amount" END AS "signed"
               FROM "ledger_entry" e
               WHERE e."account_id" = $1::uuid AND e."effective_at" >= $2::timestamptz AND e."effective_at" < $3::timestamptz
                 AND ($4::bigint IS NULL OR (e."effective_at", e."id") > (SELECT c."effective_at", c."id" FROM "ledger_entry" c WHERE c."id" = $4::bigint))
               ORDER BY e."effective_at", e."id"
               LIMIT $6::integer
           ), start AS (
               SELECT p."effective_at", p."id" FROM page p ORDER BY p."effective_at", p."id" LIMIT 1
           ), before AS (
               SELECT coalesce(sum(CASE WHEN e."direction" = $5::"ledger_direction" THEN e."amount" ELSE -e."amount" END), 0) AS "balance"
               FROM "ledger_entry" e, start s
               WHERE e."account_id" = $1::uuid AND (e."effective_at", e."id") < (s."effective_at", s."id")
           )
           SELECT p."id"::text AS "entryId", p."transaction_id"::text AS "transactionId", t."code", t."description", p."effective_at" AS "effectiveAt",
                  p."direction"::text AS "direction", p."amount"::text AS "amount",
                  ((SELECT b."balance" FROM before b) + sum(p."signed") OVER (ORDER BY p."effective_at", p."id"))::text AS "runningBalance"
           FROM page p JOIN "ledger_transaction" t ON t."id" = p."transaction_id"
           ORDER BY p."effective_at", p."id"`,
    values: [accountId, options.from.toISOString(), options.to.toISOString(), after, head.normalBalance, first + 1],
  });
  const hasNextPage = rows.length > first;
  const lines = rows.slice(0, first).map((row) => ({ ...row, amount: toDecimal(row.amount), runningBalance: toDecimal(row.runningBalance) }));
  const last = lines[lines.length - 1];
  return {
    accountId,
    currency: head.currency,
    normalBalance: head.normalBalance,
    from: options.from,
    to: options.to,
    openingBalance: toDecimal(head.opening),
    closingBalance: toDecimal(head.closing),
    lines,
    hasNextPage,
    endCursor: last ? encodeCursor(last.entryId) : null,
  };
}

// ---------------------------------------------------------------------------------------
// Trial balance and invariants.

export interface TrialBalanceLine {
  account: LedgerAccountView;
  /** The account's posted balance in the debit column (when debits exceed credits)... */
  debit: Decimal;
  /** ...or in the credit column. One of the two is zero. */
  credit: Decimal;
}

export interface TrialBalance {
  currency: Currency;
  book: LedgerBook;
  lines: TrialBalanceLine[];
  totalsByType: Array<{ type: LedgerAccountType; debit: Decimal; credit: Decimal }>;
  totalDebit: Decimal;
  totalCredit: Decimal;
  /** Debits equal credits: true for every ledger whose transactions balance. */
  balanced: boolean;
}

/** Every account of a currency and book with its posted balance in the debit or credit column. */
export async function trialBalance(db: LedgerDb, currency: Currency, book: LedgerBook = 'MONEY'): Promise<TrialBalance> {
  const rows = await rowsOf<LedgerAccountView & { debitsPosted: string; creditsPosted: string }>(db, {
    text: `SELECT ${ACCOUNT_COLUMNS}, a."debits_posted"::text AS "debitsPosted", a."credits_posted"::text AS "creditsPosted"
           FROM "ledger_account" a WHERE a."currency" = $1 AND a."book" = $2::"ledger_book" ORDER BY a."type", a."code"`,
    values: [currency, book],
  });
  const lines: TrialBalanceLine[] = rows.map(({ debitsPosted, creditsPosted, ...account }) => {
    const net = toDecimal(debitsPosted).minus(toDecimal(creditsPosted));
    return { account, debit: net.gt(0) ? net : new Decimal(0), credit: net.lt(0) ? net.negated() : new Decimal(0) };
  });
  const byType = new Map<LedgerAccountType, { debit: Decimal; credit: Decimal }>();
  for (const line of lines) {
    const sums = byType.get(line.account.type) ?? { debit: new Decimal(0), credit: new Decimal(0) };
    byType.set(line.account.type, { debit: sums.debit.plus(line.debit), credit: sums.credit.plus(line.credit) });
  }
  const totalDebit = lines.reduce((sum, line) => sum.plus(line.debit), new Decimal(0));
  const totalCredit = lines.reduce((sum, line) => sum.plus(line.credit), new Decimal(0));
  return {
    currency,
    book,
    lines,
    totalsByType: [...byType].map(([type, sums]) => ({ type, ...sums })),
    totalDebit,
    totalCredit,
    balanced: totalDebit.eq(totalCredit),
  };
}

export interface InvariantViolation {
  rule: string;
  detail: string;
}

/**
 * Re-derives what the triggers maintain and reports any difference: each account's posted
 * totals equal the sums of its entries, its pending totals the sums of its pending holds;
 * every transaction balances per currency; debits equal credits per currency and book; no
 * bounded account is beyond its bound. Empty means the ledger is consistent. Tests call it
 * after each suite; operations can run it as a reconciliation check.
 */
export async function verifyLedgerInvariants(db: LedgerDb): Promise<InvariantViolation[]> {
  const rows = await rowsOf<InvariantViolation>(db, {
    text: `SELECT 'ACCOUNT_TOTALS_MATCH_ENTRIES' AS "rule", a."code" || ': posted ' || a."debits_posted" || '/' || a."credits_posted" || ' but entries sum to ' || coalesce(e."debits", 0) || '/' || coalesce(e."credits", 0) AS "detail"
           FROM "ledger_account" a
           LEFT JOIN (SELECT "account_id", sum("amount") FILTER (WHERE "direction" = 'DEBIT') AS "debits", sum("amount") FILTER (WHERE "direction" = 'CREDIT') AS "credits"
                      FROM "ledger_entry" GROUP BY "account_id") e ON e."account_id" = a."id"
           WHERE a."debits_posted" <> coalesce(e."debits", 0) OR a."credits_posted" <> coalesce(e."credits", 0)
           UNION ALL
           SELECT 'ACCOUNT_PENDING_MATCHES_HOLDS', a."code" || ': pending ' || a."debits_pending" || '/' || a."credits_pending" || ' but pending holds sum to ' || coalesce(d."amount", 0) || '/' || coalesce(c."amount", 0)
           FROM "ledger_account" a
           LEFT JOIN (SELECT "debit_account_id" AS "id", sum("amount") AS "amount" FROM "ledger_hold" WHERE "status" = 'PENDING' GROUP BY 1) d ON d."id" = a."id"
           LEFT JOIN (SELECT "credit_account_id" AS "id", sum("amount") AS "amount" FROM "ledger_hold" WHERE "status" = 'PENDING' GROUP BY 1) c ON c."id" = a."id"
           WHERE a."debits_pending" <> coalesce(d."amount", 0) OR a."credits_pending" <> coalesce(c."amount", 0)
           UNION ALL
           SELECT 'TRANSACTION_BALANCED', t."idempotency_key" || ' in ' || e."currency" || ' is off by ' || sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END)
           FROM "ledger_transaction" t JOIN "ledger_entry" e ON e."transaction_id" = t."id"
           GROUP BY t."idempotency_key", e."currency" HAVING sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) <> 0
           UNION ALL
           SELECT 'TRANSACTION_HAS_ENTRIES', t."idempotency_key" || ' has ' || count(e."id") || ' entries'
           FROM "ledger_transaction" t LEFT JOIN "ledger_entry" e ON e."transaction_id" = t."id" GROUP BY t."idempotency_key" HAVING count(e."id") < 2
           UNION ALL
           SELECT 'DEBITS_EQUAL_CREDITS', a."currency" || ' ' || a."book" || ': debits ' || sum(a."debits_posted") || ', credits ' || sum(a."credits_posted")
           FROM "ledger_account" a GROUP BY a."currency", a."book" HAVING sum(a."debits_posted") <> sum(a."credits_posted")
           UNION ALL
           SELECT 'WITHIN_BOUNDS', a."code"
           FROM "ledger_account" a
           WHERE (a."debits_must_not_exceed_credits" AND a."debits_posted" + a."debits_pending" > a."credits_posted")
              OR (a."credits_must_not_exceed_debits" AND a."credits_posted" + a."credits_pending" > a."debits_posted")`,
    values: [],
  });
  return rows;
}

// ---------------------------------------------------------------------------------------
// Database errors to domain errors (the store edge).

interface DatabaseFailure {
  code: string;
  message: string;
  detail?: string;
  constraint?: string;
}

/** The SQLSTATE and texts of a PostgreSQL error, whether node-postgres or Prisma's driver adapter raised it. */
export function databaseFailureOf(error: unknown): DatabaseFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const direct = error as { code?: unknown; message?: unknown; detail?: unknown; constraint?: unknown; severity?: unknown };
  if (typeof direct.code === 'string' && /^[0-9A-Z]{5}$/.test(direct.code) && typeof direct.severity === 'string') {
    return { code: direct.code, message: String(direct.message), detail: direct.detail as string | undefined, constraint: direct.constraint as string | undefined };
  }
  const cause = (error as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } }).meta?.driverAdapterError?.cause;
  if (cause) {
    const code = (cause.originalCode ?? cause.code) as string | undefined;
    if (!code) return undefined;
    const text = cause.originalMessage ?? cause.message;
    const message = typeof text === 'string' ? text : '';
    const constraintInfo = cause.constraint as { index?: string; fields?: string[] } | undefined;
    const constraint = constraintInfo?.index ?? /constraint "([^"]+)"/.exec(message)?.[1];
    return { code, message, detail: cause.detail as string | undefined, constraint };
  }
  return undefined;
}

const IDEMPOTENCY_KEY_INDEXES = new Set(['ledger_transaction_idempotency_key_key', 'ledger_hold_idempotency_key_key']);

function isRetryable(failure: DatabaseFailure): boolean {
  // 40001 serialisation failure, 40P01 deadlock: the database undid our work; run it again.
  if (failure.code === '40001' || failure.code === '40P01') return true;
  // A twin call with the same key committed while this one waited for the account locks:
  // the retry finds its row and returns it as a replay (or reports reuse).
  return failure.code === '23505' && IDEMPOTENCY_KEY_INDEXES.has(failure.constraint ?? '');
}

function accountInRow(detail: string | undefined): { id: string; code: string } | undefined {
  const match = /\(([0-9a-f-]{36}), ([^,]+),/.exec(detail ?? '');
  return match ? { id: match[1] as string, code: match[2] as string } : undefined;
}

/** Maps a database error raised by the ledger to the domain error it stands for; anything else passes through. */
export function toDomainError(error: unknown): unknown {
  const failure = databaseFailureOf(error);
  if (!failure) return error;
  const detail = failure.detail || undefined;
  switch (failure.code) {
    case 'LG001':
      return new ConflictError('IDEMPOTENCY_KEY_REUSED', failure.message);
    case 'LG002':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'TRANSACTION_UNBALANCED');
    case 'LG003':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'CURRENCY_MISMATCH');
    case 'LG004':
      return new ValidationError([{ path: ['amount'], message: failure.message }], 'AMOUNT_TOO_MANY_DECIMALS');
    case 'LG005':
      return new WrongStateError(failure.message, 'CLOSED');
    case 'LG006':
      return new NotFoundError('LedgerAccount', detail ?? 'unknown');
    case 'LG007':
      return new NotFoundError('LedgerHold', detail ?? 'unknown');
    case 'LG008':
      return new WrongStateError(failure.message, detail ?? 'RESOLVED');
    case 'LG009':
      return new WrongStateError(failure.message, 'EXPIRED');
    case 'LG010':
      return new LimitExceededError('EXCEEDS_HOLD_AMOUNT', failure.message);
    case 'LG012':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'BOOKS_MIXED');
    case 'LG013':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'TOO_FEW_ENTRIES');
    case 'LG014':
      return new ValidationError([{ path: ['transactions'], message: failure.message }], 'DUPLICATE_IDEMPOTENCY_KEY');
    case '23505':
      if (failure.constraint === 'ledger_transaction_reverses_once') return new ConflictError('TRANSACTION_ALREADY_REVERSED', 'this transaction has already been reversed');
      if (failure.constraint === 'ledger_hold_resolution_key_key') return new ConflictError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key already resolved another hold');
      if (failure.constraint === 'ledger_account_code_key') return new ConflictError('ACCOUNT_CODE_TAKEN', failure.message);
      return error;
    case '23514': {
      if (failure.constraint === 'ledger_account_debits_within_credits' || failure.constraint === 'ledger_account_credits_within_debits') {
        const account = accountInRow(detail);
        const which = account ? `account ${account.code} (${account.id})` : 'an account';
        return new LimitExceededError('EXCEEDS_AVAILABLE_BALANCE', `${which} does not have the available balance for this; nothing was posted`);
      }
      if (failure.constraint === 'ledger_transaction_not_future') {
        return new ValidationError([{ path: ['effectiveAt'], message: 'must not be in the future' }], 'EFFECTIVE_AT_IN_FUTURE');
      }
      if (failure.message.startsWith('ledger account ')) return new ValidationError([{ path: [], message: failure.message }]);
      return error;
    }
    default:
      return error;
  }
}
