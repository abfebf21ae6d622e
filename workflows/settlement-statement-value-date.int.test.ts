import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { moneyScenario, type MoneyScenario } from '../test/support/money-scenario';
import { compactText, extractPdfText } from '../test/support/pdf';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Money counts from its value date (the day the bank received it), never from when a process
// noticed it: the settlement statement, relied on as proof of payment, must not call a payer
// late that paid on time.

describe('settlement statement of a repayment processed after its value date', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  let money: MoneyScenario;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env } = stack);
    money = moneyScenario(db, stack);
    await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: stack.api.taskQueue, bank: stack.bank });
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('says "not overdue" for 800,000.00 the bank received on the due date and reported 10 days later, not "10 days overdue"', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, 10));
      // Received by the bank on the due date, reported on D+10: the penalty of D+1 to D+10 is reversed.
      await money.payValueDated(run.collectionVan, '800000.00', 10);
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId }, include: { allocations: true } });
      expect([financing.penaltyAccrued.toFixed(2), financing.penaltyDays, financing.allocations.map((row) => row.valueDate.toISOString().slice(0, 10))]).toEqual(['0.00', 0, [run.dueDate]]);

      const document = await db.prisma.document.findFirstOrThrow({ where: { financingId: run.financingId, kind: 'SETTLEMENT_STATEMENT' } });
      const text = compactText((await extractPdfText(new Uint8Array(document.content))).join('\n'));
      expect(/逾期天数Daysoverdue(.*?)罚息Penaltyinterest/.exec(text)?.[1]).toBe(compactText('未逾期 Not overdue'));
    });
  }, 180_000);
});
