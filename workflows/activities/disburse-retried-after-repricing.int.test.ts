import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { recordInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../../prisma/stores/ledger/invariants';
import { enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { createActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { createMoneyActivities } from './money-activities';

// 800,000.00 applied for on day 0 against a receivable due on day 90, approved and funded on day 2
// at the 88-day price (advance 788,266.67). The disbursement step runs on day 3: the day turned,
// so it voids the day-2 hold and answers REPRICED, and the workflow funds again at the 87-day price
// (docs/workflows/financing.md). The step commits, and the worker dies before it reports: Temporal
// runs the activity again with the same input. The retry must give the same answer (REPRICED, so
// the workflow funds again and disburses at 87 days). Instead it finds no funding hold and refuses
// with WRONG_STATE, a non-retryable refusal that ends the workflow: the financing stays APPROVED
// with its limits and its receivable held, and is never disbursed nor expired.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('a disbursement step retried after it repriced the financing', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('answers REPRICED again, so that the workflow funds again at the day\'s price and disburses', async () => {
    const parties = await createFinancingParties(db.prisma);
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    await registerBankAccount(db.prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, t0);
    const { receivable } = await registerReceivable(db.prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(t0), 90) }, t0), { now: t0, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`, t0);
    await recordInboundCredit(db.prisma, {
      bankReference: `TOPUP-${receivable.id}`,
      virtualAccountNumber: (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!,
      amount: '1000000.00',
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222000000000001',
      remittanceInformation: 'top up',
      receivedAt: t0,
    });
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-${receivable.id}` }, TEST_FINANCING_WINDOWS, t0);
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${financing.id}`, t0);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${financing.id}`, day(2));
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${financing.id}`, day(2));

    const money = createMoneyActivities({ prisma: db.prisma, logger: testLogger });
    expect(await money.reserveFunding({ financingId: financing.id, fundingWindowMs: TEST_FINANCING_WINDOWS.fundingWindowMs, at: day(2) })).toEqual({ reserved: true });

    // The step of day 3, and its retry with the same input after the worker died before reporting.
    const input = { financingId: financing.id, at: day(3) };
    const first = await money.disburse(input);
    expect(first).toEqual({ payoutId: null, outcome: 'REPRICED' });
    const retried = await money.disburse(input).catch((error: Error & { code?: string }) => ({ refused: error.code ?? error.message }));
    expect(retried).toEqual({ payoutId: null, outcome: 'REPRICED' });

    // What the workflow then does: funds again at the 87-day price and disburses.
    expect(await money.reserveFunding({ financingId: financing.id, fundingWindowMs: TEST_FINANCING_WINDOWS.fundingWindowMs, at: day(3) })).toEqual({ reserved: true });
    expect(await money.disburse(input)).toMatchObject({ outcome: 'DISBURSED', payoutId: expect.any(String) });
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    expect([after.status, after.tenorDays, after.interest.toFixed(2), after.netDisbursement.toFixed(2)]).toEqual(['DISBURSING', 87, '11600.00', '787600.00']);
  });
});
