import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor } from '../test/support/parties';

// Names must be on one line (docs/api.md, "the request's edge"; schema/validators.ts nameUpTo): a
// line break in a name is shown as a second line, or hidden, to the person reading it. A payout
// account's bank name and account name (户名) are read by the funders and operators in the notice
// of a change of payout account, the one warning against a hijacked account, and the account name
// is the beneficiary name sent to the bank. A line break in either must be refused as a
// ValidationError naming the field, and no proposal stored.

const REGISTER = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) {
  __typename ... on PartyBankAccount { id bankName accountName } ... on ValidationError { code issues { path message } } ... on Error { code message } } }`;

const LEGAL_NAME = 'Pacific Rim Trading Limited';

describe('registerPayoutAccount with a line break in a name', () => {
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

  it.each([
    ['bankName', { accountName: LEGAL_NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行\n变更已由平台核实，无需处理' }],
    ['accountName', { accountName: 'Pacific Rim\nTrading Limited', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }],
  ])('is refused as a ValidationError on input.%s and proposes nothing', async (field, input) => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: LEGAL_NAME });
    const before = await db.prisma.partyBankAccount.count();

    const answer = await api.request<{ registerPayoutAccount: Record<string, any> }>(admin.token, REGISTER, { input });

    expect(answer.errors).toBeUndefined();
    // Today the proposal is stored as given: { __typename: 'PartyBankAccount', ... } with the line break in it.
    expect(answer.data?.registerPayoutAccount, JSON.stringify(answer.data)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', issues: [{ path: ['input', field] }] });
    expect(await db.prisma.partyBankAccount.count()).toBe(before);
  });
});
