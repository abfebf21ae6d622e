import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { startHeldActivityStack, type HeldActivityStack } from '../test/support/held-activity-stack';

// A disbursement never waits for a PDF: the terms summary (rendered after approval) and the
// disbursement advice (rendered after the disbursement) are held here until the money has
// reached the supplier's bank, and the financing is DISBURSED all the same; once released
// they are stored, and the financing settles with every document.

describe('documents after approval are rendered alongside the money', () => {
  let db: TestDatabase;
  let holding: HeldActivityStack;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    holding = await startHeldActivityStack(db, 'generateFinancingDocument', (input) => (input.kind === 'FINANCING_TERMS' || input.kind === 'DISBURSEMENT_ADVICE' ? input.kind : null));
  });
  afterEach(async () => {
    holding?.release();
    await holding?.stack.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('pays out and reaches DISBURSED while the terms summary and the advice are still rendering, then stores both', async () => {
    const { worker, money, held, release } = holding;
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      const kindsStored = async () => (await db.prisma.document.findMany({ where: { financingId: run.financingId }, select: { kind: true } })).map((document) => document.kind).sort();
      expect(new Set(held)).toEqual(new Set(['FINANCING_TERMS', 'DISBURSEMENT_ADVICE']));
      expect(await kindsStored()).not.toContain('FINANCING_TERMS');
      expect(await kindsStored()).not.toContain('DISBURSEMENT_ADVICE');
      expect(await db.prisma.payout.count({ where: { financingId: run.financingId, status: 'SETTLED' } })).toBe(1);

      release();
      await money.pay(run.collectionVan, '800000.00');
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      expect(await kindsStored()).toEqual(['ASSIGNMENT_ACKNOWLEDGEMENT', 'DISBURSEMENT_ADVICE', 'FINANCING_TERMS', 'NOTICE_OF_ASSIGNMENT', 'SETTLEMENT_STATEMENT']);
      await money.expectLedgerWhole();
    });
    // A whole financing, application to settlement, on the time-skipping server.
  }, 180_000);
});
