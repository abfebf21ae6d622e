import { NotFoundError, ValidationError } from '../../../domain/errors';
import { isUuid, type LedgerDirection } from '../../../domain/ledger-rules';
import type { Currency, Decimal } from '../../../domain/money';
import { toDecimal } from '../to-decimal';
import { rowsOf, type LedgerDb } from './ledger-db';

// Account statements: opening balance, the entries of a period with running balances, closing balance.

/** Statement pages: default and largest size. */
export const STATEMENT_PAGE_SIZE_DEFAULT = 50;
export const STATEMENT_PAGE_SIZE_MAX = 500;

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
