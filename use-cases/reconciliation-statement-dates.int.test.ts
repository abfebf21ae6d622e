import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../domain/actor';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { creditsStatement } from '../test/support/statement-files';
import { importBankStatement } from './import-bank-statement';
import { escrowAccountIs } from '../test/support/escrow-account';

// A statement is one day the bank has booked and ended (docs/reconciliation.md, "Importing"):
// a file dated in a day that has not come is no bank's statement. Stored, it would stay for
// ever (statements are never deleted) and every real day after it would have to continue its
// balances.

const HOUR_MS = 60 * 60 * 1000;

describe('the day a statement is of', () => {
  let db: TestDatabase;
  let operator: Actor;
  beforeAll(async () => {
    db = await createTestDatabase();
    operator = await actorOf(db.prisma, await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER'] }));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses a statement of a day that has not come, which would otherwise keep every real day after it out', async () => {
    const account = '310066661018800000703';
    const day: IsoDate = addDays(businessDateOf(new Date()), -10);
    const ctx = { prisma: db.prisma, logger: testLogger };
    const now = (date: IsoDate) => new Date(startOfBusinessDate(addDays(date, 1)).getTime() + HOUR_MS);
    await escrowAccountIs(db.prisma, account);
    const first = creditsStatement(account, day, 'CNY', '0.00', ['100.00']);
    await importBankStatement(ctx, operator, { format: 'CSV', content: first.csv }, now(day));

    // A file dated 2099 (a typing slip in the year, or a test file) uploaded by an operator today.
    // Refused with a code of its own: the file reads well, its day has not ended.
    const future = creditsStatement(account, '2099-12-31', 'CNY', first.closing, []);
    const refused = await importBankStatement(ctx, operator, { format: 'CSV', content: future.csv }, now(day)).then(() => undefined, (error: { code?: string; message?: string }) => error);
    expect.soft(refused?.code).toBe('STATEMENT_DAY_NOT_ENDED');
    expect.soft(refused?.message).toContain('2099-12-31');
    expect.soft(await db.prisma.bankStatement.count({ where: { accountNumber: account } })).toBe(1);

    // Nor is the next day's statement an end-of-day statement before that day's midnight.
    const early = creditsStatement(account, addDays(day, 1), 'CNY', first.closing, ['50.00']);
    const beforeMidnight = new Date(startOfBusinessDate(addDays(day, 2)).getTime() - 1);
    await expect(importBankStatement(ctx, operator, { format: 'CSV', content: early.csv }, beforeMidnight)).rejects.toMatchObject({ code: 'STATEMENT_DAY_NOT_ENDED' });

    // The next real day, with a movement, comes from the bank.
    const next = creditsStatement(account, addDays(day, 1), 'CNY', first.closing, ['50.00']);
    await expect(importBankStatement(ctx, operator, { format: 'CSV', content: next.csv }, now(addDays(day, 1)))).resolves.toMatchObject({ created: true });
  });
});
