import { Decimal, type Currency } from '../../../domain/money';
import { toDecimal } from '../to-decimal';
import { ACCOUNT_COLUMNS, type LedgerAccountType, type LedgerAccountView, type LedgerBook } from './accounts';
import { rowsOf, type LedgerDb } from './ledger-db';

// The trial balance: every account of a currency and book in the debit or credit column.

export interface TrialBalanceLine {
  account: LedgerAccountView;
  /** The account's posted balance in the debit column (when debits exceed credits)... */
  debit: Decimal;
  /** ...or in the credit column. One of the two is zero. */
  credit: Decimal;
}

export interface TrialBalance {
  currency: Currency;
  book: LedgerBook;
  lines: TrialBalanceLine[];
  totalsByType: Array<{ type: LedgerAccountType; debit: Decimal; credit: Decimal }>;
  totalDebit: Decimal;
  totalCredit: Decimal;
  /** Debits equal credits: true for every ledger whose transactions balance. */
  balanced: boolean;
}

/**
 * Every account of a currency and book with its posted balance in the debit or credit column,
 * by account type and then code. Codes sort by code point (COLLATE "C"), whatever the database's
 * locale: a page of lines goes on from its last line's code (schema/types/ledger.ts), compared
 * the same way.
 */
export async function trialBalance(db: LedgerDb, currency: Currency, book: LedgerBook = 'MONEY'): Promise<TrialBalance> {
  const rows = await rowsOf<LedgerAccountView & { debitsPosted: string; creditsPosted: string }>(db, {
    text: `SELECT ${ACCOUNT_COLUMNS}, a."debits_posted"::text AS "debitsPosted", a."credits_posted"::text AS "creditsPosted"
           FROM "ledger_account" a WHERE a."currency" = $1 AND a."book" = $2::"ledger_book" ORDER BY a."type", a."code" COLLATE "C"`,
    values: [currency, book],
  });
  const lines: TrialBalanceLine[] = rows.map(({ debitsPosted, creditsPosted, ...account }) => {
    const net = toDecimal(debitsPosted).minus(toDecimal(creditsPosted));
    return { account, debit: net.gt(0) ? net : new Decimal(0), credit: net.lt(0) ? net.negated() : new Decimal(0) };
  });
  const byType = new Map<LedgerAccountType, { debit: Decimal; credit: Decimal }>();
  for (const line of lines) {
    const sums = byType.get(line.account.type) ?? { debit: new Decimal(0), credit: new Decimal(0) };
    byType.set(line.account.type, { debit: sums.debit.plus(line.debit), credit: sums.credit.plus(line.credit) });
  }
  const totalDebit = lines.reduce((sum, line) => sum.plus(line.debit), new Decimal(0));
  const totalCredit = lines.reduce((sum, line) => sum.plus(line.credit), new Decimal(0));
  return {
    currency,
    book,
    lines,
    totalsByType: [...byType].map(([type, sums]) => ({ type, ...sums })),
    totalDebit,
    totalCredit,
    balanced: totalDebit.eq(totalCredit),
  };
}
