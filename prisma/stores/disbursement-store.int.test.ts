import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { testLogger } from '../../test/support/logger';
import { createPayoutActivities } from '../../workflows/activities/payout-activities';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { addDays, businessDateOf, isoDateOfColumn, startOfBusinessDate } from '../../domain/business-date';
import { partyAccountCode, platformAccountCode, openPartyAccounts } from './chart-of-accounts';
import { disburse, disburseAtValueDate, registerBankAccount, reserveFunding, retryPayout } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { enrollSupplier } from './program-store';
import { decideReceivable, registerReceivable } from './receivable-store';
import { accruePenalty } from './servicing-store';

// Interest runs from the day the money moves: the quote assumes the application's day as its
// value date, and the disbursement reprices the financing to the day it actually happens. A
// financing that can no longer run a tenor by the day its money would move is not disbursed.
// Store level, real PostgreSQL, each step at the business time the workflow would give it.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('disbursement at the actual value date', () => {
  let db: TestDatabase;
  // A program per test: each financing uses most of the program's limit.
  let parties: FinancingParties;
  let sequence = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  /**
   * A supplier with a registered bank account and a confirmed receivable due `dueInDays` after
   * `t0`, the funder's account holding enough, and an application of 800,000.00 made at `t0`.
   * The clock starts in the past so that every later step happens before the database's now.
   */
  async function appliedAt(t0: Date, dueInDays: number) {
    sequence += 1;
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    await registerBankAccount(db.prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, t0);
    const input = registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(t0), dueInDays) }, t0);
    const { receivable } = await registerReceivable(db.prisma, supplierActor, input, { now: t0, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`, t0);
    const funderCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    const funderVan = (await findAccountByCode(db.prisma, funderCode))!.virtualAccountNumber!;
    await recordInboundCredit(db.prisma, {
      bankReference: `TOPUP${process.pid}${sequence}`,
      virtualAccountNumber: funderVan,
      amount: '1000000.00',
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222000000000001',
      remittanceInformation: 'top up',
      receivedAt: t0,
    });
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-${sequence}` }, TEST_FINANCING_WINDOWS, t0);
    return { financing, supplier, receivable, supplierCode: partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'), funderCode };
  }

  /** The core enterprise acknowledges on `ackAt`; the funder's maker approves and its checker confirms on `approveAt`. */
  async function approve(financingId: string, ackAt: Date, approveAt: Date) {
    await decideFinancing(db.prisma, financingId, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(ackAt.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${financingId}`, ackAt);
    await decideFinancing(db.prisma, financingId, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${financingId}`, approveAt);
    await decideFinancing(db.prisma, financingId, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${financingId}`, approveAt);
  }

  it('does not disburse a financing due on day 2 whose money would move on day 9: it expires, releases everything and is never charged penalty', async () => {
    // Ten days ago: applied on day 0, due on day 2, acknowledged on day 4, approved on day 8, funded and disbursed on day 9.
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -10)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    const { financing, receivable, funderCode } = await appliedAt(t0, 2);
    await approve(financing.id, day(4), day(8));

    // What the workflow does on day 9, then the penalty it would charge on day 10.
    const funding = await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(9));
    if (funding.reserved) await disburse(db.prisma, financing.id, day(9));
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id }, include: { transitions: { orderBy: { id: 'asc' } } } });
    const penalty = after.disbursementTransactionId ? await accruePenalty(db.prisma, financing.id, businessDateOf(day(10)), day(10)) : { charged: [] };
    expect({ status: after.status, penaltyDays: penalty.charged.map((row) => row.date), disbursed: after.disbursementTransactionId !== null }).toEqual({ status: 'EXPIRED', penaltyDays: [], disbursed: false });
    expect(funding).toMatchObject({ reserved: false, expired: true });
    expect(after.closedReason).toBe(`the due date ${addDays(businessDateOf(t0), 2)} is on or before the disbursement date ${businessDateOf(day(9))}: the financing cannot run a tenor`);
    expect(after.transitions.map((row) => row.toStatus)).toEqual(['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'APPROVED', 'EXPIRED']);
    // Nothing moved: the funder keeps its money, the limits and the receivable are free again.
    expect(await balance(funderCode)).toBe('1000000.00');
    expect((await getBalance(db.prisma, (await findAccountByCode(db.prisma, funderCode))!.id)).available.toFixed(2)).toBe('1000000.00');
    const holds = await db.prisma.ledgerHold.findMany({ where: { id: { in: after.limitHoldIds } } });
    expect(holds.map((hold) => hold.status)).toEqual(['VOIDED', 'VOIDED', 'VOIDED']);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('CONFIRMED');
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('reprices at disbursement: approval takes 3 days, so the 90-day quote of 12,000.00 becomes 87 days at 11,600.00', async () => {
    // 800,000.00 at 6% a year, ACT/360, interest up front, 0.1% fee (800.00):
    //   quoted on day 0 for 90 days:   800,000.00 × 0.06 × 90 / 360 = 12,000.00, net 787,200.00
    //   disbursed on day 3 for 87 days: 800,000.00 × 0.06 × 87 / 360 = 11,600.00, net 787,600.00
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    const { financing, supplierCode, funderCode } = await appliedAt(t0, 90);
    expect([financing.interest.toFixed(2), financing.netDisbursement.toFixed(2), financing.tenorDays]).toEqual(['12000.00', '787200.00', 90]);
    await approve(financing.id, t0, day(3));
    const feesBefore = await balance(platformAccountCode('FEE_INCOME', 'CNY'));

    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(3))).toEqual({ reserved: true });
    const payout = await disburse(db.prisma, financing.id, day(3));
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    expect({
      valueDate: isoDateOfColumn(after.valueDate),
      tenorDays: after.tenorDays,
      interest: after.interest.toFixed(2),
      fees: after.fees.toFixed(2),
      netDisbursement: after.netDisbursement.toFixed(2),
      repaymentAtMaturity: after.repaymentAtMaturity.toFixed(2),
      effectiveAnnualRate: after.effectiveAnnualRate.toFixed(6),
    }).toEqual({
      valueDate: businessDateOf(day(3)),
      tenorDays: 87,
      interest: '11600.00',
      fees: '800.00',
      netDisbursement: '787600.00',
      repaymentAtMaturity: '800000.00',
      // (11,600.00 + 800.00) / 787,600.00 × 365 / 87 = 0.0660531…
      effectiveAnnualRate: '0.066053',
    });
    // The quote stays visible as what was quoted.
    expect({
      valueDate: isoDateOfColumn(after.quotedValueDate),
      tenorDays: after.quotedTenorDays,
      interest: after.quotedInterest.toFixed(2),
      netDisbursement: after.quotedNetDisbursement.toFixed(2),
      effectiveAnnualRate: after.quotedEffectiveAnnualRate.toFixed(6),
    }).toEqual({ valueDate: businessDateOf(t0), tenorDays: 90, interest: '12000.00', netDisbursement: '787200.00', effectiveAnnualRate: '0.065944' });
    // The funder advances 800,000.00 − 11,600.00; the supplier's 787,600.00 is in transit to its bank; the platform keeps 800.00.
    expect(await balance(funderCode)).toBe('211600.00');
    expect(payout?.amount.toFixed(2)).toBe('787600.00');
    expect(await balance(supplierCode)).toBe('0.00');
    expect(await balance(platformAccountCode('FEE_INCOME', 'CNY'))).toBe((Number(feesBefore) + 800).toFixed(2));
    expect(after.principalOutstanding.toFixed(2)).toBe('800000.00');
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('funds again at the day\'s price when the day turns between funding and disbursement', async () => {
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    const { financing, funderCode } = await appliedAt(t0, 90);
    await approve(financing.id, t0, day(2));
    // Funded on day 2 at the 88-day price (advance 800,000.00 − 11,733.33), disbursed on day 3.
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(2))).toEqual({ reserved: true });
    const funded = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    const first = await db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: funded.fundingHoldId! } });
    expect([first.amount.toFixed(2), first.idempotencyKey]).toEqual(['788266.67', `financing:${financing.id}:funding:${businessDateOf(day(2))}`]);
    expect(await disburseAtValueDate(db.prisma, financing.id, day(3))).toMatchObject({ outcome: 'REPRICED' });
    expect((await db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: first.id } })).status).toBe('VOIDED');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).fundingHoldId).toBeNull();
    // Funded again at the 87-day price, then disbursed on the same day.
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(3))).toEqual({ reserved: true });
    expect(await disburseAtValueDate(db.prisma, financing.id, day(3))).toMatchObject({ outcome: 'DISBURSED', payout: { amount: expect.anything() } });
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    expect([after.tenorDays, after.interest.toFixed(2), after.netDisbursement.toFixed(2)]).toEqual([87, '11600.00', '787600.00']);
    expect(await balance(funderCode)).toBe('211600.00');
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('prices interest in arrears at the actual tenor: the core enterprise owes 811,600.00, not the quoted 812,000.00', async () => {
    parties = await createFinancingParties(db.prisma, { interestMode: 'ARREARS' });
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    const { financing, funderCode } = await appliedAt(t0, 90);
    expect(financing.repaymentAtMaturity.toFixed(2)).toBe('812000.00');
    await approve(financing.id, t0, day(3));
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(3))).toEqual({ reserved: true });
    await disburse(db.prisma, financing.id, day(3));
    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    expect([after.interest, after.interestOutstanding, after.repaymentAtMaturity, after.netDisbursement, after.quotedRepaymentAtMaturity].map((value) => value.toFixed(2))).toEqual([
      '11600.00',
      '11600.00',
      '811600.00',
      '799200.00',
      '812000.00',
    ]);
    // In arrears the funder advances the whole principal.
    expect(await balance(funderCode)).toBe('200000.00');
  });

  it('expires a financing that would run less than the program\'s minimum tenor from the day its money moves', async () => {
    parties = await createFinancingParties(db.prisma, { tenorDaysMin: 30 });
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);
    // Quoted for 32 days, approved 3 days later: 29 days are left.
    const { financing, receivable } = await appliedAt(t0, 32);
    expect(financing.tenorDays).toBe(32);
    await approve(financing.id, t0, day(3));
    const funding = await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(3));
    expect(funding).toEqual({
      reserved: false,
      expired: true,
      reason: `from the disbursement date ${businessDateOf(day(3))} to the due date ${addDays(businessDateOf(t0), 32)} is 29 days, less than the program's minimum tenor of 30 days`,
    });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status).toBe('EXPIRED');
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('CONFIRMED');
    // A financing already funded expires at disbursement with its funding hold voided too.
    const second = await appliedAt(day(2), 30);
    await approve(second.financing.id, day(2), day(2));
    expect(await reserveFunding(db.prisma, second.financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, day(2))).toEqual({ reserved: true });
    const holdId = (await db.prisma.financing.findUniqueOrThrow({ where: { id: second.financing.id } })).fundingHoldId!;
    expect(await disburseAtValueDate(db.prisma, second.financing.id, day(3))).toMatchObject({ outcome: 'EXPIRED' });
    expect((await db.prisma.ledgerHold.findUniqueOrThrow({ where: { id: holdId } })).status).toBe('VOIDED');
    expect(await balance(second.funderCode)).toBe('2000000.00');
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('refuses at application a tenor shorter than the program\'s minimum', async () => {
    parties = await createFinancingParties(db.prisma, { tenorDaysMin: 30 });
    await expect(appliedAt(new Date(), 20)).rejects.toMatchObject({ code: 'TENOR_TOO_SHORT' });
  });

  it('books a return of part of a payout for what came back; the rest stays paid out, and a retry pays out only what came back', async () => {
    const t0 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -4)).getTime() + 10 * 60 * 60 * 1000);
    let clock = t0;
    const bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}77`, clock: () => clock });
    try {
      const payouts = createPayoutActivities({ prisma: db.prisma, logger: testLogger, bank });
      const { financing, supplier, supplierCode } = await appliedAt(t0, 90);
      await approve(financing.id, t0, t0);
      await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, t0);
      const first = (await disburse(db.prisma, financing.id, t0))!;
      // The beneficiary's bank sends back 1,000.00 of the 787,200.00 a day after it settled.
      await bank.script({ payoutReference: first.payoutReference, behaviour: 'RETURN_AFTER', delayMs: DAY_MS, returnAmount: '1000.00', reason: '部分退汇 part returned' });
      expect(await payouts.submitPayout({ payoutId: first.id, at: clock })).toBe('SETTLED');
      clock = new Date(t0.getTime() + DAY_MS);
      expect(await payouts.checkPayout({ payoutId: first.id, at: clock })).toBe('RETURNED');
      const returned = await db.prisma.payout.findUniqueOrThrow({ where: { id: first.id } });
      const posting = await db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: `payout:${first.payoutReference}:returned` }, include: { entries: true } });
      expect({
        payout: [returned.status, returned.amount.toFixed(2), returned.returnedAmount?.toFixed(2)],
        posted: posting.entries.map((entry) => entry.amount.toFixed(2)),
        supplier: await balance(supplierCode),
      }).toEqual({ payout: ['RETURNED', '787200.00', '1000.00'], posted: ['1000.00', '1000.00'], supplier: '1000.00' });
      // The ledger's escrow moves as the bank's account did: 787,200.00 out, 1,000.00 back.
      const statement = await bank.fetchStatement(businessDateOf(clock), 'CNY');
      expect(statement.lines.map((line) => `${line.kind} ${line.direction} ${line.amount}`)).toEqual(['PAYOUT_RETURN CREDIT 1000.00']);
      // A person retries: the new attempt pays out the 1,000.00 that came back, not the whole proceeds again.
      const retried = await retryPayout(db.prisma, await actorOf(db.prisma, supplier), financing.id, `retry-${financing.id}`, clock);
      expect([retried.attempt, retried.amount.toFixed(2)]).toEqual([2, '1000.00']);
      expect(await payouts.submitPayout({ payoutId: retried.id, at: clock })).toBe('SETTLED');
      expect(await balance(supplierCode)).toBe('0.00');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    } finally {
      await bank.close();
    }
  });
});
