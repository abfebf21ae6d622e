import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { enrollSupplier } from '../prisma/stores/program-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// The funder reads a program's limits a page at a time (its total, one per supplier, its limit
// on the core enterprise), passing each page's endCursor back as `after`. Suppliers are enrolled
// all day, each with a limit that sorts among those already read: the next page must go on
// after the last limit shown, neither showing one again nor skipping one that was there.

type Limit = { kind: string; supplierName: string | null };
const LIMITS = `query ($id: ID!, $first: Int, $after: String) { program(id: $id) { limits(first: $first, after: $after) {
  totalCount edges { node { kind supplierName } } pageInfo { hasNextPage endCursor } } } }`;

describe("a program's limits walked a page at a time while a supplier is enrolled", () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;

  async function enroll(legalName: string): Promise<TestActor> {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    return supplier;
  }

  async function page(first: number, after: string | null) {
    const response = await api.request<any>(parties.funder.token, LIMITS, { id: globalId('Program', parties.programId), first, after });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data.program.limits as { totalCount: number; edges: Array<{ node: Limit }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    await enroll('深圳市华强精密电子有限公司');
    await enroll('佛山市顺德区美达五金制品有限公司');
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('goes on after the last limit of the first page, whatever limits were opened meanwhile', async () => {
    const before = (await page(100, null)).edges.map((edge) => edge.node);
    expect(before.map((limit) => limit.kind)).toEqual(['PROGRAM', 'SUPPLIER', 'SUPPLIER', 'OBLIGOR']);
    const first = await page(2, null);
    expect(first.edges.map((edge) => edge.node)).toEqual(before.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);

    // A supplier is enrolled whose limit sorts before every supplier limit already read (limits
    // of a kind are in the order of their ledger accounts, here one opened ahead of enrolment).
    const late = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '东莞市新登记电子有限公司' });
    await db.prisma.ledgerAccount.create({
      data: {
        id: '00000000-0000-4000-8000-000000000001',
        code: creditLimitCode({ kind: 'SUPPLIER', funderPartyId: parties.funder.partyId, programId: parties.programId, supplierPartyId: late.partyId, currency: 'CNY' }),
        name: 'Supplier limit CNY',
        type: 'LIABILITY',
        normalBalance: 'CREDIT',
        book: 'MEMO',
        currency: 'CNY',
        ownerPartyId: parties.funder.partyId,
        purpose: 'CREDIT_LIMIT',
        debitsMustNotExceedCredits: true,
      },
    });
    await openPartyAccounts(db.prisma, { id: late.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, late.creditCode);
    const now = (await page(100, null)).edges.map((edge) => edge.node);
    expect(now.slice(0, 2)).toEqual([before[0], { kind: 'SUPPLIER', supplierName: '东莞市新登记电子有限公司' }]);

    const second = await page(100, first.pageInfo.endCursor);
    expect(second.edges.map((edge) => edge.node)).toEqual(before.slice(2));
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(second.totalCount).toBe(5);
  });

  it("refuses a cursor of the trial balance's lines, or one it never gave out, as BAD_USER_INPUT", async () => {
    const operator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
    const lines = await api.request<any>(operator.token, `{ trialBalance { lines(first: 1) { pageInfo { endCursor } } } }`);
    const lineCursor = lines.data.trialBalance.lines.pageInfo.endCursor as string;
    const forged = Buffer.from('CreditLimit:["ANY","00000000-0000-4000-8000-000000000001"]').toString('base64');
    for (const after of [lineCursor, forged, Buffer.from('CreditLimit:not a key').toString('base64')]) {
      const response = await api.request<any>(parties.funder.token, LIMITS, { id: globalId('Program', parties.programId), first: 2, after });
      expect(response.errors?.map((error: any) => error.extensions?.code), after).toEqual(['BAD_USER_INPUT']);
    }
  });
});
