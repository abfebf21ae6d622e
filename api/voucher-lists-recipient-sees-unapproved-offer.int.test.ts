import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { decideVoucherTransfer, proposeVoucherTransfer } from '../prisma/stores/voucher-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// A holder's transfer is first its own business: a maker proposes it (PENDING_APPROVAL), and only
// a checker of the holder's approval offers it to the recipient (PENDING_ACCEPTANCE), which is when
// the recipient is told (VOUCHER_TRANSFER_OFFERED, docs/workflows/voucher-acceptance.md). A
// proposal the holder's maker withdraws before any approval (CANCELLED) was never offered: the
// recipient's inbox and outbox (`voucherTransfers`, "transfers your party made or was offered")
// and its holdings (`vouchersHeld`) list nothing of it and count nothing.

const BY_ID = `query ($transfer: ID!, $part: ID!, $voucher: ID!) {
  transfer: node(id: $transfer) { ... on VoucherTransfer { status } }
  part: node(id: $part) { ... on VoucherPart { status } }
  voucherNode: node(id: $voucher) { ... on Voucher { status } }
  voucher(id: $voucher) { status parts { partNumber } }
}`;

const ACCEPT = `mutation ($id: ID!) { acceptVoucherTransfer(id: $id) { __typename ... on VoucherTransfer { status } ... on Error { code } } }`;

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

  it('finds the recipient nothing of a transfer waiting for approval, by id or in its lists, and all of it once offered', async () => {
    const holder = await createVoucherHolder(db.prisma, '佛山一级丙有限公司');
    const holderChecker = await createActor(db.prisma, { partyId: holder.partyId, userRoles: ['CHECKER'] });
    const recipient = await createVoucherHolder(db.prisma, '佛山二级丁有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 30),
      root: { key: 'A', holderPartyId: holder.partyId, received: '1000000.00' },
    });
    const offer = { recipientCreditCode: recipient.creditCode, recipientName: null, amount: new Decimal('250000.00'), currency: 'CNY' as const, contractNumber: 'CG-2026-0102', invoices: [], documentHashes: [], idempotencyKey: randomUUID() };
    const { transfer } = await proposeVoucherTransfer(db.prisma, await actorOf(db.prisma, holder), fixture.parts.A!.id, offer, randomUUID(), randomUUID(), { acceptanceWindowMs: 7 * 86_400_000 });
    const ids = { transfer: globalId('VoucherTransfer', transfer.id), part: globalId('VoucherPart', transfer.toPartId!), voucher: globalId('Voucher', fixture.voucherId) };

    // Waiting for the holder's checker: not found, as if it did not exist, and not decidable either.
    const before = await api.request<any>(recipient.token, BY_ID, ids);
    expect(before.errors).toBeUndefined();
    expect(before.data).toEqual({ transfer: null, part: null, voucherNode: null, voucher: null });
    const accepted = await api.request<any>(recipient.token, ACCEPT, { id: ids.transfer });
    expect(accepted.data.acceptVoucherTransfer).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await api.request<any>(recipient.token, LISTS)).data).toEqual({ voucherTransfers: { totalCount: 0, edges: [] }, vouchersHeld: { totalCount: 0, edges: [] } });
    // The holder itself sees its proposal and the part it would create.
    expect((await api.request<any>(holder.token, BY_ID, ids)).data).toMatchObject({ transfer: { status: 'PENDING_APPROVAL' }, part: { status: 'PENDING_ACCEPTANCE' }, voucher: { status: 'ACTIVE' } });

    // Offered at approval: the recipient sees the transfer, its part and the voucher with the chain above it.
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'APPROVE' }, await actorOf(db.prisma, holderChecker));
    const after = await api.request<any>(recipient.token, BY_ID, ids);
    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual({
      transfer: { status: 'PENDING_ACCEPTANCE' },
      part: { status: 'PENDING_ACCEPTANCE' },
      voucherNode: { status: 'ACTIVE' },
      voucher: { status: 'ACTIVE', parts: [{ partNumber: fixture.parts.A!.partNumber }, { partNumber: `${fixture.voucherNumber}-0002` }] },
    });
    const lists = await api.request<any>(recipient.token, LISTS);
    expect(lists.data.voucherTransfers).toEqual({ totalCount: 1, edges: [{ node: { transferNumber: transfer.transferNumber, status: 'PENDING_ACCEPTANCE' } }] });
    expect(lists.data.vouchersHeld).toEqual({ totalCount: 1, edges: [{ node: { partNumber: `${fixture.voucherNumber}-0002`, status: 'PENDING_ACCEPTANCE' } }] });
  });
});
