import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// An operator reads the accounting days (and an account's day-end balances) a page at a time:
// the `endCursor` of one page, passed back as `after`, is the next page, as for every connection
// of the API (docs/api.md, "A list is a connection"). These two connections are keyed by a date
// (and a date with an account), so their cursors are not a row id: they must still be taken back.

const DAYS = `query ($after: String) { accountingDays(first: 1, after: $after) { edges { node { date } } pageInfo { hasNextPage endCursor } } }`;
const BALANCES = `query ($id: ID!, $after: String) { account(id: $id) { dayEndBalances(first: 1, after: $after) { edges { node { date } } pageInfo { hasNextPage endCursor } } } }`;

describe('paging the date-keyed connections with the cursors they give out', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  let accountId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
    await ensurePlatformAccounts(db.prisma);
    const account = (await db.prisma.ledgerAccount.findFirst({ where: { purpose: 'SUSPENSE', currency: 'CNY' } }))!;
    accountId = account.id;
    // Three closed days, as the cut-off records them, each with the account's balance.
    for (const [index, date] of ['2026-01-05', '2026-01-06', '2026-01-07'].entries()) {
      const businessDate = new Date(`${date}T00:00:00Z`);
      const cutOffAt = new Date(`${date}T15:00:00Z`);
      await db.prisma.accountingDay.create({
        data: { businessDate, status: 'CLOSED', opensAt: index === 0 ? null : new Date(cutOffAt.getTime() - 86_400_000), cutOffAt, cutOffZone: 'Asia/Shanghai', cutOffTime: '23:00', closedAt: cutOffAt, closedBy: 'test' },
      });
      await db.prisma.accountingDayBalance.create({
        data: { businessDate, accountId, currency: 'CNY', debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0, posted: 0, available: 0 },
      });
    }
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('accountingDays: the endCursor of the first page gives the second page', async () => {
    const first = await api.request<any>(operator.token, DAYS, {});
    expect(first.errors).toBeUndefined();
    expect(first.data.accountingDays.edges.map((edge: any) => edge.node.date)).toEqual(['2026-01-07']);
    const after = first.data.accountingDays.pageInfo.endCursor as string;

    const second = await api.request<any>(operator.token, DAYS, { after });
    expect(second.errors, JSON.stringify(second.errors)).toBeUndefined();
    expect(second.data.accountingDays.edges.map((edge: any) => edge.node.date)).toEqual(['2026-01-06']);
  });

  it('LedgerAccount.dayEndBalances: the endCursor of the first page gives the second page', async () => {
    const id = globalId('LedgerAccount', accountId);
    const first = await api.request<any>(operator.token, BALANCES, { id });
    expect(first.errors).toBeUndefined();
    expect(first.data.account.dayEndBalances.edges.map((edge: any) => edge.node.date)).toEqual(['2026-01-07']);
    const after = first.data.account.dayEndBalances.pageInfo.endCursor as string;

    const second = await api.request<any>(operator.token, BALANCES, { id, after });
    expect(second.errors, JSON.stringify(second.errors)).toBeUndefined();
    expect(second.data.account.dayEndBalances.edges.map((edge: any) => edge.node.date)).toEqual(['2026-01-06']);
  });
});
