import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';

// A change of a user's roles is decided by "a second ADMIN of the proposer's party, neither the
// proposer nor the user" (docs/security.md, "Four eyes"), and one person with two users is the
// hazard every four-eyes check guards against. An administrator who proposed a second user of
// its own is that user in all but name: its decision on a change of the administrator's own
// roles is the administrator deciding for itself.

const ERRORS = `... on Error { code message }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename ... on User { id status } ${ERRORS} } }`;
const APPROVE_USER = `mutation ($input: ApproveUserInput!) { approveUser(input: $input) { __typename ... on IssuedApiKey { token } ${ERRORS} } }`;
const CHANGE = `__typename ... on UserRoleChange { id status roles } ${ERRORS}`;
const PROPOSE_ROLES = `mutation ($input: ProposeUserRolesInput!) { proposeUserRoles(input: $input) { ${CHANGE} } }`;
const APPROVE_ROLES = `mutation ($id: ID!) { approveUserRoles(id: $id) { ${CHANGE} } }`;
const REJECT_ROLES = `mutation ($id: ID!) { rejectUserRoles(id: $id) { ${CHANGE} } }`;

describe("a change of an administrator's roles decided by a user that administrator proposed", () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /**
   * A party with three administrators, and a second user `subject` proposed for itself (an
   * ADMIN, approved by a colleague who handed the token back to it).
   */
  async function partyWithSecondUser(email: string) {
    const subject = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN'] });
    const approver = await createActor(db.prisma, { partyId: subject.partyId, userRoles: ['ADMIN'] });
    const colleague = await createActor(db.prisma, { partyId: subject.partyId, userRoles: ['ADMIN'] });
    const created = await api.call(subject.token, CREATE_USER, { input: { partyId: globalId('Party', subject.partyId), email, displayName: 'second login', roles: ['ADMIN'] } });
    expect(created).toMatchObject({ __typename: 'User', status: 'PENDING' });
    const approved = await api.call(approver.token, APPROVE_USER, { input: { userId: created.id, apiKeyLabel: 'first' } });
    expect(approved.__typename).toBe('IssuedApiKey');
    const secondLogin = approved.token as string;
    return { subject, colleague, secondLogin };
  }

  const rolesOf = async (userId: string) => (await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).roles;

  it('does not let an administrator reject its own removal with the second user it proposed', async () => {
    const { subject, colleague, secondLogin } = await partyWithSecondUser('second.login@funder.example');
    // The colleague proposes to take the ADMIN role away (the administrator is leaving its post).
    const demotion = await api.call(colleague.token, PROPOSE_ROLES, { input: { userId: globalId('User', subject.userId), roles: ['VIEWER'] } });
    expect(demotion).toMatchObject({ __typename: 'UserRoleChange', status: 'PENDING' });
    // The administrator itself is refused; its second login must be refused alike.
    expect(await api.call(subject.token, REJECT_ROLES, { id: demotion.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'OWN_ROLES' });

    const decided = await api.call(secondLogin, REJECT_ROLES, { id: demotion.id });
    expect(decided.__typename).toBe('ForbiddenError');
    expect((await db.prisma.userRoleChange.findFirstOrThrow({ where: { userId: subject.userId } })).status).toBe('PENDING');
    expect(await rolesOf(subject.userId)).toEqual(['ADMIN']);
  });

  it('does not let an administrator approve a grant of its own roles with the second user it proposed', async () => {
    const { subject, colleague, secondLogin } = await partyWithSecondUser('another.login@funder.example');
    const grant = await api.call(colleague.token, PROPOSE_ROLES, { input: { userId: globalId('User', subject.userId), roles: ['ADMIN', 'CHECKER'] } });
    expect(grant).toMatchObject({ __typename: 'UserRoleChange', status: 'PENDING' });

    const decided = await api.call(secondLogin, APPROVE_ROLES, { id: grant.id });
    expect(decided.__typename).toBe('ForbiddenError');
    expect(await rolesOf(subject.userId)).toEqual(['ADMIN']);
  });
});
