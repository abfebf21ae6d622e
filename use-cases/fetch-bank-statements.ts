import type { BankAdapter } from '../bank/bank-adapter';
import { addDays, businessDateOf, dateColumn } from '../domain/business-date';
import { importBankStatement } from './import-bank-statement';
import type { UseCaseContext } from './use-case-context';

export type StatementFetchContext = Pick<UseCaseContext, 'prisma' | 'logger' | 'reconciliationSettings'> & {
  bank: BankAdapter;
  /** The currencies the escrow account holds: one statement each per day. */
  currencies: readonly string[];
};

/**
 * The worker's daily import: yesterday's statement of each currency, fetched from the bank as
 * a camt.053 file and imported as an operator's upload would be, unless that day is already
 * in. Run on every turn of the worker's loop: once a day is imported the turn does nothing, so
 * a worker that was down catches up at its next turn. Returns the days imported.
 */
export async function fetchBankStatements(ctx: StatementFetchContext, now = new Date()): Promise<string[]> {
  const date = addDays(businessDateOf(now), -1);
  const imported: string[] = [];
  for (const currency of ctx.currencies) {
    const known = await ctx.prisma.bankStatement.findFirst({ where: { currency, statementDate: dateColumn(date) }, select: { id: true } });
    if (known) continue;
    const file = await ctx.bank.fetchStatementFile(date, currency, 'CAMT053');
    await importBankStatement(ctx, null, file, now);
    imported.push(`${date} ${currency}`);
  }
  return imported;
}
