import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { moneyScenario, type MoneyScenario } from '../test/support/money-scenario';
import { actorOf } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { financingStateQuery } from './contracts/financing';
import { workflowIds } from './contracts/workflow-ids';
import { RUN_HISTORY_EVENTS_MAX } from './definitions/financing/continuation';

// Servicing by value date, recourse after allocation, the surplus beyond the receivable, and
// bounded histories, on the time-skipping server against hand-computed figures
// (docs/workflows/financing.md, "Worked cases"): 800,000.00 advanced as 788,000.00 (the
// supplier is paid 787,200.00), penalty 400.00 a day after 3 grace days, on a receivable the
// core enterprise confirmed for 1,000,000.00.

const DAY = 24 * 60 * 60 * 1000;

describe('servicing on the time-skipping server', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  let money: MoneyScenario;

  beforeAll(async () => {
    // The workflow's clock runs days ahead of the database's: postings carry it as their effective time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, api } = stack);
    money = moneyScenario(db, stack);
    // The bank's scripts live in the file's database: a test's scripts must not outlive it.
    await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank: stack.bank });
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const financingOf = (financingId: string) => db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
  const allocationsOf = (financingId: string) => db.prisma.repaymentAllocation.findMany({ where: { financingId }, orderBy: [{ allocatedAt: 'asc' }, { valueDate: 'asc' }] });
  const noticesOf = (financingId: string, kind: string) => db.prisma.notification.findMany({ where: { financingId, kind }, orderBy: { createdAt: 'asc' } });
  const record = (financingId: string, name: string, options?: { finished?: boolean }) => recordWorkflowHistory(env.client, workflowIds.financing(financingId), name, options);

  /** Every run of the financing's workflow, first to last, with the number of events in its history. */
  async function runsOf(financingId: string): Promise<number[]> {
    const workflowId = workflowIds.financing(financingId);
    const counts: number[] = [];
    let runId: string | undefined;
    for (;;) {
      const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      counts.unshift(events.length);
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      if (!runId) return counts;
    }
  }

  it('counts 800,000.00 the bank received on D-5 from that day although its wake-up was lost: no penalty, nothing owed', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, -5));
      await money.payWithoutWakeUp(run.collectionVan, '800000.00');
      await money.sleepUntil(addDays(run.dueDate, 5), 2);
      const financing = await financingOf(run.financingId);
      expect([financing.status, financing.penaltyAccrued.toFixed(2), financing.principalOutstanding.toFixed(2)]).toEqual(['SETTLED', '0.00', '0.00']);
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-settled-wake-up-lost');
      const allocations = await allocationsOf(run.financingId);
      expect(allocations.map((row) => [row.valueDate?.toISOString().slice(0, 10), row.collected.toFixed(2), row.penalty.toFixed(2), row.principal.toFixed(2)])).toEqual([
        [addDays(run.dueDate, -5), '800000.00', '0.00', '800000.00'],
      ]);
      expect(await noticesOf(run.financingId, 'FINANCING_OVERDUE')).toEqual([]);
      expect(await money.balance(run.funderCode)).toBe('1012000.00');
      await money.expectLedgerWhole();
    });
  });

  it('reverses the penalty of the two days a credit value-dated two days earlier covers, and says so', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, 10));
      expect((await financingOf(run.financingId)).penaltyAccrued.toFixed(2)).toBe('4000.00');
      // Received by the bank on D+8 (8 days of penalty, 3,200.00, plus the principal), reported on D+10.
      await money.payValueDated(run.collectionVan, '803200.00', 2);
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-penalty-reversed');
      const financing = await financingOf(run.financingId);
      expect([financing.penaltyAccrued, financing.penaltyReversed, financing.repaidPenalty, financing.principalOutstanding].map((value) => value.toFixed(2))).toEqual([
        '3200.00',
        '800.00',
        '3200.00',
        '0.00',
      ]);
      const [allocation] = await allocationsOf(run.financingId);
      expect([allocation!.valueDate?.toISOString().slice(0, 10), allocation!.penalty.toFixed(2), allocation!.principal.toFixed(2), allocation!.penaltyReversed.toFixed(2)]).toEqual([
        addDays(run.dueDate, 8),
        '3200.00',
        '800000.00',
        '800.00',
      ]);
      // The charges of D+9 and D+10 are reversed by reversing entries, never edited.
      const reversals = await db.prisma.ledgerTransaction.findMany({ where: { code: 'REVERSAL', reverses: { code: 'PENALTY_ACCRUAL', metadata: { path: ['financingId'], equals: run.financingId } } }, include: { reverses: true } });
      expect(reversals.map((row) => (row.reverses!.metadata as { date: string }).date).sort()).toEqual([addDays(run.dueDate, 9), addDays(run.dueDate, 10)]);
      expect((await noticesOf(run.financingId, 'PENALTY_REVERSED')).length).toBe(3);
      expect(await money.balance(run.funderCode)).toBe('1015200.00');
      await money.expectLedgerWhole();
    });
  });

  /** The penalty charges of a financing, reversed or standing: the day each is for and whether a reversing entry undid it. */
  const chargesOf = async (financingId: string) =>
    (await db.prisma.penaltyCharge.findMany({ where: { financingId }, orderBy: [{ businessDate: 'asc' }, { chargedAt: 'asc' }] })).map((row) => [
      row.businessDate.toISOString().slice(0, 10),
      row.amount.toFixed(2),
      row.reversalTransactionId === null ? 'standing' : 'reversed',
    ]);

  it('charges no penalty for a full repayment the bank received within the grace days, however late it was processed', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, 10));
      // D+1 to D+4 were charged at the wake-up of D+4, then one day at each wake-up: 10 × 400.00.
      expect((await financingOf(run.financingId)).penaltyAccrued.toFixed(2)).toBe('4000.00');
      // Received by the bank on D+2, inside the 3 grace days, reported on D+10.
      await money.payValueDated(run.collectionVan, '800000.00', 8);
      await expect.poll(async () => (await allocationsOf(run.financingId)).length, { timeout: 20_000 }).toBe(1);
      const allocations = await allocationsOf(run.financingId);
      expect(allocations.map((row) => [row.valueDate?.toISOString().slice(0, 10), ...[row.collected, row.penalty, row.principal, row.penaltyReversed, row.outstandingAfter].map((value) => value.toFixed(2))])).toEqual([
        [addDays(run.dueDate, 2), '800000.00', '0.00', '800000.00', '4000.00', '0.00'],
      ]);
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      const financing = await financingOf(run.financingId);
      expect([financing.status, ...[financing.penaltyAccrued, financing.penaltyReversed, financing.repaidPenalty, financing.penaltyOutstanding, financing.principalOutstanding].map((value) => value.toFixed(2))]).toEqual([
        'SETTLED',
        '0.00',
        '4000.00',
        '0.00',
        '0.00',
        '0.00',
      ]);
      expect(financing.penaltyDays).toBe(0);
      // Every charge of D+1 to D+10 is reversed by a reversing entry; none is edited or charged again.
      const days = Array.from({ length: 10 }, (_, index) => addDays(run.dueDate, index + 1));
      expect(await chargesOf(run.financingId)).toEqual(days.map((day) => [day, '400.00', 'reversed']));
      const reversals = await db.prisma.ledgerTransaction.findMany({ where: { code: 'REVERSAL', reverses: { code: 'PENALTY_ACCRUAL', metadata: { path: ['financingId'], equals: run.financingId } } }, include: { reverses: true } });
      expect(reversals.map((row) => (row.reverses!.metadata as { date: string }).date).sort()).toEqual(days);
      const notices = await noticesOf(run.financingId, 'PENALTY_REVERSED');
      expect(notices.length).toBe(3);
      for (const notice of notices) expect(notice.body).toContain(`the penalty of CNY 4,000.00 charged for ${days.join(', ')} was reversed`);
      expect(await money.balance(run.funderCode)).toBe('1012000.00');
      await money.expectLedgerWhole();
    });
  });

  it('charges penalty from D+1 on a partial repayment received within the grace days, and puts all of it to principal', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, 10));
      expect((await financingOf(run.financingId)).penaltyAccrued.toFixed(2)).toBe('4000.00');
      // 300,000.00 received by the bank on D+2, reported on D+10; nothing else is paid.
      await money.payValueDated(run.collectionVan, '300000.00', 8);
      await expect.poll(async () => (await allocationsOf(run.financingId)).length, { timeout: 20_000 }).toBe(1);
      // Not whole at the end of D+3: penalty from D+1, on 800,000.00 for D+1 and D+2 and on
      // 500,000.00 from D+3 (500,000.00 × 0.18 / 360 = 250.00). At D+2 no penalty was owed yet,
      // so the waterfall (penalty, fees, interest, principal) puts all 300,000.00 to principal.
      const [allocation] = await allocationsOf(run.financingId);
      expect([allocation!.valueDate?.toISOString().slice(0, 10), ...[allocation!.collected, allocation!.penalty, allocation!.principal, allocation!.penaltyReversed, allocation!.outstandingAfter].map((value) => value.toFixed(2))]).toEqual([
        addDays(run.dueDate, 2),
        '300000.00',
        '0.00',
        '300000.00',
        '1200.00',
        '502800.00',
      ]);
      const financing = await financingOf(run.financingId);
      expect([financing.status, ...[financing.penaltyAccrued, financing.penaltyReversed, financing.repaidPenalty, financing.penaltyOutstanding, financing.principalOutstanding].map((value) => value.toFixed(2))]).toEqual([
        'OVERDUE',
        '2800.00',
        '1200.00',
        '0.00',
        '2800.00',
        '500000.00',
      ]);
      expect(financing.penaltyDays).toBe(10);
      const later = Array.from({ length: 8 }, (_, index) => addDays(run.dueDate, index + 3));
      expect(await chargesOf(run.financingId)).toEqual([
        [addDays(run.dueDate, 1), '400.00', 'standing'],
        [addDays(run.dueDate, 2), '400.00', 'standing'],
        ...later.flatMap((day) => [
          [day, '400.00', 'reversed'],
          [day, '250.00', 'standing'],
        ]),
      ]);
      // The notices follow the step that reversed the charges.
      await expect.poll(async () => (await noticesOf(run.financingId, 'PENALTY_REVERSED')).length, { timeout: 20_000 }).toBe(3);
      for (const notice of await noticesOf(run.financingId, 'PENALTY_REVERSED')) expect(notice.body).toContain(`the penalty of CNY 1,200.00 charged for ${later.join(', ')} was reversed`);
      // The next day is charged on 500,000.00.
      await money.sleepUntil(addDays(run.dueDate, 11));
      expect((await financingOf(run.financingId)).penaltyAccrued.toFixed(2)).toBe('3050.00');
      expect(await money.balance(run.funderCode)).toBe('512000.00');
      await money.expectLedgerWhole();
    });
  });

  it('allocates what is in the collection account before recourse, and claims only the shortfall', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed({ recourse: true, recourseAfterDays: 30 });
      await money.pay(await money.virtualAccountOf(run.supplierCode), '500000.00', '深圳市华强精密电子有限公司');
      // The core enterprise pays 600,000.00 late on D+29; its wake-up is lost, so the money waits in the account for the recourse day.
      await money.sleepUntil(addDays(run.dueDate, 29), 23);
      await money.payWithoutWakeUp(run.collectionVan, '600000.00');
      await money.sleepUntil(addDays(run.dueDate, 30));
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-recourse-after-allocation');
      const allocations = await allocationsOf(run.financingId);
      expect(allocations.map((row) => [row.source, row.collected, row.penalty, row.principal, row.surplus].map((value) => (typeof value === 'string' ? value : value.toFixed(2))))).toEqual([
        ['REPAYMENT', '600000.00', '11600.00', '588400.00', '0.00'],
        ['RECOURSE', '211705.80', '105.80', '211600.00', '0.00'],
      ]);
      const financing = await financingOf(run.financingId);
      expect([financing.recourseClaimed, financing.penaltyAccrued, financing.surplusReturned].map((value) => value.toFixed(2))).toEqual(['211705.80', '11705.80', '0.00']);
      expect(await money.balance(run.supplierCode)).toBe('288294.20');
      expect(await money.balance(run.funderCode)).toBe('1023705.80');
      const [notice] = await noticesOf(run.financingId, 'RECOURSE_CLAIMED');
      expect(notice?.body).toContain('211,705.80');
      await money.expectLedgerWhole();
    });
  });

  it('returns an over-payment to the supplier up to the confirmed amount and holds the rest in suspense for the payer', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      const suspenseBefore = await money.balance(platformAccountCode('SUSPENSE', 'CNY'));
      await money.sleepUntil(run.dueDate);
      await money.pay(run.collectionVan, '1010000.00');
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-over-paid-beyond-the-receivable');
      const [allocation] = await allocationsOf(run.financingId);
      expect([allocation!.principal, allocation!.surplus, allocation!.overpaid].map((value) => value.toFixed(2))).toEqual(['800000.00', '200000.00', '10000.00']);
      const financing = await financingOf(run.financingId);
      expect([financing.surplusReturned, financing.overpaymentHeld].map((value) => value.toFixed(2))).toEqual(['200000.00', '10000.00']);
      expect(await money.balance(run.supplierCode)).toBe('200000.00');
      expect(Number(await money.balance(platformAccountCode('SUSPENSE', 'CNY'))) - Number(suspenseBefore)).toBe(10000);
      await money.expectLedgerWhole();
    });
  });

  it('keeps every run of a financing 400 days overdue under the bound, charging each day once', { timeout: 600_000 }, async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, 400));
      const financing = await financingOf(run.financingId);
      expect([financing.status, financing.penaltyAccrued.toFixed(2)]).toEqual(['OVERDUE', '160000.00']);
      expect(await db.prisma.ledgerTransaction.count({ where: { code: 'PENALTY_ACCRUAL', idempotencyKey: { startsWith: `financing:${run.financingId}:penalty:` } } })).toBe(400);
      const runs = await runsOf(run.financingId);
      expect(runs.length).toBeGreaterThan(1);
      for (const events of runs) expect(events, `events per run: ${runs.join(", ")}`).toBeLessThanOrEqual(RUN_HISTORY_EVENTS_MAX);
      await money.pay(run.collectionVan, '960000.00');
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      const allocations = await allocationsOf(run.financingId);
      expect(allocations.map((row) => [row.penalty.toFixed(2), row.principal.toFixed(2), row.surplus.toFixed(2)])).toEqual([['160000.00', '800000.00', '0.00']]);
      await money.expectLedgerWhole();
    });
  });

  it('keeps every run under the bound while a payout stays UNKNOWN for 60 days, and names DISBURSED once it settles', { timeout: 600_000 }, async () => {
    await worker.runUntil(async () => {
      // The bank never receives the instruction: every submission and resubmission times out.
      await stack.bank.script({ behaviour: 'TIMEOUT_NOT_RECEIVED', times: 1000 });
      await stack.bank.script({ behaviour: 'TIMEOUT_NOT_RECEIVED', times: 1000 });
      const run = await money.disbursed({}, 'DISBURSING');
      await env.sleep(60 * DAY);
      const handle = env.client.workflow.getHandle(workflowIds.financing(run.financingId));
      const payouts = await db.prisma.payout.findMany({ where: { financingId: run.financingId } });
      expect(payouts.map((row) => [row.attempt, row.status])).toEqual([[1, 'UNKNOWN']]);
      expect((await handle.query(financingStateQuery)).status).toBe('DISBURSING');
      const runs = await runsOf(run.financingId);
      expect(runs.length).toBeGreaterThan(1);
      for (const events of runs) expect(events, `events per run: ${runs.join(", ")}`).toBeLessThanOrEqual(RUN_HISTORY_EVENTS_MAX);
      // The bank is reachable again: the next resubmission, under the same reference, settles.
      await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
      await env.sleep(2 * 60 * 60 * 1000);
      expect([(await financingOf(run.financingId)).status, (await handle.query(financingStateQuery)).status]).toEqual(['DISBURSED', 'DISBURSED']);
      expect(await db.prisma.payout.count({ where: { financingId: run.financingId } })).toBe(1);
      expect((await stack.bank.queryPayout(payouts[0]!.payoutReference))?.status).toBe('SETTLED');
      await money.expectLedgerWhole();
    });
  });

  const RETRY = `mutation ($id: ID!) { retryPayout(financingId: $id) { __typename ... on Payout { payoutReference status attempt } ... on Error { code message } } }`;

  it('picks up a payout waiting for a retry in a run continued as new, and settles', async () => {
    await worker.runUntil(async () => {
      await stack.bank.script({ behaviour: 'FAIL', reason: '账户已销户 account closed' });
      const run = await money.disbursed({}, 'PAYOUT_FAILED');
      const handle = env.client.workflow.getHandle(workflowIds.financing(run.financingId));
      // Stand in for a continue-as-new while the payout waits for a person: end this run, start the next with what it carries.
      await handle.terminate('test: continue as new');
      const financing = await financingOf(run.financingId);
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
            resumeServicing: { recourseDone: false, settled: false, overdueTold: false, payout: { step: 'AWAITING_RETRY' } },
          },
        ],
      });
      await expect.poll(async () => (await resumed.query(financingStateQuery)).status, { timeout: 20_000 }).toBe('PAYOUT_FAILED');
      await registerBankAccount(db.prisma, await actorOf(db.prisma, run.supplier), run.supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6217000011112222333', bankName: '中国建设银行深圳分行' });
      expect(await api.call(run.supplier.token, RETRY, { id: globalId('Financing', run.financingId) })).toMatchObject({ __typename: 'Payout', attempt: 2 });
      await expect.poll(async () => (await financingOf(run.financingId)).status, { timeout: 20_000 }).toBe('DISBURSED');
      await money.sleepUntil(run.dueDate);
      await money.pay(run.collectionVan, '800000.00');
      expect(((await resumed.result()) as { status: string }).status).toBe('SETTLED');
      await record(run.financingId, 'financing-continued-as-new-awaiting-retry');
      expect((await db.prisma.payout.findMany({ where: { financingId: run.financingId }, orderBy: { attempt: 'asc' } })).map((row) => row.status)).toEqual(['FAILED', 'SETTLED']);
      await money.expectLedgerWhole();
    });
  });


  it('tells the supplier of each payout failure, names PAYOUT_FAILED, and a retry after settlement does not report DISBURSING', async () => {
    await worker.runUntil(async () => {
      await stack.bank.script({ behaviour: 'FAIL', reason: '账户已销户 account closed', times: 2 });
      const run = await money.disbursed({}, 'PAYOUT_FAILED');
      const handle = env.client.workflow.getHandle(workflowIds.financing(run.financingId));
      expect((await handle.query(financingStateQuery)).status).toBe('PAYOUT_FAILED');
      const retried = await api.call(run.supplier.token, RETRY, { id: globalId('Financing', run.financingId) });
      expect(retried).toMatchObject({ __typename: 'Payout', attempt: 2 });
      await expect.poll(async () => (await noticesOf(run.financingId, 'PAYOUT_FAILED')).length, { timeout: 20_000 }).toBe(2);
      expect((await handle.query(financingStateQuery)).status).toBe('PAYOUT_FAILED');
      // The core enterprise pays at maturity while the payout still waits for a person.
      await money.sleepUntil(run.dueDate);
      await money.pay(run.collectionVan, '800000.00');
      await expect.poll(async () => (await financingOf(run.financingId)).status, { timeout: 20_000 }).toBe('SETTLED');
      await registerBankAccount(db.prisma, await actorOf(db.prisma, run.supplier), run.supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6217000011112222333', bankName: '中国建设银行深圳分行' });
      expect(await api.call(run.supplier.token, RETRY, { id: globalId('Financing', run.financingId) })).toMatchObject({ __typename: 'Payout', attempt: 3 });
      expect((await handle.query(financingStateQuery)).status).toBe('SETTLED');
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await record(run.financingId, 'financing-payout-failed-twice-then-settled');
      await money.expectLedgerWhole();
    });
  });
  it('stops waiting for a payout retry once recourse used all the proceeds and the financing is settled: no retry can pay anything out', async () => {
    await worker.runUntil(async () => {
      await stack.bank.script({ behaviour: 'FAIL', reason: '账户已销户 account closed' });
      const run = await money.disbursed({ recourse: true, recourseAfterDays: 30 }, 'PAYOUT_FAILED');
      // Nobody retries. The supplier has 500,000.00 of its own beside the 787,200.00 of proceeds.
      await money.pay(await money.virtualAccountOf(run.supplierCode), '500000.00', '深圳市华强精密电子有限公司');
      await money.sleepUntil(addDays(run.dueDate, 30));
      // D+30: 800,000.00 + 30 × 400.00 = 812,000.00 owed and claimed whole, the proceeds first.
      await expect.poll(async () => (await financingOf(run.financingId)).status, { timeout: 20_000 }).toBe('SETTLED');
      const financing = await financingOf(run.financingId);
      expect([financing.recourseClaimed, financing.proceedsNetted].map((value) => value.toFixed(2))).toEqual(['812000.00', '787200.00']);
      expect(await money.balance(run.supplierCode)).toBe('475200.00');
      // The workflow ends rather than wait for ever for a retry the database refuses.
      const handle = env.client.workflow.getHandle(workflowIds.financing(run.financingId));
      await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000 }).toBe('COMPLETED');
      expect(((await handle.result()) as { status: string }).status).toBe('SETTLED');
      expect(await api.call(run.supplier.token, RETRY, { id: globalId('Financing', run.financingId) })).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE' });
      expect((await db.prisma.payout.findMany({ where: { financingId: run.financingId } })).map((row) => row.status)).toEqual(['FAILED']);
      await record(run.financingId, 'financing-proceeds-used-by-recourse');
      await money.expectLedgerWhole();
    });
  });
});
