import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { DEMO_PROGRAM_TERMS } from '../seed';
import { createUser } from './party-store';
import { validateProgramInput } from './program-store';

// A user's display name is printed on the documents the user confirms, acknowledges or approves,
// and a program's name on the terms summary of every financing under it: a character the
// documents' font lacks is refused when the text is entered, naming it, and nothing is stored.

describe('names the documents print', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("refuses a user's display name the documents cannot print, and stores no user", async () => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const before = await db.prisma.user.count({ where: { partyId: admin.partyId } });
    const refusal = await createUser(db.prisma, await actorOf(db.prisma, admin), { partyId: admin.partyId, email: 'zhang.wei@test.example', displayName: '张伟😀', roles: ['MAKER'] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as ValidationError).issues).toEqual([{ path: ['input', 'displayName'], message: `must not contain "😀" (U+1F600): the documents' font cannot print it` }]);
    expect(await db.prisma.user.count({ where: { partyId: admin.partyId } })).toBe(before);
  });

  it("refuses a program's name the documents cannot print", () => {
    expect(() => validateProgramInput({ name: '云海供应链𡈽保理计划', currency: 'CNY', terms: DEMO_PROGRAM_TERMS })).toThrow(/input\.name: must not contain "𡈽" \(U\+2123D\)/);
    expect(validateProgramInput({ name: '云海供应链 2026 保理计划', currency: 'CNY', terms: DEMO_PROGRAM_TERMS }).name).toBe('云海供应链 2026 保理计划');
  });
});
