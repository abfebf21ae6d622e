import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { partyAccountCode } from './chart-of-accounts';
import { disburseAtValueDate, reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';

// The funder has FINANCING_FUNDING_DAYS (5) from its first funding attempt to fund. One that
// funds on day 4 has funded in time; if the disbursement then runs on another business day than
// the reservation (the worker was late), the advance is priced again, the hold voided and the
// funding reserved anew (docs/workflows/financing.md, "REPRICED"). Should the account be short
// of the new, larger advance, the funder is asked again: it gets a window of its own from the
// reprice, not the first one, already past, which would expire the financing at once.

const DAY_MS = 86_400_000;

describe('funding asked again after a reprice', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('waits a funding window from the reprice, not from the first attempt', async () => {
    const t0 = businessTimeAfter(new Date(), -20, 10);
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties, t0);
    const { financing } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `reprice-${receivable.id}` }, TEST_FINANCING_WINDOWS, t0);
    const as = (who: { userId: string; partyId: string }) => ({ userId: who.userId, partyId: who.partyId });
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `ack-${financing.id}`, t0);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `approve-${financing.id}`, t0);
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `confirm-${financing.id}`, t0);

    // Day 0: the funder's account is empty, the financing waits for funding until day 5.
    const first = await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, t0);
    expect(first).toMatchObject({ reserved: false, fundingDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.fundingWindowMs) });
    // Day 4: it tops up exactly the day's advance, and the funding is reserved.
    const day4 = businessTimeAfter(t0, 4, 10);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
    const needed = await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day4);
    expect(needed.reserved).toBe(false);
    await receiveInboundCredit(db.prisma, {
      bankReference: `REPRICE-TOPUP-${financing.id}`,
      virtualAccountNumber: funding,
      amount: (needed as { needed: string }).needed,
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'top-up',
      receivedAt: day4,
    });
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day4)).toEqual({ reserved: true });

    // Day 5, after the first window closed: the disbursement reprices (one day less of interest
    // up front: a larger advance), and the account is short of the difference.
    const day5 = businessTimeAfter(t0, 5, 12);
    expect(await disburseAtValueDate(db.prisma, financing.id, day5)).toMatchObject({ outcome: 'REPRICED' });
    const again = await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day5);
    expect(again).toMatchObject({ reserved: false, fundingDeadline: new Date(day5.getTime() + 5 * DAY_MS) });
  });
});
