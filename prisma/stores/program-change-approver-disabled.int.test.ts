import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_PROGRAM_TERMS, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { disableUser } from './party-store';
import { approveProgramChange, proposeTermsAmendment } from './program-change-store';

// A program change needs the platform's four eyes (an operator proposes, an operator CHECKER
// approves) and the funder's consent, in either order; the second approval applies it. Disabling
// a user (a stolen key, a person who left) takes back its word on everything still waiting for
// another person (docs/security.md, "Four eyes"). An operator CHECKER approves for the platform a
// change raising the program limit from 1,000,000.00 to 50,000,000.00 and cutting the rate to
// 0; its key turns out to be stolen and an administrator disables it at once. The funder's
// checker, trusting that the platform checked the change, approves: the change must not apply
// on the word of the disabled checker, and the program keeps its limit and rate.

describe("a program change whose platform approver was disabled before the funder's approval", () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let platformChecker: TestActor;
  let platformAdministrator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
    platformChecker = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] });
    platformAdministrator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['ADMIN'] });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is not applied by the second side once the first side approved with a user since disabled', async () => {
    const terms = { ...TEST_PROGRAM_TERMS, programLimit: '50000000.00', annualRate: '0' };
    const proposed = await proposeTermsAmendment(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, terms, 'raise-limit');
    await approveProgramChange(db.prisma, await actorOf(db.prisma, platformChecker), proposed.id, 'raise-limit:platform');
    // The checker's key was stolen: one administrator disables the user at once.
    await disableUser(db.prisma, await actorOf(db.prisma, platformAdministrator), platformChecker.userId);

    const answer = await approveProgramChange(db.prisma, await actorOf(db.prisma, parties.funderChecker), proposed.id, 'raise-limit:funder').then(
      (change) => `approved, change ${change.status}`,
      (error: Error & { code?: string }) => `refused ${error.name}`,
    );
    const change = await db.prisma.programChange.findUniqueOrThrow({ where: { id: proposed.id } });
    const latest = await db.prisma.programTerms.findFirstOrThrow({ where: { programId: parties.programId }, orderBy: { version: 'desc' } });
    const programLimit = await db.prisma.creditLimit.findFirstOrThrow({ where: { programId: parties.programId, kind: 'PROGRAM' } });

    expect({
      answer,
      change: change.status,
      termsVersion: latest.version,
      annualRate: latest.annualRate.toFixed(2),
      programLimitGranted: programLimit.granted.toFixed(2),
    }).toEqual({
      answer: 'refused WrongStateError',
      change: 'PROPOSED',
      termsVersion: 1,
      annualRate: '0.06',
      programLimitGranted: '1000000.00',
    });
  });
});
