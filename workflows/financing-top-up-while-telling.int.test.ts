import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { startHeldActivityStack, type HeldActivityStack } from '../test/support/held-activity-stack';

// A funder's top-up signals the financing waiting for it at once. A top-up that arrives while
// the financing is still telling the funder that funding is required (after its attempt to
// reserve, before it waits) must count too: if the wait began counting after the notice, that
// signal was lost and the financing waited for its hourly look (FUNDING_RECHECK_MS), on a
// workflow clock that a skipping test server runs a minute at a time here, forty at most.

describe('a top-up that arrives while the funder is being told', () => {
  let db: TestDatabase;
  let holding: HeldActivityStack;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    holding = await startHeldActivityStack(db, 'notifyFinancingParty', (input) => (input.kind === 'FUNDING_REQUIRED' ? `${input.to}:${input.kind}` : null));
  });
  afterEach(async () => {
    holding?.release();
    await holding?.stack.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is not lost: the financing is funded and disbursed without waiting for the hourly look', async () => {
    const { worker, money, held, release } = holding;
    await worker.runUntil(async () => {
      const run = await money.disbursed({}, 'FUNDING_PENDING', { funderToppedUp: false });
      await expect.poll(() => held.length, { timeout: 20_000 }).toBeGreaterThan(0);
      await money.pay(await money.virtualAccountOf(run.funderCode), '1000000.00', '前海恒信商业保理有限公司');
      release();
      await money.reached(run.financingId, 'DISBURSED');
      expect(await db.prisma.payout.count({ where: { financingId: run.financingId, status: 'SETTLED' } })).toBe(1);
      await money.expectLedgerWhole();
    });
  }, 180_000);
});
