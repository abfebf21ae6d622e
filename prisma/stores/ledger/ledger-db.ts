import type pg from 'pg';
import type { Prisma, PrismaClient } from '../../client';
import { databaseFailureOf, type DatabaseFailure } from '../database-failure';
import { toDomainError } from './to-domain-error';

// The escrow ledger's store (this folder): the only code that writes ledger rows. Every write
// is one call to a SQL function of migration 20261122010000_ledger, which locks the accounts
// involved in id order, settles idempotency and inserts; triggers validate and maintain the
// account totals, and a deferred constraint trigger checks each transaction balances at
// commit. Rules are checked first (domain/ledger-rules.ts) so callers get clear errors;
// database errors are mapped to the same domain errors (to-domain-error.ts).

/**
 * Where the ledger runs its SQL: Prisma (the client, or an interactive transaction to post
 * together with other writes), or a node-postgres pool or client. Postings through a pool
 * skip Prisma's per-query overhead and use prepared statements; the bench measures both.
 */
export type LedgerDb = PrismaClient | Prisma.TransactionClient | pg.Pool | pg.PoolClient | pg.Client;

/** Serialisation failures and deadlocks are retried this many times (with jitter) before giving up. */
export const LEDGER_RETRIES_MAX = 5;
const RETRY_DELAY_MS_MAX = 20;

/** A statement for either driver. */
export interface Query {
  /** A prepared-statement name for node-postgres; the statement is parsed once per connection. */
  name?: string;
  text: string;
  values: unknown[];
}

function isPrisma(db: LedgerDb): db is PrismaClient | Prisma.TransactionClient {
  return typeof (db as { $queryRawUnsafe?: unknown }).$queryRawUnsafe === 'function';
}

/** Runs one statement on either kind of connection and returns its rows. */
export async function rowsOf<T>(db: LedgerDb, query: Query): Promise<T[]> {
  if (isPrisma(db)) return db.$queryRawUnsafe<T[]>(query.text, ...query.values);
  const result = await (db as pg.Pool).query(query.name ? { name: query.name, text: query.text, values: query.values } : { text: query.text, values: query.values });
  return result.rows as T[];
}

const IDEMPOTENCY_KEY_INDEXES = new Set(['ledger_transaction_idempotency_key_key', 'ledger_hold_idempotency_key_key']);

function isRetryable(failure: DatabaseFailure): boolean {
  // 40001 serialisation failure, 40P01 deadlock: the database undid our work; run it again.
  if (failure.code === '40001' || failure.code === '40P01') return true;
  // A twin call with the same key committed while this one waited for the account locks:
  // the retry finds its row and returns it as a replay (or reports reuse).
  return failure.code === '23505' && IDEMPOTENCY_KEY_INDEXES.has(failure.constraint ?? '');
}

/**
 * Only a call the store runs on its own (a Prisma client, or a pool) can be retried: inside
 * a caller's transaction the failed statement has aborted that transaction.
 */
function canRetry(db: LedgerDb): boolean {
  if (isPrisma(db)) return typeof (db as PrismaClient).$transaction === 'function';
  return typeof (db as pg.Pool).totalCount === 'number';
}

/** Runs `run`, retrying transient failures when the store owns the database transaction; database errors leave as domain errors. */
export async function withRetries<T>(db: LedgerDb, run: () => Promise<T>): Promise<T> {
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
