import { NotFoundError } from '../../../domain/errors';
import { isUuid } from '../../../domain/ledger-rules';
import { runStatement, type LedgerDb } from './ledger-db';

// One global lock order for everything a database transaction posts. Each posting function
// locks the accounts of its own call in id order, which keeps one call from deadlocking with
// another; but a transaction that makes several calls (a disbursement posts a hold, fees,
// three limit holds and a payout) would otherwise take its locks call by call, and two such
// transactions can then each hold what the other waits for (a disbursement holding the
// supplier's account and wanting payouts-in-transit, a payout's return holding
// payouts-in-transit and wanting the supplier's account). Such a transaction calls
// lockAccounts first with every account it may touch: all its locks are then taken in one
// statement, in id order, and the calls that follow find them already held.

/** Accounts locked at once; a transaction touches a handful, a financing's money about fifteen. */
export const LOCKED_ACCOUNTS_MAX = 64;

/**
 * Locks the accounts for the rest of the caller's database transaction, in id order, before
 * any posting of that transaction. Given the Prisma client or a pool (no transaction), the
 * locks would end with the statement: a caller's mistake, refused.
 */
export async function lockAccounts(db: LedgerDb, accountIds: readonly string[]): Promise<void> {
  const ids = [...new Set(accountIds.map((id) => id.toLowerCase()))];
  if (ids.length === 0) return;
  if (ids.length > LOCKED_ACCOUNTS_MAX) throw new Error(`lockAccounts takes at most ${LOCKED_ACCOUNTS_MAX} accounts, got ${ids.length}`);
  for (const id of ids) if (!isUuid(id)) throw new NotFoundError('LedgerAccount', id);
  const outsideTransaction = typeof (db as { $disconnect?: unknown }).$disconnect === 'function' || typeof (db as { totalCount?: unknown }).totalCount === 'number';
  if (outsideTransaction) throw new Error('lockAccounts must run inside the database transaction that will post');
  const [row] = await runStatement<{ locked: number }>(db, {
    name: 'ledger_lock_accounts',
    text: `SELECT count(*)::int AS "locked" FROM (SELECT 1 FROM "ledger_account" a WHERE a."id" = ANY ($1::uuid[]) ORDER BY a."id" FOR UPDATE) l`,
    values: [ids],
  });
  if ((row?.locked ?? 0) < ids.length) {
    const [missing] = await runStatement<{ id: string }>(db, { text: `SELECT x::text AS "id" FROM unnest($1::uuid[]) x WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = x) LIMIT 1`, values: [ids] });
    throw new NotFoundError('LedgerAccount', missing?.id ?? ids[0]!);
  }
}
