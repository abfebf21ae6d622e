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

const TRANSACTION_COLUMNS = `t."id"::text AS "id", t."idempotency_key" AS "idempotencyKey", t."code", t."description", t."book"::text AS "book",
                  t."effective_at" AS "effectiveAt", t."created_at" AS "createdAt", t."metadata"::text AS "metadata",
                  t."reverses_transaction_id"::text AS "reversesTransactionId",
                  (SELECT r."id"::text FROM "ledger_transaction" r WHERE r."reverses_transaction_id" = t."id") AS "reversedByTransactionId",
                  e."id"::text AS "entryId", e."account_id"::text AS "accountId", e."direction"::text AS "direction", e."amount"::text AS "amount", e."currency"::text AS "currency"
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
