import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { validateVoucherTransferInput } from '../domain/voucher-rules';
import { getBalance } from '../prisma/stores/ledger/balances';
import { findHeldPart, proposeVoucherTransfer, voucherTerms } from '../prisma/stores/voucher-store';
import { startTestApi, TEST_RECEIVABLE_SETTINGS, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, uniqueInvoiceNumber } from '../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder } from '../test/support/voucher-parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { startVoucherAcceptance } from '../workflows/client/voucher-client';

// docs/workflows/voucher.md, "Issue and transfer rules": a part is never transferred to the
// voucher's own issuer (VOUCHER_TRANSFER_TO_ISSUER). An offer to the issuer proposed before the
// rule existed, still open, is refused when it is approved or accepted, with the same typed
// error as at creation: the issuer never holds a claim on itself. The offer can no longer
// complete, so it ends CANCELLED with the reason, its hold released: the transferor's part has
// its amount back and sees why.

const ERRORS = `... on Error { __typename code message } ... on ValidationError { issues { path } }`;
const TRANSFER = `__typename ... on VoucherTransfer { id status closedReason } ${ERRORS}`;
const NODE = `query ($id: ID!) { node(id: $id) { ... on VoucherTransfer { id status closedReason } } }`;
const decisionMutation = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${TRANSFER} } }`;

describe('an open voucher transfer offered to the voucher’s issuer before the rule', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let t1: TestActor;
  let t1Checker: TestActor;
  let other: TestActor;
  let fixture: VoucherFixture;
  const today = businessDateOf(new Date());

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma);
    t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    t1Checker = await createActor(db.prisma, { partyId: t1.partyId, userRoles: ['CHECKER'] });
    other = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(today, 60),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00' },
    });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const decide = (name: string, by: TestActor, id: string) => api.call(by.token, decisionMutation(name), { id });

  /**
   * An offer of 100,000.00 from T1 to the issuer as an older version of the service left it
   * (approved, when asked): its input checked without the rule, written by the store, its
   * acceptance workflow started, as the proposal did then.
   */
  async function offerToIssuerFromBefore({ approved = false } = {}): Promise<string> {
    const actor = await actorOf(db.prisma, t1);
    const from = await findHeldPart(db.prisma, actor, fixture.parts.T1!.id);
    const input = {
      recipientCreditCode: parties.core.creditCode,
      contractNumber: 'CG-2026-0101',
      currency: 'CNY',
      amount: '100000.00',
      invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '100000.00', issueDate: addDays(today, -10) }],
      idempotencyKey: `before-rule-${uniqueInvoiceNumber()}`,
    };
    const beforeTheRule = { ...voucherTerms(from.voucher), issuerCreditCode: other.creditCode };
    const valid = validateVoucherTransferInput(input, { voucher: beforeTheRule, holderCreditCode: from.holder.creditCode }, new Date());
    const { transfer } = await proposeVoucherTransfer(db.prisma, actor, from.id, valid, randomUUID(), randomUUID(), { acceptanceWindowMs: TEST_RECEIVABLE_SETTINGS.confirmationWindowMs });
    await startVoucherAcceptance(api.temporal, api.taskQueue, { transferId: transfer.id, proposedAt: transfer.proposedAt, acceptanceDeadline: transfer.acceptanceDeadline, reminderOffsetsMs: [] });
    expect(transfer).toMatchObject({ status: 'PENDING_APPROVAL', toPartyId: parties.core.partyId });
    const id = globalId('VoucherTransfer', transfer.id);
    if (approved) {
      // Approved by the older version: its row as that approval left it, and its workflow told
      // by the same checker's approval, which now finds it applied (a repeat).
      await db.prisma.voucherTransfer.update({ where: { id: transfer.id }, data: { status: 'PENDING_ACCEPTANCE', approvedByUserId: t1Checker.userId, approvedAt: new Date() } });
      expect(await decide('approveVoucherTransfer', t1Checker, id)).toMatchObject({ status: 'PENDING_ACCEPTANCE' });
    }
    return id;
  }

  /** Where the offer ended, what T1 may transfer again, and what the issuer holds of its own voucher. */
  async function outcome(id: string) {
    const transfer = await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(id) }, include: { registryEntries: true } });
    const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: transfer.toPartId! } });
    const t1Claim = await getBalance(db.prisma, fixture.parts.T1!.claimAccountId);
    const issuerClaim = await getBalance(db.prisma, part.claimAccountId);
    return {
      status: transfer.status,
      reasoned: (transfer.closedReason ?? '').includes('issuer'),
      invoicesReleased: transfer.registryEntries.every((entry) => entry.releasedAt !== null),
      issuerPart: part.status,
      issuerHolds: issuerClaim.posted.toFixed(2),
      t1Available: t1Claim.available.toFixed(2),
      t1Posted: t1Claim.posted.toFixed(2),
    };
  }

  const ENDED = { status: 'CANCELLED', reasoned: true, invoicesReleased: true, issuerPart: 'EXPIRED', issuerHolds: '0.00', t1Available: '1000000.00', t1Posted: '1000000.00' };
  const REFUSED = { __typename: 'ValidationError', code: 'VOUCHER_TRANSFER_TO_ISSUER', issues: [{ path: ['input', 'recipientCreditCode'] }] };

  it('is refused at approval with VOUCHER_TRANSFER_TO_ISSUER, never offered, and ends CANCELLED with its hold released', async () => {
    const id = await offerToIssuerFromBefore();
    expect(await api.call(t1.token, NODE, { id })).toMatchObject({ status: 'PENDING_APPROVAL' });
    expect(await getBalance(db.prisma, fixture.parts.T1!.claimAccountId).then((claim) => claim.available.toFixed(2))).toBe('900000.00');

    expect(await decide('approveVoucherTransfer', t1Checker, id)).toMatchObject(REFUSED);
    expect(await outcome(id)).toEqual(ENDED);
    expect((await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(id) } })).approvedAt).toBeNull();
    // The transferor sees the offer ended and why.
    expect(await api.call(t1.token, NODE, { id })).toMatchObject({ status: 'CANCELLED', closedReason: expect.stringContaining('issuer') });
  });

  it('is refused at acceptance with VOUCHER_TRANSFER_TO_ISSUER, the claim not moved, and ends CANCELLED with its hold released', async () => {
    // Approved before the rule: the issuer finds it offered, and accepting it is refused.
    const id = await offerToIssuerFromBefore({ approved: true });
    expect(await api.call(parties.core.token, NODE, { id })).toMatchObject({ status: 'PENDING_ACCEPTANCE' });
    expect(await decide('acceptVoucherTransfer', parties.core, id)).toMatchObject(REFUSED);
    expect(await outcome(id)).toEqual(ENDED);
    expect(await api.call(t1.token, NODE, { id })).toMatchObject({ status: 'CANCELLED', closedReason: expect.stringContaining('issuer') });
  });
});
