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
