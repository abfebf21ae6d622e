import { isUuid, type LedgerDirection } from '../../../domain/ledger-rules';
import type { Currency, Decimal } from '../../../domain/money';
import { toDecimal } from '../to-decimal';
import type { LedgerBook } from './accounts';
import { rowsOf, type LedgerDb } from './ledger-db';

// A posted transaction as it is read back, with its entries.

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

type TransactionRow = Omit<TransactionView, 'entries' | 'metadata'> & { metadata: unknown; entryId: string | null; accountId: string; direction: LedgerDirection; amount: string; currency: Currency };

const TRANSACTION_HEADER_COLUMNS = `t."id"::text AS "id", t."idempotency_key" AS "idempotencyKey", t."code", t."description", t."book"::text AS "book",
                  t."effective_at" AS "effectiveAt", t."created_at" AS "createdAt", t."metadata"::text AS "metadata",
                  t."reverses_transaction_id"::text AS "reversesTransactionId",
                  (SELECT r."id"::text FROM "ledger_transaction" r WHERE r."reverses_transaction_id" = t."id") AS "reversedByTransactionId"`;
const ENTRY_COLUMNS = `e."id"::text AS "entryId", e."account_id"::text AS "accountId", e."direction"::text AS "direction", e."amount"::text AS "amount", e."currency"::text AS "currency"`;
const TRANSACTION_COLUMNS = `${TRANSACTION_HEADER_COLUMNS}, ${ENTRY_COLUMNS}
           FROM "ledger_transaction" t LEFT JOIN "ledger_entry" e ON e."transaction_id" = t."id"`;

/** One transaction's rows (one per entry, in entry order) as its view. */
function viewOf(rows: TransactionRow[]): TransactionView {
  const first = rows[0]!;
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

export async function getTransaction(db: LedgerDb, transactionId: string): Promise<TransactionView | null> {
  if (!isUuid(transactionId)) return null;
  const rows = await rowsOf<TransactionRow>(db, { text: `SELECT ${TRANSACTION_COLUMNS} WHERE t."id" = $1::uuid ORDER BY e."id"`, values: [transactionId] });
  return rows.length ? viewOf(rows) : null;
}

/**
 * Many transactions with their entries in one statement (a page's worth: a list reads them
 * together rather than one statement each), by id; an id that is not a transaction is absent.
 */
export async function getTransactions(db: LedgerDb, transactionIds: readonly string[]): Promise<Map<string, TransactionView>> {
  const ids = transactionIds.filter(isUuid);
  const views = new Map<string, TransactionView>();
  if (ids.length === 0) return views;
  const rows = await rowsOf<TransactionRow>(db, { text: `SELECT ${TRANSACTION_COLUMNS} WHERE t."id" = ANY($1::uuid[]) ORDER BY t."id", e."id"`, values: [ids] });
  const byTransaction = new Map<string, TransactionRow[]>();
  for (const row of rows) byTransaction.set(row.id, [...(byTransaction.get(row.id) ?? []), row]);
  for (const [id, transactionRows] of byTransaction) views.set(id, viewOf(transactionRows));
  return views;
}

/** One financing's page of its ledger transactions, and how many it has in all. */
export interface FinancingTransactionPage {
  total: number;
  transactions: TransactionView[];
}

type PageRow = TransactionRow & { financingId: string; total: number; inPage: boolean };

/**
 * A page (offset, limit) of each financing's ledger transactions in the order they were
 * written, with each financing's count, in one statement however many financings. With a
 * party, only the transactions touching its accounts, each with only the entries on them; the
 * filter is in the statement, so that entries the caller may not see are never read. A
 * financing without any transaction the caller may see is absent.
 */
export async function financingTransactionPages(
  db: LedgerDb,
  financingIds: readonly string[],
  partyId: string | null,
  offset: number,
  limit: number,
): Promise<Map<string, FinancingTransactionPage>> {
  const pages = new Map<string, FinancingTransactionPage>();
  if (financingIds.length === 0) return pages;
  // The first transaction of every financing comes back too, page or not, so that each has its count.
  // The financings' transactions are read once through their financing index, and their entries
  // once by transaction: which of them the party sees is decided from those entries against the
  // party's accounts, never from the entries on the party's accounts, which grow with its whole
  // ledger rather than with the page. Without a party (an operator) every transaction counts,
  // whatever its entries, as before. The transactions are numbered and counted by their ids
  // alone, and only the chosen ones are read whole (by primary key) with their entries (by
  // transaction): numbering rows that carried every column, metadata included, and joining
  // the entries through a materialised list made this statement cost PostgreSQL about ten
  // times its present 1-2 ms for a page of 50.
  const rows = await rowsOf<PageRow>(db, {
    text: `WITH owned AS MATERIALIZED (
             SELECT coalesce(array_agg(a."id"), '{}') AS "ids" FROM "ledger_account" a WHERE a."owner_party_id" = $2::uuid
           ), financing_tx AS MATERIALIZED (
             SELECT t."metadata"->>'financingId' AS "financingId", t."id", t."sequence"
             FROM "ledger_transaction" t
             WHERE t."metadata" ? 'financingId' AND t."metadata"->>'financingId' = ANY($1::text[])
           ), seen AS MATERIALIZED (
             SELECT e."transaction_id"
             FROM financing_tx f JOIN "ledger_entry" e ON e."transaction_id" = f."id" CROSS JOIN owned o
             WHERE $2::uuid IS NULL OR e."account_id" = ANY(o."ids")
           ), numbered AS (
             SELECT f."financingId", f."id", f."sequence", count(*) OVER (PARTITION BY f."financingId") AS "total",
                    row_number() OVER (PARTITION BY f."financingId" ORDER BY f."sequence") AS "position"
             FROM financing_tx f WHERE $2::uuid IS NULL OR EXISTS (SELECT 1 FROM seen s WHERE s."transaction_id" = f."id")
           ), chosen AS (
             SELECT n.*, (n."position" > $3::int AND n."position" <= $3::int + $4::int) AS "inPage"
             FROM numbered n WHERE n."position" = 1 OR (n."position" > $3::int AND n."position" <= $3::int + $4::int)
           )
           SELECT c."financingId", c."total"::int AS "total", c."inPage", t."id"::text AS "id", t."idempotency_key" AS "idempotencyKey", t."code", t."description",
                  t."book"::text AS "book", t."effective_at" AS "effectiveAt", t."created_at" AS "createdAt", t."metadata"::text AS "metadata",
                  t."reverses_transaction_id"::text AS "reversesTransactionId",
                  (SELECT r."id"::text FROM "ledger_transaction" r WHERE r."reverses_transaction_id" = c."id") AS "reversedByTransactionId",
                  e."id"::text AS "entryId", e."account_id"::text AS "accountId", e."direction"::text AS "direction", e."amount"::text AS "amount", e."currency"::text AS "currency"
           FROM chosen c JOIN "ledger_transaction" t ON t."id" = c."id" CROSS JOIN owned o
           LEFT JOIN "ledger_entry" e ON c."inPage" AND e."transaction_id" = c."id" AND ($2::uuid IS NULL OR e."account_id" = ANY(o."ids"))
           ORDER BY c."financingId", c."position", e."id"`,
    values: [financingIds, partyId, offset, limit],
  });
  let current: PageRow[] = [];
  const flush = () => {
    if (current.length && current[0]!.inPage) pages.get(current[0]!.financingId)!.transactions.push(viewOf(current));
    current = [];
  };
  for (const row of rows) {
    if (!pages.has(row.financingId)) pages.set(row.financingId, { total: row.total, transactions: [] });
    if (current.length && (current[0]!.id !== row.id || current[0]!.financingId !== row.financingId)) flush();
    current.push(row);
  }
  flush();
  return pages;
}
