import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { moneyScenario, type MoneyScenario } from '../test/support/money-scenario';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities } from './activities';
import type { FinancingNotificationKind } from './contracts/financing';
import { testLogger } from '../test/support/logger';

// The money never waits for an inbox message: the news of the approval (to the supplier and,
// under open assignment, the core enterprise) and of the disbursement are held here, and the
// financing is funded, disbursed and paid out all the same. Once released, every notice is
// stored, the supplier's in the order things happened (approved before disbursed), and the
// financing settles.

const HELD: readonly FinancingNotificationKind[] = ['FINANCING_APPROVED', 'FINANCING_DISBURSED'];

describe('notices after approval are sent alongside the money', () => {
  let db: TestDatabase;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  let money: MoneyScenario;
  let release: () => void;
  let held: string[];

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    money = moneyScenario(db, stack);
    await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
    held = [];
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: stack.bank });
    worker = await createTestWorker(db.prisma, {
      connection: stack.env.nativeConnection,
      namespace: stack.env.namespace,
      taskQueue: stack.api.taskQueue,
      bank: stack.bank,
      activities: {
        async notifyFinancingParty(input) {
          if (HELD.includes(input.kind)) {
            held.push(`${input.to}:${input.kind}`);
            await released;
          }
          return real.notifyFinancingParty(input);
        },
      },
    });
  });
  afterEach(async () => {
    release?.();
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('pays out and reaches DISBURSED while the approval is still being told, then tells the supplier in order', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      const told = async () =>
        (await db.prisma.notification.findMany({ where: { financingId: run.financingId, kind: { in: [...HELD] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { kind: true, partyId: true } })).map(
          (row) => `${row.partyId === run.supplier.partyId ? 'SUPPLIER' : 'OTHER'}:${row.kind}`,
        );
      // The disbursement's notice waits for the approval's: the supplier never hears of the money before the approval.
      // A held attempt that outlives its timeout on the skipping clock is tried again, and held again.
      expect([...new Set(held)].sort()).toEqual(['OBLIGOR:FINANCING_APPROVED', 'SUPPLIER:FINANCING_APPROVED']);
      expect(await told()).toEqual([]);
      expect(await db.prisma.payout.count({ where: { financingId: run.financingId, status: 'SETTLED' } })).toBe(1);

      release();
      await expect.poll(told, { timeout: 20_000 }).toHaveLength(3);
      const supplierTold = (await told()).filter((entry) => entry.startsWith('SUPPLIER:'));
      expect(supplierTold).toEqual(['SUPPLIER:FINANCING_APPROVED', 'SUPPLIER:FINANCING_DISBURSED']);
      await money.pay(run.collectionVan, '800000.00');
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      await money.expectLedgerWhole();
    });
  }, 180_000);
});
