import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createActor, type TestActor } from '../../test/support/parties';
import type { PrismaClient } from '../client';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { registerReceivable } from './receivable-store';

// A client whose registration timed out sends it again with the same idempotency key while the
// first is still being written: both reach the store at once. Whichever commits second must
// answer the first's receivable (replayed), never refuse its own invoices as encumbered.

const CONCURRENT_REPEATS = 8;
const ROUNDS = 6;

describe('the same registration sent several times at once', () => {
  let db: TestDatabase;
  let supplier: TestActor;
  let core: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('registers one receivable and answers every repeat with it', async () => {
    const actor = await actorOf(db.prisma, supplier);
    for (let round = 0; round < ROUNDS; round += 1) {
      const input = registrationInput(core.creditCode, { idempotencyKey: `race-${round}` });
      const outcomes = await Promise.allSettled(Array.from({ length: CONCURRENT_REPEATS }, () => registerReceivable(db.prisma, actor, input, { confirmationWindowMs: 86_400_000 })));
      const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
      expect(refusals).toEqual([]);
      const answers = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      expect(new Set(answers.map((answer) => answer.receivable.id)).size).toBe(1);
      expect(answers.filter((answer) => !answer.replayed)).toHaveLength(1);
    }
    expect(await db.prisma.receivable.count({ where: { supplierPartyId: supplier.partyId } })).toBe(ROUNDS);
  });

  it('answers the earlier receivable when it was committed between the lookup of the key and the registration', async () => {
    const actor = await actorOf(db.prisma, supplier);
    const input = registrationInput(core.creditCode, { idempotencyKey: 'committed-meanwhile' });
    const first = await registerReceivable(db.prisma, actor, input, { confirmationWindowMs: 86_400_000 });
    // The repeat's first lookup of the key runs before the first request commits: it misses.
    let lookups = 0;
    const lateCommit = db.prisma.$extends({
      query: {
        receivable: {
          findUnique: async ({ args, query }) => {
            lookups += 1;
            return lookups === 1 ? null : query(args);
          },
        },
      },
    }) as unknown as PrismaClient;
    const repeat = await registerReceivable(lateCommit, actor, input, { confirmationWindowMs: 86_400_000 });
    expect(repeat).toMatchObject({ replayed: true, receivable: { id: first.receivable.id } });
  });
});
