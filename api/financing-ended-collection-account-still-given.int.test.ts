import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../prisma/stores/chart-of-accounts';
import { decideFinancing } from '../prisma/stores/financing-store';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { applyDirectly, createFinancingParties, TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';

// A financing that ends before approval closes its collection account (回款专户): money paid
// to it afterwards is the payer's, parked in suspense for a refund, never matched to the
// financing. The financing must then stop telling the core enterprise to pay there.

const SEEN = `query ($id: ID!) { financing(id: $id) { status collectionAccount { virtualAccountNumber } } }`;

describe('the collection account of a financing that ended before approval', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is no longer given to the core enterprise as where to pay once the supplier withdrew the financing', async () => {
    const parties = await createFinancingParties(db.prisma, { assignmentMode: 'OPEN' });
    const { id, supplier } = await applyDirectly(db.prisma, parties, '800000.00');
    const as = (actor: { userId: string; partyId: string }) => ({ userId: actor.userId, partyId: actor.partyId });
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${id}:acknowledge`);
    const van = (await findAccountByCode(db.prisma, collectionAccountCode(id, 'CNY')))!.virtualAccountNumber!;
    const gid = globalId('Financing', id);
    expect(await api.call(parties.core.token, SEEN, { id: gid })).toEqual({ status: 'PENDING_APPROVAL', collectionAccount: { virtualAccountNumber: van } });

    await decideFinancing(db.prisma, id, { kind: 'WITHDRAW', reason: '客户另行安排融资 financed elsewhere' }, as(supplier), `test:${id}:withdraw`);
    // Money paid to that number now is not the financing's: it is parked for a refund.
    const paid = await receiveInboundCredit(db.prisma, {
      bankReference: `AFTER-END-${id}`,
      virtualAccountNumber: van,
      amount: '800000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'repayment',
      receivedAt: new Date(),
    });
    expect(paid.exception?.reason).toBe('FINANCING_ENDED');

    expect(await api.call(parties.core.token, SEEN, { id: gid })).toEqual({ status: 'WITHDRAWN', collectionAccount: null });
  });
});
