import { Prisma, type PrismaClient } from '../client';
import { databaseFailureOf } from './database-failure';

// Every store that writes opens its database transactions here, so that a transaction the
// database undid for a reason that says nothing about the request (a deadlock, a
// serialisation failure, a lock it could not take, a twin request that committed first) is
// run again from its first statement. Only whole transactions are retried: once PostgreSQL
// has raised an error inside a transaction, every later statement of it fails with 25P02
// ("current transaction is aborted"), so a retry of one statement inside it can never work.
// A function handed a transaction client therefore never retries: the transaction belongs to
// its caller, who retries it whole.

export type Tx = Prisma.TransactionClient;

/** Attempts of one transaction, the first included, before its failure goes to the caller. */
export const TRANSACTION_ATTEMPTS_MAX = 6;
/** How long one attempt may run once it has a connection. */
export const TRANSACTION_TIMEOUT_MS_DEFAULT = 15_000;
/** How long an attempt may wait for a connection from the pool before it starts. */
const TRANSACTION_START_WAIT_MS_MAX = 10_000;
/** Backoff before the second attempt; it doubles each time, and each wait is a random part of it. */
const RETRY_DELAY_MS_FIRST = 10;
const RETRY_DELAY_MS_MAX = 400;

// 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available.
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03']);
// Unique indexes whose violation means another transaction took the row first, and running
// again gives the right answer: a twin request with the same ledger key committed while this
// one waited for the account locks (the ledger then finds the twin's row and answers with it
// as a replay); another checker's approval matched the same bank line to its offline receipt
// (this receipt then finds the line taken and stays approved, expected).
const RACE_LOST_INDEXES = new Set(['ledger_transaction_idempotency_key_key', 'ledger_hold_idempotency_key_key', 'offline_repayment_matched_credit_id_key']);

/** True when the database undid the transaction for a reason that running it again can cure. */
export function isTransientFailure(error: unknown): boolean {
  // P2034: Prisma's name for a write conflict or deadlock in one of its own queries.
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2034') return true;
  const failure = databaseFailureOf(error);
  if (!failure) return false;
  if (TRANSIENT_SQLSTATES.has(failure.code)) return true;
  return failure.code === '23505' && RACE_LOST_INDEXES.has(failure.constraint ?? '');
}

/**
 * The client itself, outside any transaction. Inside `$transaction` Prisma hands out a client
 * without `$connect` and `$disconnect` (it keeps `$transaction`, which opens a savepoint), so
 * their absence marks a transaction that somebody else owns.
 */
export function isRootClient(db: PrismaClient | Tx): db is PrismaClient {
  return typeof (db as Partial<PrismaClient>).$disconnect === 'function';
}

function backoffMs(attempt: number): number {
  // Full jitter: contenders that failed together do not come back together.
  return Math.random() * Math.min(RETRY_DELAY_MS_MAX, RETRY_DELAY_MS_FIRST * 2 ** (attempt - 1));
}

/**
 * Runs `attempt`, which must be a whole database transaction (or one statement outside any
 * transaction), again after a transient failure, at most TRANSACTION_ATTEMPTS_MAX times in
 * all. Any other failure, or the last transient one, goes to the caller.
 */
export async function retryTransient<T>(attempt: () => Promise<T>): Promise<T> {
  for (let count = 1; ; count += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (count >= TRANSACTION_ATTEMPTS_MAX || !isTransientFailure(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(count)));
    }
  }
}

/**
 * Runs `work` in a database transaction. Given the client, it opens the transaction and
 * retries it whole after a transient failure; given a transaction client (a caller's
 * transaction), it runs `work` in it, once, and leaves any retry to the caller.
 */
export async function runTransaction<T>(db: PrismaClient | Tx, work: (tx: Tx) => Promise<T>, { timeoutMs = TRANSACTION_TIMEOUT_MS_DEFAULT }: { timeoutMs?: number } = {}): Promise<T> {
  if (!isRootClient(db)) return work(db);
  return retryTransient(() => db.$transaction(work, { timeout: timeoutMs, maxWait: TRANSACTION_START_WAIT_MS_MAX }));
}
