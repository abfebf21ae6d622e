import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { partyAccountCode } from './chart-of-accounts';
import { reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { enrollSupplier } from './program-store';
import { decideReceivable, registerReceivable } from './receivable-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, TEST_FINANCING_WINDOWS } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { openPartyAccounts } from './chart-of-accounts';

// A fee-only program: no interest, a flat fee of 10,000.00 a financing. The supplier applies for
// 10,000.50 against a receivable due in 10 days: 0.50 is paid out, and the quote's effective
// annual cost is 10,000.00 / 0.50 × 365 / 10 = 730,000 (below the highest a financing can carry,
// 999,999.999999), so the application is accepted. The funder approves, and funds 5 days later:
// repriced to 5 days, the cost is 10,000.00 / 0.50 × 365 / 5 = 1,460,000, which no financing can
// carry. A financing whose money cannot move at the day's price is not disbursed: it expires and
// releases its limits and its receivable, as one that can no longer run its tenor does.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('funding a fee-only financing repriced to fewer days', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('expires the financing instead of refusing the funding step with a validation error', async () => {
    const parties = await createFinancingParties(db.prisma, { annualRate: '0', feeRate: '0', flatFee: '10000.00' });
    const t0 = businessTimeAfter(new Date(), -10, 10);
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
    const { receivable } = await registerReceivable(db.prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(t0), 10) }, t0), { now: t0, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, as(parties.core), `test:${receivable.id}:confirm`, t0);
    await receiveInboundCredit(db.prisma, {
      bankReference: `TOPUP-${receivable.id}`,
      virtualAccountNumber: (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!,
      amount: '1000000.00',
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'top-up',
      receivedAt: t0,
    });
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '10000.50', idempotencyKey: `apply-${receivable.id}` }, TEST_FINANCING_WINDOWS, t0);
    expect([financing.tenorDays, financing.fees.toFixed(2), financing.netDisbursement.toFixed(2), financing.effectiveAnnualRate.toFixed(6)]).toEqual([10, '10000.00', '0.50', '730000.000000']);
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `ack-${financing.id}`, t0);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `approve-${financing.id}`, businessTimeAfter(t0, 5, 9));
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `confirm-${financing.id}`, businessTimeAfter(t0, 5, 9, 30));

    // The funding step on day 5, at the price of 5 days.
    const funding = await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, businessTimeAfter(t0, 5, 10)).catch((error: Error & { code?: string }) => ({ refused: error.code ?? error.message }));
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    const receivableAfter = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } });
    const outcome = 'refused' in funding ? funding : { reserved: funding.reserved, expired: !funding.reserved && funding.expired === true };
    expect({ funding: outcome, status: after.status, fundingHoldId: after.fundingHoldId, receivable: receivableAfter.status }).toEqual({
      funding: { reserved: false, expired: true },
      status: 'EXPIRED',
      fundingHoldId: null,
      receivable: 'CONFIRMED',
    });
  });
});
