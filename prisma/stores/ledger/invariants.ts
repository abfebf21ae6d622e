import { rowsOf, type LedgerDb } from './ledger-db';

// The invariant check: re-derives from the rows what the triggers maintain.

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
