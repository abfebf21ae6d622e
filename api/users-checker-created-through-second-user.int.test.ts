import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// "Four eyes means two people: a maker who can create the checker is one person" (DESIGN.md §3).
// The administrator who approves a user receives its first token, so it cannot check that user's
// acts (docs/security.md, "Four eyes"). When that approver is itself a second user its
// administrator proposed, the token lands with that administrator: the new user is the
// administrator's checker in all but name, and must not check the administrator's acts.

const ERRORS = `... on Error { code message }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename ... on User { id status } ${ERRORS} } }`;
const APPROVE_USER = `mutation ($input: ApproveUserInput!) { approveUser(input: $input) { __typename ... on IssuedApiKey { token } ${ERRORS} } }`;
const REGISTER = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { __typename ... on PartyBankAccount { id } ${ERRORS} } }`;
const APPROVE_ACCOUNT = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { __typename ... on PartyBankAccount { status } ${ERRORS} } }`;

describe('a checker whose first token went to a second user of the maker', () => {
  let db: TestDatabase;
  let api: TestApi;
  const NAME = '苏州工业园区晶元科技有限公司';

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function proposeAndApprove(proposer: TestActor | string, approverToken: string, partyId: string, email: string, roles: string[]): Promise<string> {
    const proposerToken = typeof proposer === 'string' ? proposer : proposer.token;
    const created = await api.call(proposerToken, CREATE_USER, { input: { partyId: globalId('Party', partyId), email, displayName: email, roles } });
    expect(created).toMatchObject({ __typename: 'User', status: 'PENDING' });
    const approved = await api.call(approverToken, APPROVE_USER, { input: { userId: created.id, apiKeyLabel: 'first' } });
    expect(approved.__typename).toBe('IssuedApiKey');
    return approved.token as string;
  }

  it("does not let the administrator's own payout account change be approved by a checker its second user approved and received the token of", async () => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: NAME });
    const colleague = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['ADMIN'] });
    const another = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['ADMIN'] });

    // The administrator proposes a second user for itself; a colleague approves it and hands the token back.
    const secondLogin = await proposeAndApprove(admin, colleague.token, admin.partyId, 'second.login@supplier.example', ['ADMIN']);
    // Another colleague proposes a CHECKER; the second login approves it and so receives the checker's token.
    const checkerToken = await proposeAndApprove(another, secondLogin, admin.partyId, 'checker@supplier.example', ['CHECKER']);

    // One person now holds the maker's token and the checker's.
    const registered = await api.call(admin.token, REGISTER, { input: { accountName: NAME, accountNumber: '6222020200077777', bankName: '中国工商银行苏州分行' } });
    expect(registered.__typename).toBe('PartyBankAccount');
    // The second login is refused: the administrator proposed it. The checker whose token it received must be refused alike.
    expect(await api.call(secondLogin, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(checkerToken, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    const account = await db.prisma.partyBankAccount.findFirstOrThrow({ where: { partyId: admin.partyId } });
    expect(account.status).not.toBe('APPROVED');
  });
});
