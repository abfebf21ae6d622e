import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankAdapter } from '../bank/bank-adapter';
import type { StatementFile } from '../bank/statement/statement-document';
import { addDays, dateColumn, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { testLogger } from '../test/support/logger';
import { creditsStatement } from '../test/support/statement-files';
import { BankStatementFetchError, fetchBankStatements, STATEMENT_FETCH_DAYS_PER_TURN_MAX } from './fetch-bank-statements';
import { escrowAccountIs } from '../test/support/escrow-account';
import { ensurePlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';

// The worker's daily fetch (docs/reconciliation.md, "The daily fetch"; workflows/worker/main.ts:
// "a worker that was down fetches the days it missed over its next turns"), against a bank whose
// files are written here: the escrow account it names, and the statements of the days it holds,
// in the order of the chain of balances.

const HOUR_MS = 60 * 60 * 1000;
const at = (date: IsoDate, hours: number) => new Date(startOfBusinessDate(date).getTime() + hours * HOUR_MS);

/** A bank adapter of escrow account `account` that answers statement files from `files` (date and currency), or throws for a currency it cannot reach. */
function bankOf(account: string, files: Map<string, StatementFile>, unreachable: readonly string[] = []): BankAdapter {
  return {
    escrowAccountNumberOf: () => account,
    fetchStatementFile(date: string, currency: string): Promise<StatementFile> {
      if (unreachable.includes(currency)) return Promise.reject(new Error(`the bank's ${currency} statement service is unreachable`));
      const file = files.get(`${date} ${currency}`);
      return file ? Promise.resolve(file) : Promise.reject(new Error(`no statement of ${date} in ${currency}`));
    },
  } as unknown as BankAdapter;
}

/** The chain of `days` CSV statements of `account` in `currency` from `first`, each crediting 1.00 more than it opened with. */
function chainOf(account: string, currency: string, first: IsoDate, days: number, files = new Map<string, StatementFile>()): Map<string, StatementFile> {
  let opening = '0.00';
  for (let i = 0; i < days; i += 1) {
    const date = addDays(first, i);
    const statement = creditsStatement(account, date, currency, opening, ['1.00']);
    files.set(`${date} ${currency}`, { format: 'CSV', content: statement.csv });
    opening = statement.closing;
  }
  return files;
}

/** A logger whose lines are kept, read back as objects. */
function keptLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
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
    const ctx = { prisma: db.prisma, logger: testLogger, bank: bankOf(account, files), currencies: ['CNY'] };
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
    const ctx = { prisma: db.prisma, logger: testLogger, bank: bankOf(account, files, ['CNY']), currencies: ['CNY', 'USD'] };
    await escrowAccountIs(db.prisma, account, ['CNY', 'USD']);

    // The CNY statement fails this turn (to be tried at the next); USD is there to import.
    await fetchBankStatements(ctx, at(addDays(day, 1), 10)).catch(() => undefined);
    expect(await db.prisma.bankStatement.count({ where: { accountNumber: account, currency: 'USD', statementDate: dateColumn(day) } })).toBe(1);
  });

  it('fetches at most a week of missed days a turn, and the rest at the next turns', async () => {
    const account = '310066661018800000703';
    const d0: IsoDate = '2026-05-04';
    const files = chainOf(account, 'CNY', d0, 10);
    const ctx = { prisma: db.prisma, logger: testLogger, bank: bankOf(account, files), currencies: ['CNY'] };
    await escrowAccountIs(db.prisma, account);
    const days = (from: number, count: number) => Array.from({ length: count }, (_, i) => `${addDays(d0, from + i)} CNY`);

    expect(await fetchBankStatements(ctx, at(addDays(d0, 1), 10))).toEqual(days(0, 1));
    // Nine days missed: a week at this turn, the two others at the next, then nothing.
    const back = at(addDays(d0, 10), 10);
    expect(await fetchBankStatements(ctx, back)).toEqual(days(1, STATEMENT_FETCH_DAYS_PER_TURN_MAX));
    expect(await fetchBankStatements(ctx, new Date(back.getTime() + HOUR_MS))).toEqual(days(8, 2));
    expect(await fetchBankStatements(ctx, new Date(back.getTime() + 2 * HOUR_MS))).toEqual([]);
    expect(await db.prisma.bankStatement.count({ where: { accountNumber: account } })).toBe(10);
  });

  it('stops a currency at its first day that fails, goes on with the others, and fails the turn', async () => {
    const account = '310066661018800000704';
    const d0: IsoDate = '2026-06-01';
    const files = chainOf(account, 'CNY', d0, 4);
    const missing = addDays(d0, 2);
    const late = files.get(`${missing} CNY`)!;
    files.delete(`${missing} CNY`);
    chainOf(account, 'USD', addDays(d0, 3), 1, files);
    const { logger, lines } = keptLogger();
    const ctx = { prisma: db.prisma, logger, bank: bankOf(account, files), currencies: ['CNY', 'USD'] };
    await escrowAccountIs(db.prisma, account, ['CNY', 'USD']);
    await fetchBankStatements({ ...ctx, currencies: ['CNY'] }, at(addDays(d0, 1), 10));

    // The bank has no file of the day after next yet: the CNY day after it waits, USD goes in, the turn fails.
    const turn = fetchBankStatements(ctx, at(addDays(d0, 4), 10));
    await expect(turn).rejects.toBeInstanceOf(BankStatementFetchError);
    await expect(turn).rejects.toMatchObject({ currencies: ['CNY'], imported: [`${addDays(d0, 1)} CNY`, `${addDays(d0, 3)} USD`] });
    const cny = await db.prisma.bankStatement.findMany({ where: { accountNumber: account, currency: 'CNY' }, orderBy: { statementDate: 'asc' } });
    expect(cny.map((statement) => statement.closingBalance.toFixed(2))).toEqual(['1.00', '2.00']);
    const failure = lines.find((line) => line.level === 50);
    expect(failure).toMatchObject({ currency: 'CNY', date: missing, account: '**** 0704' });
    expect(JSON.stringify(lines)).not.toContain(account);

    // Once the bank has it, the next turn imports that day and the one after.
    files.set(`${missing} CNY`, late);
    expect(await fetchBankStatements(ctx, at(addDays(d0, 4), 11))).toEqual([`${missing} CNY`, `${addDays(d0, 3)} CNY`]);
  });

  it('asks whether the escrow account’s days are in, not whether another account’s are', async () => {
    const escrow = '310066661018800000705';
    const other = '310066661018800000706';
    const d0: IsoDate = '2026-07-06';
    const at1 = at(addDays(d0, 1), 10);
    // Another account's statement of the same day and currency is in: the escrow account was that
    // one when it was fetched, and has moved since.
    await escrowAccountIs(db.prisma, other);
    await fetchBankStatements({ prisma: db.prisma, logger: testLogger, bank: bankOf(other, chainOf(other, 'CNY', d0, 1)), currencies: ['CNY'] }, at1);
    const ctx = { prisma: db.prisma, logger: testLogger, bank: bankOf(escrow, chainOf(escrow, 'CNY', d0, 3)), currencies: ['CNY'] };
    await escrowAccountIs(db.prisma, escrow);
    expect(await fetchBankStatements(ctx, at1)).toEqual([`${d0} CNY`]);
    expect(await fetchBankStatements(ctx, at(addDays(d0, 3), 10))).toEqual([`${addDays(d0, 1)} CNY`, `${addDays(d0, 2)} CNY`]);
  });

  it('says loudly, at every turn, that a currency the escrow account holds money in is not fetched', async () => {
    await ensurePlatformAccounts(db.prisma, 'USD');
    const credit = { virtualAccountNumber: '9558800000000007777', amount: '10.00', currency: 'USD', payerName: 'Pacific Trading Ltd', payerAccountNumber: '6222000000007777', remittanceInformation: 'x', receivedAt: new Date() };
    await receiveInboundCredit(db.prisma, { ...credit, bankReference: 'USD-UNFETCHED-1' });
    const { logger, lines } = keptLogger();
    await fetchBankStatements({ prisma: db.prisma, logger, bank: bankOf('310066661018800000799', new Map()), currencies: [] }, new Date());
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, currencies: ['USD'], msg: expect.stringContaining('add USD to BANK_STATEMENT_CURRENCIES') }));
    lines.length = 0;
    await fetchBankStatements({ prisma: db.prisma, logger, bank: bankOf('310066661018800000799', new Map()), currencies: ['USD'] }, new Date()).catch(() => undefined);
    expect(lines.filter((line) => line.currencies !== undefined && String(line.msg).includes('not fetched'))).toEqual([]);
  });
});
