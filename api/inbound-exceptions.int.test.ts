import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// The operators' queue of bank credits parked in suspense, over real HTTP: a connection, oldest
// first, for platform operators only.

const EXCEPTIONS = `query ($first: Int, $after: String, $status: InboundExceptionStatus) {
  inboundExceptions(first: $first, after: $after, status: $status) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id bankReference reason detail status virtualAccountNumber amount { amount currency } payerName payerAccount receivedAt credit { outcome } financing { id } } }
  } }`;

describe('inboundExceptions', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  let supplier: TestActor;
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['VIEWER'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    await ensurePlatformAccounts(db.prisma);
    const line = { virtualAccountNumber: '1234567890123456789', payerName: '广州云海', payerAccountNumber: '6222020200990011223', remittanceInformation: 'invoice 42', receivedAt: new Date('2026-12-01T02:00:00Z') };
    ids.push((await receiveInboundCredit(db.prisma, { ...line, bankReference: 'EXC-1', amount: '88.80', currency: 'CNY' })).exception!.id);
    ids.push((await receiveInboundCredit(db.prisma, { ...line, bankReference: 'EXC-2', amount: '5.00', currency: 'GBP' })).exception!.id);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('lists the parked credits for an operator, oldest first, with their bank lines', async () => {
    const first = await api.call(operator.token, EXCEPTIONS, { first: 1 });
    expect(first).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    expect(first.edges.map((edge: any) => edge.node)).toEqual([
      {
        id: globalId('InboundException', ids[0]!),
        bankReference: 'EXC-1',
        reason: 'UNKNOWN_ACCOUNT',
        detail: 'no virtual account has the number 1234567890123456789',
        status: 'OPEN',
        virtualAccountNumber: '1234567890123456789',
        amount: { amount: '88.80', currency: 'CNY' },
        payerName: '广州云海',
        payerAccount: '**** 1223',
        receivedAt: '2026-12-01T02:00:00.000Z',
        credit: { outcome: 'SUSPENSE' },
        financing: null,
      },
    ]);
    const rest = await api.call(operator.token, EXCEPTIONS, { first: 1, after: first.pageInfo.endCursor, status: 'OPEN' });
    expect(rest.edges.map((edge: any) => [edge.node.bankReference, edge.node.reason, edge.node.amount, edge.node.credit])).toEqual([['EXC-2', 'NOT_BOOKABLE', { amount: '5', currency: 'GBP' }, null]]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(await api.call(operator.token, EXCEPTIONS, { status: 'RESOLVED' })).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('is refused to every other party, and their node(id) answers null', async () => {
    const refused = await api.request(supplier.token, EXCEPTIONS, {});
    expect(refused.data).toEqual({ inboundExceptions: null });
    expect(refused.errors).toEqual([expect.objectContaining({ path: ['inboundExceptions'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    const node = await api.request(supplier.token, `query ($id: ID!) { node(id: $id) { id } }`, { id: globalId('InboundException', ids[0]!) });
    expect(node.data).toEqual({ node: null });
  });
});
