import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { applyDirectly, createFinancingParties, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';

// The funder's limit on a core enterprise (OBLIGOR) is one account shared by all the funder's
// programs with it, set by the latest terms. A supplier's application under the first program
// has reserved 800,000.00 of it. An operator now proposes a second program between the same
// funder and core enterprise whose obligor limit is 500,000.00: below what is already reserved.
// docs/pricing.md ("How programs change") says a proposal with a limit below what is already
// reserved or used is refused, typed, with nothing stored, "so approvers never review a change
// that cannot apply as things stand". The creation of a program is such a proposal, and an
// amendment with the same obligor limit is refused; the creation is not, and waits for two
// approvals that can only fail.

type Result = Record<string, any>;

const CREATE = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { __typename
  ... on ProgramChange { id status } ... on ValidationError { issues { path message } } ... on Error { code message } } }`;
const AMEND = `mutation ($id: ID!, $terms: ProgramTermsInput!) { amendProgram(id: $id, terms: $terms) { __typename
  ... on ProgramChange { id status } ... on Error { code message } } }`;

describe('proposing a program whose obligor limit is below what the funder has reserved on the core enterprise', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    await applyDirectly(db.prisma, parties, '800000.00');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const cut = { ...TEST_PROGRAM_TERMS, programLimit: '500000.00', supplierLimit: '500000.00', obligorLimit: '500000.00' };

  it('is refused as the same obligor limit in an amendment is, with nothing stored', async () => {
    const amended = (await api.call(parties.admin.token, AMEND, { id: globalId('Program', parties.programId), terms: { ...TEST_PROGRAM_TERMS, obligorLimit: '500000.00' } })) as Result;
    expect(amended).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_BELOW_COMMITMENTS' });

    const changes = await db.prisma.programChange.count();
    const created = (await api.call(parties.admin.token, CREATE, {
      input: { name: '云海第二期保理计划', funderCreditCode: parties.funder.creditCode, coreCreditCode: parties.core.creditCode, currency: 'CNY', terms: cut },
    })) as Result;
    expect(created).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_BELOW_COMMITMENTS' });
    expect(await db.prisma.programChange.count()).toBe(changes);
  });
});
