import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { applyForFinancing } from './financing-store';

// A supplier's client retries its application under the same idempotency key; the retry writes
// the same amount as "1000" where the first request wrote "1000.00". It is the same request (the
// same receivable, program and amount: docs/workflows/financing.md, Application, 2.), so the
// supplier gets its financing back, not IDEMPOTENCY_KEY_REUSED.

describe('an application repeated with the same amount written differently', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers the first financing', async () => {
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: receivable.id, programId: parties.programId, idempotencyKey: `spelling-${receivable.id}` };
    const first = await applyForFinancing(db.prisma, actor, { ...input, amount: '1000.00' }, TEST_FINANCING_WINDOWS);
    const retried = await applyForFinancing(db.prisma, actor, { ...input, amount: '1000' }, TEST_FINANCING_WINDOWS).catch((error: unknown) => error);
    expect(retried).toMatchObject({ replayed: true, financing: { id: first.financing.id } });
    expect(await db.prisma.financing.count({ where: { receivableId: receivable.id } })).toBe(1);
  });
});
