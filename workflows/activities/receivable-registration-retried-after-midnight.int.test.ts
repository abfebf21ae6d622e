import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { testLogger } from '../../test/support/logger';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { createReceivableActivities } from './receivable-activities';

// The registration is the confirmation workflow's first Update (docs/workflows/receivable.md): its
// activity writes the receivable, and Temporal runs it again with the same input when the worker
// dies before reporting. The repeat must be answered with the receivable the first attempt
// registered, "the same answer". Were it refused instead, the run takes the registration as
// refused and ends: the receivable stays REGISTERED with its invoices encumbered, and no workflow
// asks the core enterprise to confirm it or lets it expire.
//
// A supplier registers, at 23:59:58 business time, a receivable due the next day; the first
// attempt commits, its worker dies, and the attempt run again ten seconds later finds the
// receivable under its key, after midnight.

const WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

describe('the registration activity run again after it committed', () => {
  let db: TestDatabase;
  let supplier: TestActor;
  let core: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers with the receivable it registered when the repeat runs just after midnight', async () => {
    const today = businessDateOf(new Date());
    const midnight = startOfBusinessDate(addDays(today, 1)).getTime();
    const input = registrationInput(core.creditCode, { dueDate: addDays(today, 1), idempotencyKey: `midnight-${randomUUID()}` }, new Date(midnight - 2_000));
    const activities = createReceivableActivities({ prisma: db.prisma, logger: testLogger });
    const args = { receivableId: randomUUID(), actor: await actorOf(db.prisma, supplier), input, confirmationWindowMs: WINDOW_MS };

    vi.useFakeTimers({ toFake: ['Date'], now: midnight - 2_000 });
    const first = await activities.registerReceivable(args);
    expect([first.receivableId, first.status, first.replayed]).toEqual([args.receivableId, 'REGISTERED', false]);

    vi.setSystemTime(midnight + 8_000);
    const repeat = await activities.registerReceivable(args).catch((error: unknown) => ({ refused: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
    vi.useRealTimers();

    expect(repeat).toEqual({ ...first, replayed: true });
    const stored = await db.prisma.receivable.findUniqueOrThrow({ where: { id: args.receivableId } });
    expect(stored.status).toBe('REGISTERED');
  });
});
