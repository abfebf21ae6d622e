import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import type { PrismaClient } from '../client';
import { applyForFinancing } from './financing-store';

// A client whose application timed out sends it again with the same idempotency key while the
// first is still being written. When the first commits between the repeat's lookup of the key
// and its transaction, the repeat finds the receivable already FINANCING_PENDING: it must answer
// the first's financing (replayed), never refuse the client's own application as WRONG_STATE.

describe('the same application committed meanwhile', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('answers the earlier financing when it was committed between the lookup of the key and the application', async () => {
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: receivable.id, programId: parties.programId, amount: '200000.00', idempotencyKey: 'committed-meanwhile' };
    const first = await applyForFinancing(db.prisma, actor, input, TEST_FINANCING_WINDOWS);
    // The repeat's first lookup of the key runs before the first request commits: it misses.
    let lookups = 0;
    const lateCommit = db.prisma.$extends({
      query: {
        financing: {
          findUnique: async ({ args, query }) => {
            lookups += 1;
            return lookups === 1 ? null : query(args);
          },
        },
      },
    }) as unknown as PrismaClient;
    const repeat = await applyForFinancing(lateCommit, actor, input, TEST_FINANCING_WINDOWS);
    expect(repeat).toMatchObject({ replayed: true, financing: { id: first.financing.id } });
    expect(await db.prisma.financing.count({ where: { receivableId: receivable.id } })).toBe(1);
  });
});
