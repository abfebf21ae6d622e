import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import type { TestApi } from '../test/support/api';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { globalId, rowId } from '../test/support/global-ids';
import type { TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import type { ProgramTermsInput } from '../domain/program-rules';
import { workflowIds } from './contracts/workflow-ids';
import { addDays, startOfBusinessDate } from '../domain/business-date';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';

// The money of one financing, end to end, against hand-computed figures: the 800,000.00 case
// of the origination issue (6% a year, ACT/360, 90 days, interest up front, 0.1% fee: advance
// 788,000.00, net to the supplier 787,200.00, fee 800.00), with penalty at 0.05% a day (18% a
// year on ACT/360) after 3 grace days. Real API, real workflows on the time-skipping server,
// real PostgreSQL, the bank simulator on the workflow's clock.

type Result = Record<string, any>;

const DAY = 24 * 60 * 60 * 1000;
const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`;

describe('financing money on the time-skipping server', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;
  let worker: TestWorker;

  beforeAll(async () => {
    // The workflow's clock runs months ahead of the database's: postings carry its time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  const inbound = () => bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  async function pay(virtualAccountNumber: string, amount: string, payerName: string) {
    await bank.receiveInboundCredit({ virtualAccountNumber, amount, currency: 'CNY', payerName, payerAccountNumber: '6222020200112233', remittanceInformation: 'test' });
    await inbound();
  }

  /** Sleeps the workflow clock to `hours` past the start of a business date. */
  async function sleepUntil(date: string, hours = 10) {
    const target = startOfBusinessDate(date).getTime() + hours * 60 * 60 * 1000;
    const now = await env.currentTimeMs();
    if (target > now) await env.sleep(target - now);
  }

  interface Running {
    parties: FinancingParties;
    financingId: string;
    dueDate: string;
    collectionVan: string;
    supplierCode: string;
    funderCode: string;
  }

  /** From application to the disbursed, paid-out financing: the funder tops up, two of its users approve. */
  async function disbursed(terms: Partial<ProgramTermsInput> = {}, until = 'DISBURSED'): Promise<Running & { supplier: TestActor; supplierToken: string; supplierPartyId: string }> {
    const parties = await createFinancingParties(db.prisma, { penaltyRate: '0.18', ...terms });
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
    const funderCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
    await pay(await vanOf(funderCode), '1000000.00', '前海恒信商业保理有限公司');
    const applied = await call(supplier.token, APPLY, { input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' } });
    expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
    await call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
    const financingId = rowId(applied.id);
    // Let the workflow's clock run (the payout is asked about after 30 s, then less and less often).
    for (let step = 0; (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status !== until; step += 1) {
      if (step === 40) throw new Error(`the financing did not reach ${until}`);
      await env.sleep(60_000);
    }
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId }, include: { collectionAccount: true } });
    return {
      parties,
      financingId: financing.id,
      dueDate: financing.dueDate.toISOString().slice(0, 10),
      collectionVan: financing.collectionAccount!.virtualAccountNumber!,
      supplierCode: partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', 'CNY'),
      funderCode,
      supplier,
      supplierToken: supplier.token,
      supplierPartyId: supplier.partyId,
    };
  }

  async function settledWorkflow(financingId: string) {
    return env.client.workflow.getHandle(workflowIds.financing(financingId)).result();
  }

  const record = (financingId: string, name: string, options?: { finished?: boolean }) => recordWorkflowHistory(env.client, workflowIds.financing(financingId), name, options);

  async function expectLedgerWhole() {
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  }

  it('disburses net of discount and fees, pays out once, and settles when the core enterprise pays 800,000.00 at maturity', async () => {
    await worker.runUntil(async () => {
      const run = await disbursed();
      // The funder advanced 788,000.00; the supplier's 787,200.00 left through the bank; the platform kept 800.00.
      expect(await balance(run.funderCode)).toBe('212000.00');
      expect(await balance(run.supplierCode)).toBe('0.00');
      expect(await balance(platformAccountCode('FEE_INCOME', 'CNY'))).toBe('800.00');
      expect(await balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('0.00');
      const payouts = await db.prisma.payout.findMany({ where: { financingId: run.financingId } });
      expect(payouts.map((row) => [row.payoutReference, row.amount.toFixed(2), row.status])).toEqual([[expect.stringMatching(/-P1$/), '787200.00', 'SETTLED']]);
      expect((await bank.queryPayout(payouts[0]!.payoutReference))?.status).toBe('SETTLED');
      // The three limits reserved at application are used now, and their postings say so.
      const limitUse = await db.prisma.ledgerTransaction.findMany({ where: { idempotencyKey: { startsWith: `financing:${run.financingId}:limit-use:` } }, include: { postedHold: true } });
      expect(limitUse.map((row) => [row.code, row.postedHold?.code])).toEqual(Array.from({ length: 3 }, () => ['LIMIT_UTILISATION', 'LIMIT_RESERVATION']));

      await sleepUntil(run.dueDate);
      await pay(run.collectionVan, '800000.00', '广州云海智能制造集团股份有限公司');
      expect((await settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-settled-on-time');
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId }, include: { receivable: true, allocations: true, documents: true } });
      expect(financing).toMatchObject({ status: 'SETTLED', receivable: { status: 'SETTLED' } });
      expect(financing.allocations.map((row) => [row.collected, row.penalty, row.interest, row.principal, row.surplus].map((value) => value.toFixed(2)))).toEqual([['800000.00', '0.00', '0.00', '800000.00', '0.00']]);
      // The funder is whole and earned the 12,000.00 discount.
      expect(await balance(run.funderCode)).toBe('1012000.00');
      expect(financing.documents.map((document) => document.kind)).toContain('SETTLEMENT_STATEMENT');
      await expectLedgerWhole();
    });
  });

  it('settles a repayment in two parts (300,000.00 then 500,000.00), explaining each', async () => {
    await worker.runUntil(async () => {
      const run = await disbursed();
      await sleepUntil(addDays(run.dueDate, -5));
      await pay(run.collectionVan, '300000.00', '广州云海');
      await expect.poll(async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } })).principalOutstanding.toFixed(2), { timeout: 20_000 }).toBe('500000.00');
      await sleepUntil(run.dueDate);
      await pay(run.collectionVan, '500000.00', '广州云海');
      expect((await settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-settled-in-two-parts');
      const allocations = await db.prisma.repaymentAllocation.findMany({ where: { financingId: run.financingId }, orderBy: { allocatedAt: 'asc' } });
      expect(allocations.map((row) => [row.collected.toFixed(2), row.principal.toFixed(2), row.outstandingAfter.toFixed(2)])).toEqual([
        ['300000.00', '300000.00', '500000.00'],
        ['500000.00', '500000.00', '0.00'],
      ]);
      await expectLedgerWhole();
    });
  });

  it('charges no penalty within the 3 grace days, and 4,000.00 when repaid 10 days late (10 days at 400.00)', async () => {
    await worker.runUntil(async () => {
      const run = await disbursed();
      await sleepUntil(addDays(run.dueDate, 3), 20);
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } })).status).toBe('DISBURSED');
      await sleepUntil(addDays(run.dueDate, 4));
      expect(await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } })).toMatchObject({ status: 'OVERDUE' });
      await sleepUntil(addDays(run.dueDate, 10));
      const overdue = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } });
      expect([overdue.penaltyAccrued.toFixed(2), overdue.penaltyAccruedThrough?.toISOString().slice(0, 10)]).toEqual(['4000.00', addDays(run.dueDate, 10)]);
      await pay(run.collectionVan, '804000.00', '广州云海');
      expect((await settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-paid-late-with-penalty');
      const [allocation] = await db.prisma.repaymentAllocation.findMany({ where: { financingId: run.financingId } });
      expect([allocation!.penalty, allocation!.principal, allocation!.surplus].map((value) => value.toFixed(2))).toEqual(['4000.00', '800000.00', '0.00']);
      // One penalty posting per day, keyed by the date.
      const postings = await db.prisma.ledgerTransaction.findMany({ where: { code: 'PENALTY_ACCRUAL', idempotencyKey: { startsWith: `financing:${run.financingId}:penalty:` } } });
      expect(postings).toHaveLength(10);
      expect(await balance(run.funderCode)).toBe('1016000.00');
      await expectLedgerWhole();
    });
  });

  it('claims from the supplier after 30 overdue days as far as its balance allows, and keeps charging on the rest', async () => {
    await worker.runUntil(async () => {
      const run = await disbursed({ recourse: true, recourseAfterDays: 30 });
      // The supplier has 500,000.00 of other money in its settlement account.
      await pay(await vanOf(run.supplierCode), '500000.00', '深圳市华强精密电子有限公司');
      await sleepUntil(addDays(run.dueDate, 30));
      // Day 30: penalty 30 × 400.00 = 12,000.00, owed 812,000.00; claimed 500,000.00: penalty first, then 488,000.00 of principal.
      const claimed = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } });
      expect([claimed.recourseClaimed, claimed.repaidPenalty, claimed.principalOutstanding].map((value) => value.toFixed(2))).toEqual(['500000.00', '12000.00', '312000.00']);
      expect(await balance(run.supplierCode)).toBe('0.00');
      // Days 31 and 32 on 312,000.00: 156.00 a day.
      await sleepUntil(addDays(run.dueDate, 32));
      await pay(run.collectionVan, '312312.00', '广州云海');
      expect((await settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-recourse');
      const final = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } });
      expect([final.penaltyAccrued, final.repaidPenalty, final.repaidPrincipal, final.surplusReturned].map((value) => value.toFixed(2))).toEqual(['12312.00', '12312.00', '800000.00', '0.00']);
      await expectLedgerWhole();
    });
  });

  it('returns an over-payment to the supplier', async () => {
    await worker.runUntil(async () => {
      const run = await disbursed();
      await sleepUntil(run.dueDate);
      await pay(run.collectionVan, '810000.00', '广州云海');
      expect((await settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-over-payment');
      const [allocation] = await db.prisma.repaymentAllocation.findMany({ where: { financingId: run.financingId } });
      expect([allocation!.principal, allocation!.surplus].map((value) => value.toFixed(2))).toEqual(['800000.00', '10000.00']);
      expect(await balance(run.supplierCode)).toBe('10000.00');
      await expectLedgerWhole();
    });
  });

  it('keeps a payout that timed out in transit until the bank settles it, and never pays twice', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'TIMEOUT_THEN_SUCCEED', delayMs: 10 * 60 * 1000 });
      const run = await disbursed();
      const [payout] = await db.prisma.payout.findMany({ where: { financingId: run.financingId } });
      expect(payout!.status).toBe('SETTLED');
      const history = await env.client.workflow.getHandle(workflowIds.financing(run.financingId)).fetchHistory();
      const scheduled = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'checkPayout');
      expect(scheduled.length).toBeGreaterThan(0);
      await record(run.financingId, 'financing-payout-timed-out', { finished: false });
      expect(await balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('0.00');
      expect(await bank.queryPayout(payout!.payoutReference)).toMatchObject({ status: 'SETTLED', amount: '787200.00' });
      await expectLedgerWhole();
    });
  });

  const RETRY = `mutation ($id: ID!) { retryPayout(financingId: $id) { __typename ... on Payout { payoutReference status attempt beneficiaryAccount } ... on Error { code message } } }`;

  it('puts a failed payout back in the supplier\'s account and pays again only when a person retries, to the corrected account', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'FAIL', reason: '账户已销户 account closed' });
      const run = await disbursed({}, 'PAYOUT_FAILED');
      expect(await balance(run.supplierCode)).toBe('787200.00');
      expect(await balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('0.00');
      await env.sleep(2 * DAY);
      // Nothing happens by itself: still one attempt, still failed.
      expect(await db.prisma.payout.count({ where: { financingId: run.financingId } })).toBe(1);
      await registerBankAccount(db.prisma, await actorOf(db.prisma, run.supplier), run.supplierPartyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6217000011112222333', bankName: '中国建设银行深圳分行' });
      const retried = await call(run.supplierToken, RETRY, { id: globalId('Financing', run.financingId) });
      expect(retried).toMatchObject({ __typename: 'Payout', attempt: 2, beneficiaryAccount: '**** 2333', payoutReference: expect.stringMatching(/-P2$/) });
      for (let step = 0; (await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } })).status !== 'DISBURSED'; step += 1) {
        if (step === 20) throw new Error('the retried payout did not settle');
        await env.sleep(60_000);
      }
      expect(await balance(run.supplierCode)).toBe('0.00');
      expect((await bank.queryPayout(retried.payoutReference))?.status).toBe('SETTLED');
      // A retry while nothing failed is refused.
      expect(await call(run.supplierToken, RETRY, { id: globalId('Financing', run.financingId) })).toMatchObject({ __typename: 'WrongStateError' });
      await record(run.financingId, 'financing-payout-failed-and-retried', { finished: false });
      await expectLedgerWhole();
    });
  });

  it('notices a payout the beneficiary\'s bank returns after settling, and returns the money to the supplier\'s account', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'RETURN_AFTER', delayMs: DAY, reason: '户名不符 name does not match' });
      const run = await disbursed();
      await env.sleep(3 * DAY);
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId }, include: { payouts: true } });
      expect(financing.status).toBe('PAYOUT_FAILED');
      expect(financing.payouts.map((payout) => [payout.status, payout.failureReason])).toEqual([['RETURNED', '户名不符 name does not match']]);
      await record(run.financingId, 'financing-payout-returned', { finished: false });
      expect(await balance(run.supplierCode)).toBe('787200.00');
      await expectLedgerWhole();
    });
  });

  it('resumes servicing in a run continued as new: it allocates what arrived meanwhile and settles', async () => {
    await worker.runUntil(async () => {
      const run = await disbursed();
      const handle = env.client.workflow.getHandle(workflowIds.financing(run.financingId));
      // Stand in for a continue-as-new: end this run, pay while no run is listening, start the resumed run.
      await handle.terminate('test: continue as new');
      await sleepUntil(run.dueDate);
      await bank.receiveInboundCredit({ virtualAccountNumber: run.collectionVan, amount: '800000.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222020200112233', remittanceInformation: 'test' });
      await inbound();
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } });
      const resumed = await env.client.workflow.start('financingWorkflow', {
        taskQueue: api.taskQueue,
        workflowId: workflowIds.financing(run.financingId),
        args: [
          {
            financingId: run.financingId,
            financingNumber: financing.financingNumber,
            assignmentMode: 'OPEN',
            acknowledgementDeadline: financing.acknowledgementDeadline,
            approvalDeadline: financing.approvalDeadline,
            approvalWindowMs: DAY,
            fundingWindowMs: DAY,
            dueDate: run.dueDate,
            graceDays: 3,
            recourseAfterDays: null,
            resumeServicing: { recourseDone: false },
          },
        ],
      });
      expect(((await resumed.result()) as { status: string }).status).toBe('SETTLED');
      await record(run.financingId, 'financing-continued-as-new');
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } })).status).toBe('SETTLED');
      await expectLedgerWhole();
    });
  });
});
