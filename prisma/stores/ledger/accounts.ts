import { ConflictError, NotFoundError, ValidationError } from '../../../domain/errors';
import { isUuid, type LedgerDirection } from '../../../domain/ledger-rules';
import { isCurrency, type Currency } from '../../../domain/money';
import { rowsOf, runStatement, type LedgerDb } from './ledger-db';

// Accounts: opened once under a unique code (idempotently), closed, never deleted.

export type LedgerAccountType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';
export type LedgerBook = 'MONEY' | 'MEMO';
export type LedgerAccountPurpose =
  | 'ESCROW_BANK'
  | 'SUPPLIER_SETTLEMENT'
  | 'FUNDER_FUNDING'
  | 'CORE_REPAYMENT'
  | 'COLLECTION'
  | 'PAYOUT_IN_TRANSIT'
  | 'INBOUND_CLEARING'
  | 'FEE_INCOME'
  | 'SUSPENSE'
  | 'CREDIT_LIMIT'
  | 'LIMIT_CONTROL'
  | 'PENALTY_RECEIVABLE'
  | 'ACCRUAL_CONTROL'
  | 'RECONCILIATION_LOSS'
  | 'RECONCILIATION_GAIN'
  | 'VOUCHER_ISSUED'
  | 'VOUCHER_CLAIM'
  | 'VOUCHER_ASSIGNED';

export interface LedgerAccountView {
  id: string;
  code: string;
  name: string;
  type: LedgerAccountType;
  normalBalance: LedgerDirection;
  book: LedgerBook;
  currency: Currency;
  ownerPartyId: string | null;
  purpose: LedgerAccountPurpose;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
  closedAt: Date | null;
  virtualAccountNumber: string | null;
  createdAt: Date;
}

export interface OpenAccountInput {
  code: string;
  name: string;
  type: LedgerAccountType;
  purpose: LedgerAccountPurpose;
  currency: Currency;
  book?: LedgerBook;
  ownerPartyId?: string | null;
  debitsMustNotExceedCredits?: boolean;
  creditsMustNotExceedDebits?: boolean;
  /** Issue a virtual account number (for accounts that receive money from outside). */
  withVirtualAccountNumber?: boolean;
}

/** The columns of a ledger account as a LedgerAccountView, from the table aliased `a`. */
export const ACCOUNT_COLUMNS = `a."id"::text AS "id", a."code", a."name", a."type"::text AS "type", a."normal_balance"::text AS "normalBalance",
  a."book"::text AS "book", a."currency"::text AS "currency", a."owner_party_id"::text AS "ownerPartyId", a."purpose"::text AS "purpose",
  a."debits_must_not_exceed_credits" AS "debitsMustNotExceedCredits", a."credits_must_not_exceed_debits" AS "creditsMustNotExceedDebits",
  a."closed_at" AS "closedAt", a."virtual_account_number" AS "virtualAccountNumber", a."created_at" AS "createdAt"`;

/** The account as asked for: the same code opened again must match it in every respect. */
function sameDefinition(account: LedgerAccountView, input: OpenAccountInput, book: LedgerBook): boolean {
  return (
    account.type === input.type &&
    account.book === book &&
    account.currency === input.currency &&
    account.purpose === input.purpose &&
    (account.ownerPartyId ?? null) === (input.ownerPartyId?.toLowerCase() ?? null) &&
    account.debitsMustNotExceedCredits === (input.debitsMustNotExceedCredits ?? false) &&
    account.creditsMustNotExceedDebits === (input.creditsMustNotExceedDebits ?? false) &&
    (account.virtualAccountNumber !== null) === (input.withVirtualAccountNumber ?? false)
  );
}

/**
 * Opens an account, or returns the one already open under the same code (so opening is
 * idempotent). The same code with a different definition is a conflict.
 */
export async function openAccount(db: LedgerDb, input: OpenAccountInput): Promise<LedgerAccountView> {
  const normalBalance: LedgerDirection = input.type === 'ASSET' || input.type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';
  const book = input.book ?? 'MONEY';
  if (!isCurrency(input.currency)) throw ValidationError.field(['currency'], `currency ${String(input.currency)} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  if (input.ownerPartyId != null && !isUuid(input.ownerPartyId)) throw ValidationError.field(['ownerPartyId'], 'must be a party id (a UUID)');
  await runStatement(db, {
    text: `INSERT INTO "ledger_account" ("code", "name", "type", "normal_balance", "book", "currency", "owner_party_id", "purpose",
             "debits_must_not_exceed_credits", "credits_must_not_exceed_debits", "virtual_account_number")
           SELECT $1::varchar, $2::varchar, $3::"ledger_account_type", $4::"ledger_direction", $5::"ledger_book", $6::char(3), $7::uuid,
                  $8::"ledger_account_purpose", $9::boolean, $10::boolean, CASE WHEN $11::boolean THEN "ledger_next_virtual_account_number"() END
           -- Looked up first so that reopening does not spend a virtual account number.
           WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" WHERE "code" = $1::varchar)
           ON CONFLICT ("code") DO NOTHING`,
    values: [
      input.code,
      input.name,
      input.type,
      normalBalance,
      book,
      input.currency,
      input.ownerPartyId ?? null,
      input.purpose,
      input.debitsMustNotExceedCredits ?? false,
      input.creditsMustNotExceedDebits ?? false,
      input.withVirtualAccountNumber ?? false,
    ],
  });
  const account = await findAccountByCode(db, input.code);
  if (!account) throw new Error(`ledger account ${input.code} vanished after it was opened`);
  if (!sameDefinition(account, input, book)) throw new ConflictError('ACCOUNT_CODE_TAKEN', `ledger account ${input.code} is already open with a different definition`);
  return account;
}

export async function findAccountByCode(db: LedgerDb, code: string): Promise<LedgerAccountView | null> {
  const [account] = await rowsOf<LedgerAccountView>(db, { text: `SELECT ${ACCOUNT_COLUMNS} FROM "ledger_account" a WHERE a."code" = $1`, values: [code] });
  return account ?? null;
}

/**
 * Closes an account: from then on it takes no new entries or holds (TigerBeetle's `closed`);
 * pending holds on it can still be voided or expire. Closing twice keeps the first time.
 */
export async function closeAccount(db: LedgerDb, accountId: string, closedAt = new Date()): Promise<LedgerAccountView> {
  const [account] = await runStatement<LedgerAccountView>(db, {
    text: `UPDATE "ledger_account" a SET "closed_at" = coalesce(a."closed_at", $2::timestamptz) WHERE a."id" = $1::uuid RETURNING ${ACCOUNT_COLUMNS}`,
    values: [accountId, closedAt.toISOString()],
  });
  if (!account) throw new NotFoundError('LedgerAccount', accountId);
  return account;
}
