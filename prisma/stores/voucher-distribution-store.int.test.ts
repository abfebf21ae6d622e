import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { Decimal } from '../../domain/money';
import { LimitExceededError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import type { TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../../test/support/voucher-fixture';
import { createSilentVoucherFunder, createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { collectionAccountCode, partyAccountCode } from './chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { reserveHold } from './ledger/holds';
import { verifyLedgerInvariants } from './ledger/invariants';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch, requestHolderPayout } from './voucher-distribution-store';
import { prepareVoucherReceivable } from './voucher-financing-store';
import { serviceFinancing } from './servicing-store';

// The maturity payment of the feature request's voucher (docs/workflows/voucher-maturity.md):
// 10,000,000.00 issued to T1, who keeps 1,000,000.00 and passes 3,000,000.00 to A, 2,500,000.00
// to B (financed by F1, open assignment) and 3,500,000.00 to C, who keeps 1,500,000.00 and passes
// 1,200,000.00 to D (financed by F2, silent) and 800,000.00 to E. Built with the voucher fixture
// (the state issue and transfers leave), financed through today's financing store.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };

describe('voucher maturity distribution', () => {
  let db: TestDatabase;
  let f1: FinancingParties;
  let f2: { funder: TestActor; funderChecker: TestActor; programId: string };
  let credits = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    f1 = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    f2 = await createSilentVoucherFunder(db.prisma, f1);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  const holder = (name: string): Promise<TestActor> => createVoucherHolder(db.prisma, name);

  async function balanceOf(code: string): Promise<string> {
    const account = await findAccountByCode(db.prisma, code);
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : '0.00';
  }

  /** The part's claim assigned to the funder that financed it (one account per part and funder). */
  async function assignedBalanceOf(partId: string): Promise<string> {
    const account = await db.prisma.ledgerAccount.findFirst({ where: { code: { startsWith: `voucher-part:${partId}:ASSIGNED:` } } });
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : '0.00';
  }

  async function pay(fixture: VoucherFixture, amount: string) {
    credits += 1;
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-PAY-${fixture.voucherId}-${credits}`, virtualAccountNumber: fixture.collectionVan, amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(booked.exception).toBeNull();
    return booked.credit.id;
  }

  /** One payment distributed as the workflow does it: the plan, each batch, the end. */
  async function distribute(creditId: string, now = new Date()) {
    const plan = await planVoucherDistribution(db.prisma, creditId, now);
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    return { plan, finished: await finishVoucherDistribution(db.prisma, plan.distributionId, now) };
  }

  /** A part financed store by store, as the financing workflow would do it. */
  async function finance(actor: TestActor, partId: string, program: { programId: string; funder: TestActor; funderChecker: TestActor }, amount: string, open: boolean) {
    const applicant = await actorOf(db.prisma, actor);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId, programId: program.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: program.programId, amount, idempotencyKey: `voucher-${partId}` }, TEST_FINANCING_WINDOWS);
    const id = financing.id;
    const as = (who: TestActor) => ({ userId: who.userId, partyId: who.partyId });
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partId } })).toMatchObject({ status: 'FINANCING' });
    if (open) await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(f1.core), `test:${id}:acknowledge`);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, as(program.funder), `test:${id}:approve`);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(program.funderChecker), `test:${id}:confirm`);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(program.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    await recordInboundCredit(db.prisma, { bankReference: `TOPUP-${id}`, virtualAccountNumber: funding.virtualAccountNumber!, amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, id);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partId } })).toMatchObject({ status: 'FINANCED' });
    return id;
  }

  async function scenario() {
    const [t1, a, b, c, d, e] = [await holder('广州云海一级供应商有限公司'), await holder('佛山二级甲有限公司'), await holder('东莞二级乙有限公司'), await holder('中山二级丙有限公司'), await holder('江门三级丁有限公司'), await holder('珠海三级戊有限公司')];
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: f1.core.partyId,
      issuedByUserId: f1.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: {
        key: 'T1',
        holderPartyId: t1.partyId,
        received: '10000000.00',
        children: [
          { key: 'A', holderPartyId: a.partyId, received: '3000000.00' },
          { key: 'B', holderPartyId: b.partyId, received: '2500000.00' },
          {
            key: 'C',
            holderPartyId: c.partyId,
            received: '3500000.00',
            children: [
              { key: 'D', holderPartyId: d.partyId, received: '1200000.00' },
              { key: 'E', holderPartyId: e.partyId, received: '800000.00' },
            ],
          },
        ],
      },
    });
    const financingB = await finance(b, fixture.parts.B!.id, { programId: f1.programId, funder: f1.funder, funderChecker: f1.funderChecker }, '2000000.00', true);
    const financingD = await finance(d, fixture.parts.D!.id, f2, '960000.00', false);
    const settlement = (who: TestActor) => partyAccountCode(who.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    // The holders' settlement accounts before the payment (B and D hold their advances there).
    const before = { B: await balanceOf(settlement(b)), D: await balanceOf(settlement(d)) };
    return { fixture, holders: { t1, a, b, c, d, e }, financingB, financingD, settlement, before };
  }

  it('pays every holder and funder its figure to the cent when the core pays in full, and nobody twice when replayed', async () => {
    const { fixture, holders, financingB, financingD, settlement, before } = await scenario();
    const creditId = await pay(fixture, '10000000.00');
    const { plan, finished } = await distribute(creditId);
    expect(plan.number).toBe(1);
    expect(finished.voucherStatus).toBe('PAID');
    expect(await balanceOf(settlement(holders.t1))).toBe('1000000.00');
    expect(await balanceOf(settlement(holders.a))).toBe('3000000.00');
    expect(await balanceOf(settlement(holders.c))).toBe('1500000.00');
    expect(await balanceOf(settlement(holders.e))).toBe('800000.00');
    // The financed parts' shares reach their financings' collection accounts, for their waterfalls.
    expect(await balanceOf(collectionAccountCode(financingB, 'CNY'))).toBe('2500000.00');
    expect(await balanceOf(collectionAccountCode(financingD, 'CNY'))).toBe('1200000.00');
    expect(await balanceOf(settlement(holders.b))).toBe(before.B);
    expect(await balanceOf(settlement(holders.d))).toBe(before.D);
    const wakeUps = await db.prisma.financingWakeUp.findMany({ where: { cause: `voucher-distribution:${plan.distributionId}` } });
    expect(wakeUps.map((row) => row.financingId).sort()).toEqual([financingB, financingD].sort());
    // Every claim is settled: the issuer owes nothing on the voucher.
    expect(await balanceOf(`voucher:${fixture.voucherId}:COLLECTION:CNY`)).toBe('0.00');
    expect(await balanceOf(`voucher:${fixture.voucherId}:ISSUED:CNY`)).toBe('0.00');
    for (const key of ['T1', 'A', 'C', 'E']) expect(await balanceOf(`voucher-part:${fixture.parts[key]!.id}:CLAIM:CNY`)).toBe('0.00');
    for (const key of ['B', 'D']) expect(await assignedBalanceOf(fixture.parts[key]!.id)).toBe('0.00');
    expect(await db.prisma.voucherPart.count({ where: { voucherId: fixture.voucherId, status: { not: 'PAID' } } })).toBe(0);

    // A crash midway: the plan and every batch run again. Nothing moves a second time.
    const again = await planVoucherDistribution(db.prisma, creditId);
    expect(again).toMatchObject({ distributionId: plan.distributionId, replayed: true });
    expect(await postVoucherDistributionBatch(db.prisma, plan.distributionId, 0)).toMatchObject({ replayed: true });
    await finishVoucherDistribution(db.prisma, plan.distributionId);
    expect(await balanceOf(settlement(holders.a))).toBe('3000000.00');
    expect(await balanceOf(collectionAccountCode(financingB, 'CNY'))).toBe('2500000.00');

    // Each unfinanced holder's share goes out to its bank once, however often it is asked.
    await registerBankAccount(db.prisma, await actorOf(db.prisma, f1.admin), holders.a.partyId, { accountName: '佛山二级甲有限公司', accountNumber: '6222 0202 0011 2233 446', bankName: '中国工商银行佛山分行' });
    const payoutA = finished.holderPayouts.find((row) => row.partyId === holders.a.partyId)!;
    expect(payoutA.amount).toBe('3000000.00');
    const first = await requestHolderPayout(db.prisma, { distributionId: plan.distributionId, ...payoutA, payoutId: crypto.randomUUID() });
    const second = await requestHolderPayout(db.prisma, { distributionId: plan.distributionId, ...payoutA, payoutId: crypto.randomUUID() });
    expect(first.payoutId).not.toBeNull();
    expect(second).toEqual({ payoutId: first.payoutId, replayed: true });
    expect(await db.prisma.payout.count({ where: { partyId: holders.a.partyId } })).toBe(1);
    expect(await balanceOf(settlement(holders.a))).toBe('0.00');
    // No payout account: the money waits in the holder's settlement account.
    const payoutE = finished.holderPayouts.find((row) => row.partyId === holders.e.partyId)!;
    expect(await requestHolderPayout(db.prisma, { distributionId: plan.distributionId, ...payoutE, payoutId: crypto.randomUUID() })).toMatchObject({ payoutId: null });
    expect(await balanceOf(settlement(holders.e))).toBe('800000.00');
  });

  it('shares a 90% payment pro rata to the cent, shows the shortfall and the default, and a later instalment pays the rest', async () => {
    const { fixture, holders, financingB, financingD, settlement } = await scenario();
    const afterDue = new Date(Date.now() + 61 * 24 * 60 * 60 * 1000);
    const { finished } = await distribute(await pay(fixture, '9000000.00'), afterDue);
    expect(finished.voucherStatus).toBe('DEFAULTED');
    expect(await balanceOf(settlement(holders.t1))).toBe('900000.00');
    expect(await balanceOf(settlement(holders.a))).toBe('2700000.00');
    expect(await balanceOf(settlement(holders.c))).toBe('1350000.00');
    expect(await balanceOf(settlement(holders.e))).toBe('720000.00');
    expect(await balanceOf(collectionAccountCode(financingB, 'CNY'))).toBe('2250000.00');
    expect(await balanceOf(collectionAccountCode(financingD, 'CNY'))).toBe('1080000.00');
    // The shortfall is what is left on each claim: the issuer's default, as balances.
    expect(await balanceOf(`voucher-part:${fixture.parts.A!.id}:CLAIM:CNY`)).toBe('300000.00');
    expect(await assignedBalanceOf(fixture.parts.D!.id)).toBe('120000.00');
    expect(await balanceOf(`voucher:${fixture.voucherId}:ISSUED:CNY`)).toBe('1000000.00');

    // The rest, with 0.01 too much: every part is paid in full and the cent waits in suspense for a refund.
    const rest = await distribute(await pay(fixture, '1000000.01'), afterDue);
    expect(rest.plan.number).toBe(2);
    expect(rest.finished.voucherStatus).toBe('PAID');
    expect(await balanceOf(settlement(holders.e))).toBe('800000.00');
    expect(await balanceOf(collectionAccountCode(financingD, 'CNY'))).toBe('1200000.00');
    expect(await balanceOf(`voucher:${fixture.voucherId}:ISSUED:CNY`)).toBe('0.00');
    expect(await db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: `overpaid:voucher:${rest.plan.distributionId}` } })).toMatchObject({ reason: 'OVERPAID' });
  });

  it('pays the holder of a financed part its share of a later instalment when the short payment already settled the financing', async () => {
    // B holds 2,500,000.00, financed at 2,000,000.00 (interest up front: the funder is owed the
    // principal only). The core enterprise pays 90%: B's share is 2,250,000.00, which its
    // financing's waterfall allocates as 2,000,000.00 to the funder and 250,000.00 to B (the
    // reserve, up to the part's confirmed 2,500,000.00): the financing is SETTLED and its
    // servicing ends. The core enterprise then pays the rest, 1,000,000.00: B's share is the
    // 250,000.00 still owed on its claim. The funder is whole, so all of it is B's (the reserve:
    // 2,500,000.00 confirmed less the 2,250,000.00 paid before), and B's settlement account holds
    // 250,000.00 + 250,000.00 = 500,000.00 more than before the payments. No servicing step wakes
    // for a settled financing, so the distribution allocates the share itself: left in the
    // collection account, the 250,000.00 would have no owner.
    const { fixture, holders, financingB, settlement, before } = await scenario();
    const afterDue = new Date(Date.now() + 61 * 24 * 60 * 60 * 1000);
    await distribute(await pay(fixture, '9000000.00'), afterDue);
    const first = await serviceFinancing(db.prisma, financingB, businessDateOf(new Date()), `test:${financingB}:allocation:first`);
    expect(first.settled).toBe(true);
    const reserve = (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingB } })).surplusReturned.toFixed(2);
    expect(reserve).toBe('250000.00');

    const rest = await distribute(await pay(fixture, '1000000.00'), afterDue);
    expect(rest.finished.voucherStatus).toBe('PAID');
    expect(await balanceOf(collectionAccountCode(financingB, 'CNY'))).toBe('0.00');
    expect(await balanceOf(settlement(holders.b))).toBe(new Decimal(before.B).plus('500000.00').toFixed(2));
    // Through the settled financing's own waterfall, in the distribution's transaction: its record
    // shows the 500,000.00 returned to B, as when the core enterprise pays in full at once, and no
    // wake-up is left for a workflow that has ended.
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingB } })).surplusReturned.toFixed(2)).toBe('500000.00');
    expect(await db.prisma.financingWakeUp.count({ where: { financingId: financingB, cause: `voucher-distribution:${rest.plan.distributionId}` } })).toBe(0);
    // A replayed batch pays nobody twice.
    expect(await postVoucherDistributionBatch(db.prisma, rest.plan.distributionId, 0)).toMatchObject({ replayed: true });
    expect(await balanceOf(settlement(holders.b))).toBe(new Decimal(before.B).plus('500000.00').toFixed(2));
    expect(await db.prisma.repaymentAllocation.count({ where: { financingId: financingB } })).toBe(2);
  });

  it('lets exactly one of a transfer and a financing of the same part have its amount', async () => {
    const holderC = await holder('中山竞速有限公司');
    const recipient = await holder('江门竞速有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: f1.core.partyId,
      issuedByUserId: f1.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'C', holderPartyId: holderC.partyId, received: '500000.00', children: [{ key: 'X', holderPartyId: recipient.partyId, received: '100000.00' }] },
    });
    const part = fixture.parts.C!;
    // A transfer proposed first holds part of the claim: the financing of the whole part finds it short.
    await reserveHold(db.prisma, { idempotencyKey: `voucher-transfer:race-${part.id}:hold`, code: 'VOUCHER_TRANSFER', debitAccountId: part.claimAccountId, creditAccountId: fixture.parts.X!.claimAccountId, amount: '0.01', currency: 'CNY' });
    const applicant = await actorOf(db.prisma, holderC);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: part.id, programId: f1.programId });
    const refused = applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: f1.programId, amount: '100000.00', idempotencyKey: `race-${part.id}` }, TEST_FINANCING_WINDOWS);
    await expect(refused).rejects.toBeInstanceOf(LimitExceededError);
    await expect(refused).rejects.toMatchObject({ code: 'VOUCHER_PART_UNAVAILABLE' });
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: part.id } })).toMatchObject({ status: 'ACTIVE' });
    expect(await db.prisma.financing.count({ where: { receivableId: receivable.id } })).toBe(0);

    // The other way round: a financing holds the whole part, so a transfer of a cent finds nothing.
    const other = await createVoucherFixture(db.prisma, {
      issuerPartyId: f1.core.partyId,
      issuedByUserId: f1.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'C', holderPartyId: holderC.partyId, received: '400000.00', children: [{ key: 'X', holderPartyId: recipient.partyId, received: '100000.00' }] },
    });
    const financed = await prepareVoucherReceivable(db.prisma, applicant, { partId: other.parts.C!.id, programId: f1.programId });
    await applyForFinancing(db.prisma, applicant, { receivableId: financed.id, programId: f1.programId, amount: '100000.00', idempotencyKey: `race-${other.parts.C!.id}` }, TEST_FINANCING_WINDOWS);
    await expect(
      reserveHold(db.prisma, { idempotencyKey: `voucher-transfer:race-${other.parts.C!.id}:hold`, code: 'VOUCHER_TRANSFER', debitAccountId: other.parts.C!.claimAccountId, creditAccountId: other.parts.X!.claimAccountId, amount: '0.01', currency: 'CNY' }),
    ).rejects.toBeInstanceOf(LimitExceededError);
  });
});
