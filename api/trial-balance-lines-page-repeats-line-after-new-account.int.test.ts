import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, disburseDirectly, type FinancingParties } from '../test/support/financings';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';

// An operator reads the trial balance a page at a time (one line per account: a collection
// account per financing and a few per party, far more than a page of 100 in production), passing
// each page's endCursor back as `after`. Parties register and financings open accounts all day:
// a walk through the lines must never show an account twice nor skip one that was there when
// it started, or the columns the operator adds up do not match totalDebit and totalCredit.

type Line = { account: { code: string; type: string } };
const LINES = `query ($first: Int, $after: String) { trialBalance { lines(first: $first, after: $after) {
  totalCount edges { node { account { code type } } } pageInfo { hasNextPage endCursor } } } }`;

describe('the trial balance walked a page at a time while a party registers', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    await disburseDirectly(db.prisma, parties, '800000.00');
    operator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function page(first: number, after: string | null) {
    const response = await api.request<any>(operator.token, LINES, { first, after });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data.trialBalance.lines as { totalCount: number; edges: Array<{ node: Line }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
  }

  it('goes on after the last line of the first page, whatever accounts were opened meanwhile', async () => {
    const before = (await page(100, null)).edges.map((edge) => edge.node.account);
    expect(before.length).toBeLessThan(100);
    // The first page ends with the last LIABILITY line (customer money: the parties' accounts).
    const liabilities = before.filter((account) => account.type === 'LIABILITY').length;
    const lastLiability = before.findIndex((account) => account.type === 'LIABILITY') + liabilities;
    const first = await page(lastLiability, null);
    expect(first.edges.map((edge) => edge.node.account.code)).toEqual(before.slice(0, lastLiability).map((account) => account.code));

    // A supplier registers: its settlement account (a LIABILITY) sorts among the lines already read.
    const party = await db.prisma.party.create({ data: { id: '00000000-0000-4000-8000-000000000001', legalName: '东莞市新登记电子有限公司', creditCode: uniqueCreditCode(), roles: ['SUPPLIER'] } });
    await openPartyAccounts(db.prisma, { id: party.id, roles: ['SUPPLIER'] });

    const second = await page(100, first.pageInfo.endCursor);
    expect(second.edges.map((edge) => edge.node.account.code)).toEqual(before.slice(lastLiability).map((account) => account.code));
  });
});
