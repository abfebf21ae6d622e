import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { testLogger } from '../test/support/logger';
import { moneyScenario, type MoneyScenario } from '../test/support/money-scenario';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities } from './activities';

// The worked case "penalty reversed" (docs/workflows/financing.md): 800,000.00, penalty 400.00 a
// day after 3 grace days; by D+10 ten days (4,000.00) are charged. On D+10 the bank reports
// 803,200.00 it received on D+8: allocated as of D+8, the charges of D+9 and D+10 (800.00) are
// reversed, and the supplier, the funder and the core enterprise are told (PENALTY_REVERSED).
//
// The servicing step that allocates the credit commits, and the worker dies before it reports:
// Temporal runs the activity again with the same input. The retry finds the credit allocated and
// the charges reversed, and answers with no reversal, so nobody is ever told that 800.00 of
// penalty was taken back: the parties' inboxes differ from those of one clean run.

describe('a servicing step that reversed penalty, retried after it committed', () => {
  let db: TestDatabase;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  let money: MoneyScenario;
  let lostAnswers = 0;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    money = moneyScenario(db, stack);
    await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: stack.bank });
    worker = await createTestWorker(db.prisma, {
      connection: stack.env.nativeConnection,
      namespace: stack.env.namespace,
      taskQueue: stack.api.taskQueue,
      bank: stack.bank,
      activities: {
        // The first step that reverses penalty commits, then its worker dies before it reports.
        async serviceFinancing(input) {
          const view = await real.serviceFinancing(input);
          if (view.reversals.length > 0 && lostAnswers === 0) {
            lostAnswers += 1;
            throw new Error('the worker died after the step committed');
          }
          return view;
        },
      },
    });
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('still tells the supplier, the funder and the core enterprise that 800.00 of penalty was reversed', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      await money.sleepUntil(addDays(run.dueDate, 10));
      // Received by the bank on D+8 (3,200.00 of penalty and the principal), reported on D+10.
      await money.payValueDated(run.collectionVan, '803200.00', 2);
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      expect(lostAnswers).toBe(1);

      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: run.financingId } });
      expect([financing.penaltyAccrued, financing.penaltyReversed, financing.repaidPenalty].map((value) => value.toFixed(2))).toEqual(['3200.00', '800.00', '3200.00']);
      const notices = await db.prisma.notification.findMany({ where: { financingId: run.financingId, kind: 'PENALTY_REVERSED' }, orderBy: { partyId: 'asc' } });
      expect(notices.map((notice) => notice.partyId).sort()).toEqual([run.supplier.partyId, run.parties.funder.partyId, run.parties.core.partyId].sort());
      for (const notice of notices) expect(notice.body).toContain('CNY 800.00');
    });
  });
});
