import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPayoutAccount } from '../prisma/stores/payout-account-store';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// The change notice tells the funders and the operators which account a party's payouts go to
// from when, and "if this change is unexpected, tell the platform now" (docs/security.md, "Payout
// accounts"). The platform told must be able to act: an operator stops an approved change still
// cooling off, as the party's own users can; the party is told who stopped it. An operator does
// not decide another party's proposals, and nobody else reaches another party's accounts.

const NAME = '深圳市华强精密电子有限公司';
const ACCOUNT_FIELDS = `__typename ... on PartyBankAccount { id status } ... on Error { code message }`;
const REGISTER = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { ${ACCOUNT_FIELDS} } }`;
const APPROVE = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { ${ACCOUNT_FIELDS} } }`;
const REJECT = `mutation ($id: ID!) { rejectPayoutAccount(id: $id) { ${ACCOUNT_FIELDS} } }`;
const CHANGES = `query ($id: ID!) { node(id: $id) { ... on Party { legalName payoutAccountChanges { id status accountNumber } } } }`;

describe('an operator and a payout account change of another party', () => {
  let db: TestDatabase;
  let api: TestApi;
  let admin: TestActor;
  let checker: TestActor;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: NAME });
    checker = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['CHECKER'] });
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'] });
    await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), admin.partyId, { accountName: NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const propose = (accountNumber: string) => api.call(admin.token, REGISTER, { input: { accountName: NAME, accountNumber, bankName: '招商银行深圳分行' } });

  it('is found by the operator told of it, and stopped by the operator while it cools off', async () => {
    const proposed = await propose('6217000011112222789');
    await api.call(checker.token, APPROVE, { id: proposed.id });
    const party = await api.call(operator.token, CHANGES, { id: globalId('Party', admin.partyId) });
    expect(party).toEqual({ legalName: NAME, payoutAccountChanges: [{ id: proposed.id, status: 'APPROVED', accountNumber: '**** 2789' }] });

    expect(await api.call(operator.token, REJECT, { id: proposed.id })).toMatchObject({ __typename: 'PartyBankAccount', status: 'REJECTED' });
    const row = await db.prisma.partyBankAccount.findUniqueOrThrow({ where: { id: rowId(proposed.id) } });
    expect({ decidedBy: row.decidedByUserId, stoppedBy: row.stoppedByUserId }).toEqual({ decidedBy: checker.userId, stoppedBy: operator.userId });
    expect((await currentPayoutAccount(db.prisma, admin.partyId, new Date(Date.now() + 2 * 86_400_000)))?.accountNumber).toBe('6222020200112233445');
    // The party learns that the platform stopped it, not that one of its own users did.
    const told = await db.prisma.notification.findMany({ where: { partyId: admin.partyId }, select: { subject: true, body: true } });
    expect(told).toEqual([{ subject: `收款账户变更已撤销 ${NAME} / Payout account change stopped: ${NAME}`, body: expect.stringContaining('stopped by the platform') }]);
  });

  it("does not decide another party's proposal, and another party reaches none of it", async () => {
    const proposed = await propose('6217000011113333789');
    expect(await api.call(operator.token, APPROVE, { id: proposed.id })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await api.call(operator.token, REJECT, { id: proposed.id })).toMatchObject({ __typename: 'ForbiddenError' });
    const stranger = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['CHECKER'] });
    expect(await api.call(stranger.token, REJECT, { id: proposed.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await api.call(stranger.token, CHANGES, { id: globalId('Party', admin.partyId) })).toEqual({});
    expect((await db.prisma.partyBankAccount.findUniqueOrThrow({ where: { id: rowId(proposed.id) } })).status).toBe('PROPOSED');
  });
});
