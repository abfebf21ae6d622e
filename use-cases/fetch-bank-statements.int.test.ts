import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankAdapter } from '../bank/bank-adapter';
import type { StatementFile } from '../bank/statement/statement-document';
import { addDays, dateColumn, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { testLogger } from '../test/support/logger';
import { creditsStatement } from '../test/support/statement-files';
import { fetchBankStatements } from './fetch-bank-statements';
import { escrowAccountIs } from '../test/support/escrow-account';

// The worker's daily fetch (docs/reconciliation.md, "The daily fetch"; workflows/worker/main.ts:
// "a worker that was down catches up at its next turn"), against a bank whose files are written
// here: the statements of the days it holds, in the order of the chain of balances.

const HOUR_MS = 60 * 60 * 1000;
const at = (date: IsoDate, hours: number) => new Date(startOfBusinessDate(date).getTime() + hours * HOUR_MS);

/** A bank adapter that answers statement files from `files` (date and currency), or throws for a currency it cannot reach. */
function bankOf(files: Map<string, StatementFile>, unreachable: readonly string[] = []): BankAdapter {
  return {
    async fetchStatementFile(date: string, currency: string) {
      if (unreachable.includes(currency)) throw new Error(`the bank's ${currency} statement service is unreachable`);
      const file = files.get(`${date} ${currency}`);
      if (!file) throw new Error(`no statement of ${date} in ${currency}`);
      return file;
    },
  } as unknown as BankAdapter;
}

describe('the daily statement fetch', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('catches up the days it missed while the worker was down, in order', async () => {
    const account = '310066661018800000701';
    const d0: IsoDate = '2026-03-02';
    const [d1, d2, d3] = [addDays(d0, 1), addDays(d0, 2), addDays(d0, 3)];
    const files = new Map<string, StatementFile>();
    const s0 = creditsStatement(account, d0, 'CNY', '0.00', ['10.00']);
    const s1 = creditsStatement(account, d1, 'CNY', s0.closing, ['100.00']);
    const s2 = creditsStatement(account, d2, 'CNY', s1.closing, ['50.00']);
    files.set(`${d0} CNY`, { format: 'CSV', content: s0.csv });
    files.set(`${d1} CNY`, { format: 'CSV', content: s1.csv });
    files.set(`${d2} CNY`, { format: 'CSV', content: s2.csv });
    const ctx = { prisma: db.prisma, logger: testLogger, bank: bankOf(files), currencies: ['CNY'] };
    await escrowAccountIs(db.prisma, account);

    // The morning after d0, the worker fetches d0.
    expect(await fetchBankStatements(ctx, at(d1, 10))).toEqual([`${d0} CNY`]);
    // The worker is down all of d2 (when it would have fetched d1) and comes back on d3.
    await expect(fetchBankStatements(ctx, at(d3, 10))).resolves.toEqual([`${d1} CNY`, `${d2} CNY`]);
    const stored = await db.prisma.bankStatement.findMany({ where: { accountNumber: account }, orderBy: { statementDate: 'asc' } });
    expect(stored.map((statement) => statement.closingBalance.toFixed(2))).toEqual(['10.00', '110.00', '160.00']);
  });

  it('imports the other currencies when one currency cannot be fetched', async () => {
    const account = '310066661018800000702';
    const day: IsoDate = '2026-04-06';
    const files = new Map<string, StatementFile>([[`${day} USD`, { format: 'CSV', content: creditsStatement(account, day, 'USD', '0.00', ['25.00']).csv }]]);
    const ctx = { prisma: db.prisma, logger: testLogger, bank: bankOf(files, ['CNY']), currencies: ['CNY', 'USD'] };
    await escrowAccountIs(db.prisma, account, ['CNY', 'USD']);

    // The CNY statement fails this turn (to be tried at the next); USD is there to import.
    await fetchBankStatements(ctx, at(addDays(day, 1), 10)).catch(() => undefined);
    expect(await db.prisma.bankStatement.count({ where: { accountNumber: account, currency: 'USD', statementDate: dateColumn(day) } })).toBe(1);
  });
});
