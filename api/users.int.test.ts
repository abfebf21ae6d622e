import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startTestApi, type TestApi } from '../test/support/api';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// User administration with four eyes, over real HTTP: one person with two users cannot approve
// its own acts, and the lifecycle of users and keys (docs/security.md, "Four eyes", "Users and keys").

const ERRORS = `... on Error { code message }`;
const STATE = `${ERRORS} ... on WrongStateError { currentState }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename ... on User { id status } ${ERRORS} } }`;
const APPROVE_USER = `mutation ($input: ApproveUserInput!) { approveUser(input: $input) { __typename ... on IssuedApiKey { token apiKey { id expiresAt } } ${STATE} } }`;
const REJECT_USER = `mutation ($id: ID!) { rejectUser(id: $id) { __typename ... on User { status } ${STATE} } }`;
const DISABLE_USER = `mutation ($id: ID!) { disableUser(id: $id) { __typename ... on User { status } ${ERRORS} } }`;
const REVOKE_ALL = `mutation ($id: ID!) { revokeUserApiKeys(id: $id) { __typename ... on User { id } ${ERRORS} } }`;
const ISSUE = `mutation ($input: IssueApiKeyInput!) { issueApiKey(input: $input) { __typename ... on IssuedApiKey { token apiKey { expiresAt } } ${ERRORS} } }`;
const REGISTER = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { __typename ... on PartyBankAccount { id } ${ERRORS} } }`;
const APPROVE_ACCOUNT = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { __typename ... on PartyBankAccount { status } ${STATE} } }`;
const WHO = '{ viewer { apiKey { id } } }';
const CHANGE = `__typename ... on UserRoleChange { id status roles previousRoles proposedBy { id } decidedBy { id } user { roles } } ${STATE}`;
const PROPOSE_ROLES = `mutation ($input: ProposeUserRolesInput!) { proposeUserRoles(input: $input) { ${CHANGE} } }`;
const APPROVE_ROLES = `mutation ($id: ID!) { approveUserRoles(id: $id) { ${CHANGE} } }`;
const REJECT_ROLES = `mutation ($id: ID!) { rejectUserRoles(id: $id) { ${CHANGE} } }`;

describe('API: four eyes on user administration, and the lifecycle of users and keys', () => {
  let db: TestDatabase;
  let api: TestApi;
  let adminA: TestActor;
  let adminB: TestActor;
  let operatorA: TestActor;
  let operatorB: TestActor;
  const NAME = '前海恒信商业保理有限公司';

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operatorA = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
    operatorB = await createActor(db.prisma, { partyId: operatorA.partyId, userRoles: ['ADMIN'] });
    adminA = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN', 'MAKER'], legalName: NAME });
    adminB = await createActor(db.prisma, { partyId: adminA.partyId, userRoles: ['ADMIN'] });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function propose(by: TestActor, partyId: string, email: string, roles: string[]): Promise<string> {
    const created = await api.call(by.token, CREATE_USER, { input: { partyId: globalId('Party', partyId), email, displayName: email, roles } });
    expect(created).toMatchObject({ __typename: 'User', status: 'PENDING' });
    return created.id as string;
  }

  it('keeps a proposed user pending until a second administrator approves, and never lets the proposer approve', async () => {
    const userId = await propose(adminA, adminA.partyId, 'alt.checker@funder.example', ['CHECKER']);
    expect(await api.call(adminA.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'first' } })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(adminA.token, ISSUE, { input: { userId, label: 'mine now' } })).toMatchObject({ __typename: 'ForbiddenError', code: 'KEY_FOR_ANOTHER_USER' });
    expect(await db.prisma.apiKey.count({ where: { userId: rowId(userId) } })).toBe(0);

    const approved = await api.call(adminB.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'first' } });
    expect(approved.__typename).toBe('IssuedApiKey');
    expect((await api.request(approved.token, WHO)).status).toBe(200);
    expect(await api.call(adminB.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'again' } })).toMatchObject({ __typename: 'WrongStateError', currentState: 'ACTIVE' });

    // The checker adminA created cannot check adminA's payout account, though it is another user.
    const registered = await api.call(adminA.token, REGISTER, { input: { accountName: NAME, accountNumber: '6222020200012345', bankName: '招商银行深圳分行' } });
    expect(await api.call(approved.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
  });

  it('lets a rejected or pending user never authenticate, and another party never decide it', async () => {
    const userId = await propose(adminA, adminA.partyId, 'rejected@funder.example', ['VIEWER']);
    const outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    expect(await api.call(outsider.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'x' } })).toMatchObject({ __typename: 'NotFoundError' });
    // An operator is not of the proposer's party: a party's own proposal is checked by the party.
    expect(await api.call(operatorA.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'x' } })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await api.call(adminB.token, REJECT_USER, { id: userId })).toMatchObject({ __typename: 'User', status: 'REJECTED' });
    expect(await api.call(adminB.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'x' } })).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
  });

  it("sets up a party's first administrators with two operators", async () => {
    const party = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['VIEWER'] });
    const userId = await propose(operatorA, party.partyId, 'first.admin@supplier.example', ['ADMIN']);
    expect(await api.call(operatorA.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'x' } })).toMatchObject({ code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(operatorB.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'first' } })).toMatchObject({ __typename: 'IssuedApiKey' });
  });

  it('disables a user and revokes all its keys at once', async () => {
    const worker = await createActor(db.prisma, { partyId: adminA.partyId, userRoles: ['MAKER'] });
    const second = await api.call(worker.token, ISSUE, { input: { userId: globalId('User', worker.userId), label: 'second' } });
    expect((await api.request(second.token, WHO)).status).toBe(200);
    expect(await api.call(adminA.token, REVOKE_ALL, { id: globalId('User', worker.userId) })).toMatchObject({ __typename: 'User' });
    expect((await api.request(worker.token, WHO)).status).toBe(401);
    expect((await api.request(second.token, WHO)).status).toBe(401);

    const other = await createActor(db.prisma, { partyId: adminA.partyId, userRoles: ['MAKER'] });
    expect(await api.call(other.token, DISABLE_USER, { id: globalId('User', adminB.userId) })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await api.call(adminA.token, DISABLE_USER, { id: globalId('User', other.userId) })).toMatchObject({ __typename: 'User', status: 'DISABLED' });
    const refused = await api.request(other.token, WHO);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toMatch(/revoked/);
  });

  it('gives every key a lifetime and refuses a longer one', async () => {
    const issued = await api.call(adminA.token, ISSUE, { input: { userId: globalId('User', adminA.userId), label: 'default lifetime' } });
    const days = (new Date(issued.apiKey.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    const tooLong = await api.call(adminA.token, ISSUE, { input: { userId: globalId('User', adminA.userId), label: 'x', expiresAt: new Date(Date.now() + 91 * 86_400_000).toISOString() } });
    expect(tooLong).toMatchObject({ __typename: 'ValidationError' });
  });

  it("shows a VIEWER only its own keys, not its colleagues'", async () => {
    const viewer = await createActor(db.prisma, { partyId: adminA.partyId, userRoles: ['VIEWER'] });
    const query = `query ($id: ID!) { node(id: $id) { ... on User { apiKeys { totalCount } } } }`;
    expect((await api.call(viewer.token, query, { id: globalId('User', adminA.userId) })).apiKeys.totalCount).toBe(0);
    expect((await api.call(viewer.token, query, { id: globalId('User', viewer.userId) })).apiKeys.totalCount).toBe(1);
    expect((await api.call(adminB.token, query, { id: globalId('User', adminA.userId) })).apiKeys.totalCount).toBeGreaterThan(0);
  });

  it('grants a role only when a second administrator approves, and never to a checker of its granter', async () => {
    const party = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'], legalName: '深圳市华强精密电子有限公司' });
    const second = await createActor(db.prisma, { partyId: party.partyId, userRoles: ['ADMIN'] });
    const clerk = await createActor(db.prisma, { partyId: party.partyId, userRoles: ['VIEWER'] });
    const outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const clerkId = globalId('User', clerk.userId);
    const rolesOf = async (userId: string) => (await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).roles;

    // The attack as it was done: one administrator makes a colleague its checker, alone.
    const proposed = await api.call(party.token, PROPOSE_ROLES, { input: { userId: clerkId, roles: ['CHECKER'] } });
    expect(proposed).toMatchObject({ __typename: 'UserRoleChange', status: 'PENDING', roles: ['CHECKER'], previousRoles: ['VIEWER'], user: { roles: ['VIEWER'] } });
    expect(await rolesOf(clerk.userId)).toEqual(['VIEWER']);
    expect(await api.call(party.token, APPROVE_ROLES, { id: proposed.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(clerk.token, APPROVE_ROLES, { id: proposed.id })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await api.call(outsider.token, APPROVE_ROLES, { id: proposed.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await api.call(outsider.token, PROPOSE_ROLES, { input: { userId: clerkId, roles: ['ADMIN'] } })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await api.call(second.token, PROPOSE_ROLES, { input: { userId: clerkId, roles: ['ADMIN'] } })).toMatchObject({ __typename: 'ConflictError', code: 'ROLE_CHANGE_PENDING' });
    expect(await api.call(party.token, PROPOSE_ROLES, { input: { userId: globalId('User', party.userId), roles: ['ADMIN', 'MAKER', 'CHECKER'] } })).toMatchObject({ __typename: 'ForbiddenError', code: 'OWN_ROLES' });
    expect(await api.call(clerk.token, PROPOSE_ROLES, { input: { userId: globalId('User', second.userId), roles: ['VIEWER'] } })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await rolesOf(clerk.userId)).toEqual(['VIEWER']);
    expect(await db.prisma.userRoleChange.count({ where: { userId: clerk.userId } })).toBe(1);

    const approved = await api.call(second.token, APPROVE_ROLES, { id: proposed.id });
    expect(approved).toMatchObject({ status: 'APPLIED', user: { roles: ['CHECKER'] }, decidedBy: { id: globalId('User', second.userId) } });
    expect(await api.call(second.token, APPROVE_ROLES, { id: proposed.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPLIED' });
    const clerkRow = await db.prisma.user.findUniqueOrThrow({ where: { id: clerk.userId } });
    expect(new Set(clerkRow.administeredBy)).toEqual(new Set([party.userId, second.userId]));

    // The granted checker cannot check its granter's act, though it is another user.
    const registered = await api.call(party.token, REGISTER, { input: { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200098765', bankName: '招商银行深圳分行' } });
    expect(await api.call(clerk.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });

    // Taking a role away is four-eyed too; a rejected change leaves the roles as they were.
    const demotion = await api.call(party.token, PROPOSE_ROLES, { input: { userId: clerkId, roles: ['VIEWER'] } });
    expect(await api.call(second.token, REJECT_ROLES, { id: demotion.id })).toMatchObject({ status: 'REJECTED', user: { roles: ['CHECKER'] } });
    expect(await api.call(party.token, PROPOSE_ROLES, { input: { userId: clerkId, roles: ['CHECKER', 'CHECKER'] } })).toMatchObject({ __typename: 'ValidationError', code: 'ROLES_UNCHANGED' });
  });

  it("refuses a colleague's change of roles, or key, a user is not shown exactly as an unknown one, and changes nothing", async () => {
    const party = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const maker = await createActor(db.prisma, { partyId: party.partyId, userRoles: ['MAKER', 'CHECKER'] });
    const clerk = await createActor(db.prisma, { partyId: party.partyId, userRoles: ['VIEWER'] });
    const operatorViewer = await createActor(db.prisma, { partyId: operatorA.partyId, userRoles: ['VIEWER'] });
    const NODE = `query ($id: ID!) { node(id: $id) { id } }`;
    const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKey { id } ${ERRORS} } }`;
    const unknownChange = globalId('UserRoleChange', '00000000-0000-4000-8000-000000000002');
    const unknownKey = globalId('ApiKey', '00000000-0000-4000-8000-000000000003');
    const answer = ({ __typename, code }: Record<string, any>) => ({ __typename, code });
    const node = async (actor: TestActor, id: string) => (await api.request<{ node: unknown }>(actor.token, NODE, { id })).data?.node;

    const proposed = await api.call(party.token, PROPOSE_ROLES, { input: { userId: globalId('User', clerk.userId), roles: ['MAKER'] } });
    expect(await node(maker, proposed.id)).toBeNull();
    for (const mutation of [APPROVE_ROLES, REJECT_ROLES]) {
      const unknown = await api.call(maker.token, mutation, { id: unknownChange });
      expect(unknown.__typename).toBe('NotFoundError');
      expect(answer(await api.call(maker.token, mutation, { id: proposed.id }))).toEqual(answer(unknown));
    }
    expect(await db.prisma.userRoleChange.findUniqueOrThrow({ where: { id: rowId(proposed.id) } })).toMatchObject({ status: 'PENDING', decidedByUserId: null });

    // The same for a key: the MAKER is not shown its colleague's key, and does not revoke it.
    const key = await db.prisma.apiKey.findFirstOrThrow({ where: { userId: clerk.userId } });
    expect(await node(maker, globalId('ApiKey', key.id))).toBeNull();
    expect(answer(await api.call(maker.token, REVOKE, { id: globalId('ApiKey', key.id) }))).toEqual(answer(await api.call(maker.token, REVOKE, { id: unknownKey })));
    // A caller shown the key but without the role to revoke it is refused as such.
    expect(await node(operatorViewer, globalId('ApiKey', key.id))).toEqual({ id: globalId('ApiKey', key.id) });
    expect(await api.call(operatorViewer.token, REVOKE, { id: globalId('ApiKey', key.id) })).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toBeNull();
    expect((await api.request(clerk.token, WHO)).status).toBe(200);
  });

  it("shows a party's administrator neither the operators who proposed and decided a change of its user's roles, nor the platform's users", async () => {
    const party = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const clerk = await createActor(db.prisma, { partyId: party.partyId, userRoles: ['VIEWER'] });
    const proposed = await api.call(operatorA.token, PROPOSE_ROLES, { input: { userId: globalId('User', clerk.userId), roles: ['MAKER'] } });
    expect(await api.call(operatorB.token, APPROVE_ROLES, { id: proposed.id })).toMatchObject({ status: 'APPLIED' });
    const ROLE_CHANGES = `query ($id: ID!) { node(id: $id) { ... on User { roleChanges { edges { node { id status proposedBy { id } decidedBy { id } } } } } } }`;
    const PARTY_USERS = `query ($id: ID!) { node(id: $id) { ... on User { party { users { totalCount edges { node { id } } } } } } }`;

    const seenByParty = (await api.call(party.token, ROLE_CHANGES, { id: globalId('User', clerk.userId) })).roleChanges.edges.map((edge: Record<string, any>) => edge.node);
    expect(seenByParty).toEqual([{ id: proposed.id, status: 'APPLIED', proposedBy: null, decidedBy: null }]);
    const seenByOperator = (await api.call(operatorA.token, ROLE_CHANGES, { id: globalId('User', clerk.userId) })).roleChanges.edges.map((edge: Record<string, any>) => edge.node);
    expect(seenByOperator).toEqual([{ id: proposed.id, status: 'APPLIED', proposedBy: { id: globalId('User', operatorA.userId) }, decidedBy: { id: globalId('User', operatorB.userId) } }]);

    // A party's users are listed and counted to the party itself and to operators.
    const ownUsers = await db.prisma.user.count({ where: { partyId: party.partyId } });
    for (const actor of [party, operatorA]) {
      const { users } = (await api.call(actor.token, PARTY_USERS, { id: globalId('User', clerk.userId) })).party;
      expect(users.totalCount).toBe(ownUsers);
      expect(users.edges.map((edge: Record<string, any>) => edge.node.id).sort()).toEqual([globalId('User', party.userId), globalId('User', clerk.userId)].sort());
    }
  });

  it('does not let the administrator who approved a user, and received its first key, check that user\'s acts', async () => {
    const first = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: '东莞市长盈精密模具有限公司' });
    const second = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['ADMIN', 'CHECKER'] });
    const third = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['CHECKER'] });
    const userId = await propose(first, first.partyId, 'treasurer@supplier.example', ['ADMIN']);
    // The approver receives the new user's token: whoever holds it could act as both.
    const { token } = await api.call(second.token, APPROVE_USER, { input: { userId, apiKeyLabel: 'first' } });
    const registered = await api.call(token, REGISTER, { input: { accountName: '东莞市长盈精密模具有限公司', accountNumber: '6222020200055555', bankName: '中国银行东莞分行' } });
    expect(registered.__typename).toBe('PartyBankAccount');
    expect(await api.call(second.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(first.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(third.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'PartyBankAccount', status: 'APPROVED' });
  });

  it("does not tell a party that another party has a user with an e-mail address", async () => {
    const existing = await db.prisma.user.findUniqueOrThrow({ where: { id: adminA.userId } });
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const created = await api.call(supplier.token, CREATE_USER, { input: { partyId: globalId('Party', supplier.partyId), email: existing.email, displayName: 'same address', roles: ['VIEWER'] } });
    expect(created).toMatchObject({ __typename: 'User', status: 'PENDING' });
  });
});
