import { NotFoundError } from '../../../domain/errors';
import { balancesOf, isUuid, type Balances, type LedgerDirection } from '../../../domain/ledger-rules';
import type { Currency, Decimal } from '../../../domain/money';
import { toDecimal } from '../to-decimal';
import { rowsOf, type LedgerDb } from './ledger-db';

// Balances now (from the account's totals) or as of a past instant (from entries and holds).

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

/** An account's four totals, as the database gives them (text from SQL, Prisma's Decimal from a model). */
export interface AccountTotalsRow {
  currency: string;
  normalBalance: LedgerDirection;
  debitsPosted: string | { toString(): string };
  creditsPosted: string | { toString(): string };
  debitsPending: string | { toString(): string };
  creditsPending: string | { toString(): string };
}

/** The one reading of an account's totals into posted, pending and available balances. */
export function balanceOfTotals(accountId: string, row: AccountTotalsRow, asOf: Date | null = null): AccountBalance {
  const totals = {
    debitsPosted: toDecimal(row.debitsPosted),
    creditsPosted: toDecimal(row.creditsPosted),
    debitsPending: toDecimal(row.debitsPending),
    creditsPending: toDecimal(row.creditsPending),
  };
  return { accountId, currency: row.currency as Currency, normalBalance: row.normalBalance, ...totals, ...balancesOf(row.normalBalance, totals), asOf };
}

/**
 * Posted, pending and available balances now (from the account's totals), or as of a past
 * instant: entries effective at or before it, and holds reserved by then and not yet
 * resolved at that time (a hold posted by a transaction effective by then is counted by that
 * transaction's entries, not as reserved too).
 */
export async function getBalance(db: LedgerDb, accountId: string, asOf?: Date | null): Promise<AccountBalance> {
  if (!isUuid(accountId)) throw new NotFoundError('LedgerAccount', accountId);
  const rows = asOf
    ? await rowsOf<AccountTotalsRow>(db, {
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
                     AND x."created_at" <= $2::timestamptz AND (x."resolved_at" IS NULL OR x."resolved_at" > $2::timestamptz)
                     AND NOT EXISTS (SELECT 1 FROM "ledger_transaction" t WHERE t."id" = x."resolution_transaction_id" AND t."effective_at" <= $2::timestamptz)) h
               WHERE a."id" = $1::uuid`,
        values: [accountId, asOf.toISOString()],
      })
    : await rowsOf<AccountTotalsRow>(db, {
        name: 'ledger_balance',
        text: `SELECT a."currency"::text AS "currency", a."normal_balance"::text AS "normalBalance", a."debits_posted"::text AS "debitsPosted",
                      a."credits_posted"::text AS "creditsPosted", a."debits_pending"::text AS "debitsPending", a."credits_pending"::text AS "creditsPending"
               FROM "ledger_account" a WHERE a."id" = $1::uuid`,
        values: [accountId],
      });
  const [row] = rows;
  if (!row) throw new NotFoundError('LedgerAccount', accountId);
  return balanceOfTotals(accountId, row, asOf ?? null);
}
