import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { startHeldActivityStack, type HeldActivityStack } from '../test/support/held-activity-stack';
import type { FinancingNotificationKind } from './contracts/financing';

// The money never waits for an inbox message: the news of the approval (to the supplier and,
// under open assignment, the core enterprise) and of the disbursement are held here, and the
// financing is funded, disbursed and paid out all the same. Once released, every notice is
// stored, the supplier's in the order things happened (approved before disbursed), and the
// financing settles.

const HELD: readonly FinancingNotificationKind[] = ['FINANCING_APPROVED', 'FINANCING_DISBURSED'];

describe('notices after approval are sent alongside the money', () => {
  let db: TestDatabase;
  let holding: HeldActivityStack;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    holding = await startHeldActivityStack(db, 'notifyFinancingParty', (input) => (HELD.includes(input.kind) ? `${input.to}:${input.kind}` : null));
  });
  afterEach(async () => {
    holding?.release();
    await holding?.stack.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('pays out and reaches DISBURSED while the approval is still being told, then tells the supplier in order', async () => {
    const { worker, money, held, release } = holding;
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
