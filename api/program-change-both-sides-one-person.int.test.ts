import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAdministration } from '../prisma/stores/party-store';
import { createProgram } from '../prisma/stores/program-store';
import { DEMO_PROGRAM_TERMS } from '../prisma/seed';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// A program change needs the platform (an operator checker) and the funder (docs/security.md,
// "Four eyes"). The operator who approved a funder's administrator received that administrator's
// first key: its approval for the platform and that administrator's for the funder are one
// person's, whichever comes first. Another operator approves for the platform instead.

const APPROVE = `mutation ($id: ID!) { approveProgramChange(id: $id) { __typename ... on ProgramChange { status } ... on Error { code } } }`;
const AMEND = `mutation ($id: ID!, $terms: ProgramTermsInput!) { amendProgram(id: $id, terms: $terms) { __typename ... on ProgramChange { id status } } }`;

describe('a program change approved for both sides by one person with two users', () => {
  let db: TestDatabase;
  let api: TestApi;
  let proposer: TestActor;
  let operator: TestActor;
  let otherOperator: TestActor;
  let funderAdmin: TestActor;
  let programGlobalId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    proposer = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
    operator = await createActor(db.prisma, { partyId: proposer.partyId, userRoles: ['ADMIN', 'CHECKER'] });
    otherOperator = await createActor(db.prisma, { partyId: proposer.partyId, userRoles: ['CHECKER'] });
    funderAdmin = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['ADMIN', 'CHECKER'] });
    // The operator approved the funder's administrator, and so handed it its first key.
    await db.prisma.$transaction((tx) => recordAdministration(tx, funderAdmin.userId, [operator.userId]));
    const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    const actor = { userId: proposer.userId, partyId: proposer.partyId, partyRoles: ['PLATFORM' as const], userRoles: ['ADMIN' as const] };
    const programId = (await createProgram(db.prisma, actor, { name: '恒信 2027 计划', funderCreditCode: funderAdmin.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: DEMO_PROGRAM_TERMS })).id;
    programGlobalId = globalId('Program', programId);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const amend = async (annualRate: string) => (await api.call(proposer.token, AMEND, { id: programGlobalId, terms: { ...DEMO_PROGRAM_TERMS, annualRate } })).id as string;

  it('is refused to the operator after the administrator it approved approved for the funder', async () => {
    const id = await amend('0.055');
    expect(await api.call(funderAdmin.token, APPROVE, { id })).toEqual({ __typename: 'ProgramChange', status: 'PROPOSED' });
    expect(await api.call(operator.token, APPROVE, { id })).toEqual({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(otherOperator.token, APPROVE, { id })).toEqual({ __typename: 'ProgramChange', status: 'APPLIED' });
  });

  it('is refused to the administrator after the operator that approved it approved for the platform', async () => {
    const id = await amend('0.052');
    expect(await api.call(operator.token, APPROVE, { id })).toEqual({ __typename: 'ProgramChange', status: 'PROPOSED' });
    expect(await api.call(funderAdmin.token, APPROVE, { id })).toEqual({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
  });
});
