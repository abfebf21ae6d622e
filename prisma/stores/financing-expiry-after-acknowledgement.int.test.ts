import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { applyForFinancing, decideFinancing } from './financing-store';

// The acknowledgement window's expiry fires at its deadline while the core enterprise's
// acknowledgement, sent just before it, is still being recorded. The database settles the race:
// the acknowledgement committed first, so the expiry of the acknowledgement window must change
// nothing (docs/workflows/financing.md, Deadlines). The funder's five days have only just begun.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('an acknowledgement window expiring just after the acknowledgement', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('leaves the acknowledged financing waiting for the funder, its limits and receivable still held', async () => {
    const { receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const appliedAt = new Date();
    const { financing } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '1000.00', idempotencyKey: `ack-race-${receivable.id}` }, TEST_FINANCING_WINDOWS, appliedAt);
    const deadline = financing.acknowledgementDeadline!;

    // The core enterprise acknowledges a moment before its deadline: the funder now has five days.
    const acknowledgedAt = new Date(deadline.getTime() - 1);
    const acknowledged = await decideFinancing(
      db.prisma,
      financing.id,
      { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(acknowledgedAt.getTime() + 5 * DAY_MS) },
      { userId: parties.core.userId, partyId: parties.core.partyId },
      `financing:${financing.id}:acknowledge:u1`,
      acknowledgedAt,
    );
    expect(acknowledged.status).toBe('PENDING_APPROVAL');

    // The acknowledgement window's timer fires at its deadline, having not yet seen the answer.
    const afterExpiry = await decideFinancing(db.prisma, financing.id, { kind: 'EXPIRE' }, null, `financing:${financing.id}:expire:PENDING_ACKNOWLEDGEMENT`, deadline);

    expect(afterExpiry.status, 'the funder\'s approval deadline is five days away: nothing may expire yet').toBe('PENDING_APPROVAL');
    const stored = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
    expect(stored.status).toBe('PENDING_APPROVAL');
    const holds = await db.prisma.ledgerHold.findMany({ where: { id: { in: financing.limitHoldIds } } });
    expect(holds.map((hold) => hold.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status).toBe('FINANCING_PENDING');
  });
});
