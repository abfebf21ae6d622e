import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { applyDirectly, createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { decideFinancing } from './financing-store';
import { decideUserRoles, proposeUserRoles } from './user-role-change-store';

// A funder's approval of a financing is a four-eyes act: a MAKER (or CHECKER, or ADMIN) approves,
// a second user confirms. A VIEWER reads and never acts (domain/actor.ts). The funder's maker
// approves 800,000.00; before the checker confirms, two administrators of the funder take the
// maker's power to decide away (its roles become VIEWER only: it moved to another desk). The
// approval waiting for the checker was that user's word as a decider, and it is no longer one:
// as for a maker who was disabled (MAKER_NOT_ACTIVE), the confirmation must not approve the
// financing on it; the financing stays waiting, for rejection or a new approval.

describe('a financing whose approver lost the power to decide before the checker confirmed', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let firstAdministrator: TestActor;
  let secondAdministrator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
    firstAdministrator = await createActor(db.prisma, { partyId: parties.funder.partyId, userRoles: ['ADMIN'] });
    secondAdministrator = await createActor(db.prisma, { partyId: parties.funder.partyId, userRoles: ['ADMIN'] });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is not approved on the word of a user who is now a VIEWER', async () => {
    const { id } = await applyDirectly(db.prisma, parties, '800000.00');
    const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `ack-${id}`);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, as(parties.funder), `approve-${id}`);

    // The maker may no longer decide anything: its roles become VIEWER, with two administrators.
    const change = await proposeUserRoles(db.prisma, await actorOf(db.prisma, firstAdministrator), { userId: parties.funder.userId, roles: ['VIEWER'] });
    expect((await decideUserRoles(db.prisma, await actorOf(db.prisma, secondAdministrator), change.id, true)).status).toBe('APPLIED');

    const answer = await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `confirm-${id}`).then(
      (financing) => `approved, financing ${financing.status}`,
      (error: Error & { code?: string }) => `refused ${error.name}`,
    );
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id } });

    expect({ answer, status: financing.status, approvalConfirmedBy: financing.approvalConfirmedByUserId }).toEqual({
      answer: 'refused WrongStateError',
      status: 'PENDING_CONFIRMATION',
      approvalConfirmedBy: null,
    });
  });
});
