import type pg from 'pg';
import type { Prisma, PrismaClient } from '../../client';
import { isRootClient, retryTransient } from '../run-transaction';
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

/**
 * A statement the store runs on its own, on the Prisma client or on a pool, is a database
 * transaction by itself. On a transaction client, or a pool client that may be inside a
 * transaction, it is part of its caller's transaction.
 */
function runsAlone(db: LedgerDb): boolean {
  if (isPrisma(db)) return isRootClient(db);
  return typeof (db as pg.Pool).totalCount === 'number';
}

/**
 * Runs one ledger write and maps its database errors to domain errors. Alone, a statement
 * that failed transiently (a deadlock, a twin request with the same key committing first)
 * is run again; inside a caller's transaction the failure goes to the caller, whose whole
 * transaction is retried (run-transaction.ts).
 */
export async function runStatement<T>(db: LedgerDb, query: Query): Promise<T[]> {
  try {
    return runsAlone(db) ? await retryTransient(() => rowsOf<T>(db, query)) : await rowsOf<T>(db, query);
  } catch (error) {
    throw toDomainError(error);
  }
}
