import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { decideVoucherTransfer, proposeVoucherTransfer } from '../prisma/stores/voucher-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// A holder's transfer is first its own business: a maker proposes it (PENDING_APPROVAL), and only
// a checker of the holder's approval offers it to the recipient (PENDING_ACCEPTANCE), which is when
// the recipient is told (VOUCHER_TRANSFER_OFFERED, docs/workflows/voucher-acceptance.md). A
// proposal the holder's maker withdraws before any approval (CANCELLED) was never offered: the
// recipient's inbox and outbox (`voucherTransfers`, "transfers your party made or was offered")
// and its holdings (`vouchersHeld`) list nothing of it and count nothing.

const LISTS = `{
  voucherTransfers(first: 20) { totalCount edges { node { transferNumber status } } }
  vouchersHeld(first: 20) { totalCount edges { node { partNumber status } } }
}`;

describe('a transfer its holder withdrew before approving it, in the would-be recipient’s lists', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('shows the recipient no transfer and no part', async () => {
    const holder = await createVoucherHolder(db.prisma, '佛山一级甲有限公司');
    const recipient = await createVoucherHolder(db.prisma, '佛山二级乙有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 30),
      root: { key: 'A', holderPartyId: holder.partyId, received: '1000000.00' },
    });
    const holderMaker = await actorOf(db.prisma, holder);

    // The holder's maker drafts 400,000.00 to the recipient, then withdraws it before its checker decides.
    const offer = { recipientCreditCode: recipient.creditCode, recipientName: null, amount: new Decimal('400000.00'), currency: 'CNY' as const, contractNumber: 'CG-2026-0101', invoices: [], documentHashes: [], idempotencyKey: randomUUID() };
    const { transfer } = await proposeVoucherTransfer(db.prisma, holderMaker, fixture.parts.A!.id, offer, randomUUID(), randomUUID(), { acceptanceWindowMs: 7 * 86_400_000 });
    expect(transfer.status).toBe('PENDING_APPROVAL');
    const cancelled = await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'CANCEL', reason: '录入错误 entered by mistake' }, holderMaker);
    expect(cancelled.status).toBe('CANCELLED');

    const response = await api.request<any>(recipient.token, LISTS);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      voucherTransfers: { totalCount: 0, edges: [] },
      vouchersHeld: { totalCount: 0, edges: [] },
    });
  });
});
