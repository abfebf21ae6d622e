import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPayoutAccount, decidePayoutAccount } from '../prisma/stores/payout-account-store';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// Re-pointing a supplier's payouts is the shortest way to steal a disbursement, so a changed
// payout account takes effect only after the cooling-off period, while the funders and the
// operators are told which account and from when, "so that an unexpected change can be
// stopped" (docs/security.md, "Payout accounts"). A change nobody can stop during its
// cooling-off period makes the period a countdown, not a protection: a maker and a checker
// acting together (or one person holding both logins) re-point every later payout and the
// party's other users can only watch.

const NAME = '深圳市华强精密电子有限公司';
const ACCOUNT_FIELDS = `__typename ... on PartyBankAccount { id status effectiveFrom } ... on Error { code message }`;
const REGISTER = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { ${ACCOUNT_FIELDS} } }`;
const APPROVE = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { ${ACCOUNT_FIELDS} } }`;
const REJECT = `mutation ($id: ID!) { rejectPayoutAccount(id: $id) { ${ACCOUNT_FIELDS} } }`;

describe('a payout account change approved and cooling off', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('can be stopped by another user of the party before it takes effect', async () => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: NAME });
    const checker = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['CHECKER'] });
    const otherChecker = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['CHECKER', 'ADMIN'] });
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
    const inEffect = await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), admin.partyId, { accountName: NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });

    // A new account in the party's own name is proposed and approved: it cools off for 24 hours.
    const proposed = await api.call(admin.token, REGISTER, { input: { accountName: NAME, accountNumber: '6217000011112222789', bankName: '招商银行深圳分行' } });
    const approved = await api.call(checker.token, APPROVE, { id: proposed.id });
    expect(approved).toMatchObject({ __typename: 'PartyBankAccount', status: 'APPROVED' });
    const effectiveFrom = new Date(approved.effectiveFrom);
    expect(effectiveFrom.getTime()).toBeGreaterThan(Date.now());

    // The party's other administrator did not expect it and stops it while it cools off.
    const stopped = await api.call(otherChecker.token, REJECT, { id: proposed.id });
    expect(stopped).toMatchObject({ __typename: 'PartyBankAccount', status: 'REJECTED' });
    // Payouts after the cooling-off period still go to the account that was in effect.
    expect((await currentPayoutAccount(db.prisma, admin.partyId, new Date(effectiveFrom.getTime() + 60_000)))?.id).toBe(inEffect.id);
    // The row keeps who approved it and who stopped it; the operators are told it is stopped.
    const row = await db.prisma.partyBankAccount.findUniqueOrThrow({ where: { id: rowId(proposed.id) } });
    expect({ decidedBy: row.decidedByUserId, stoppedBy: row.stoppedByUserId, effectiveFrom: row.effectiveFrom?.toISOString() }).toEqual({ decidedBy: checker.userId, stoppedBy: otherChecker.userId, effectiveFrom: effectiveFrom.toISOString() });
    expect(await db.prisma.notification.findMany({ where: { partyId: operator.partyId }, select: { subject: true }, orderBy: { createdAt: 'asc' } })).toEqual([
      { subject: `收款账户变更 ${NAME} / Payout account changed: ${NAME}` },
      { subject: `收款账户变更已撤销 ${NAME} / Payout account change stopped: ${NAME}` },
    ]);
  });

  it('cannot be stopped once in effect: another account is proposed instead', async () => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: NAME });
    const checker = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['CHECKER'] });
    await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), admin.partyId, { accountName: NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
    const proposed = await api.call(admin.token, REGISTER, { input: { accountName: NAME, accountNumber: '6217000011112222789', bankName: '招商银行深圳分行' } });
    const approved = await api.call(checker.token, APPROVE, { id: proposed.id });
    const afterEffect = new Date(new Date(approved.effectiveFrom).getTime() + 1);
    await expect(decidePayoutAccount(db.prisma, await actorOf(db.prisma, admin), rowId(proposed.id), false, 24 * 3_600_000, afterEffect)).rejects.toMatchObject({
      code: 'WRONG_STATE',
      message: expect.stringContaining('propose another account to replace it'),
    });
    expect((await currentPayoutAccount(db.prisma, admin.partyId, afterEffect))?.accountNumber).toBe('6217000011112222789');
  });
});
