import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { reserveHold } from '../prisma/stores/ledger/holds';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { createProgram, enrollSupplier } from '../prisma/stores/program-store';
import { DEMO_PROGRAM_TERMS } from '../prisma/seed';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// A program's money settings are four-eyed with the funder's consent. The finding reproduced
// here: one platform administrator set a program's limits to 1e18 and its rate to 0, in effect at
// once. Now the change waits, with nothing of the program or its limits in the ledger changed,
// until an operator checker other than the proposer and the program's funder have approved it.

type Result = Record<string, any>;

const TERMS = DEMO_PROGRAM_TERMS;
const HUGE = '1000000000000000000.00';

const CHANGE = `__typename ... on ProgramChange { id kind status name proposedAt platformApprovedAt funderApprovedAt appliedAt rejectionReason
    terms { annualRate programLimit { amount currency } supplierLimit { amount } obligorLimit { amount } }
    program { id terms { version annualRate programLimit { amount } } } appliedTerms { version } supplier { legalName } }
  ... on ValidationError { issues { path message } } ... on Error { code message }`;
const DECISION = `${CHANGE} ... on WrongStateError { currentState }`;
const CREATE = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { ${CHANGE} } }`;
const AMEND = `mutation ($id: ID!, $terms: ProgramTermsInput!) { amendProgram(id: $id, terms: $terms) { ${CHANGE} } }`;
const ENROLL = `mutation ($id: ID!, $code: String!) { enrollSupplier(programId: $id, supplierCreditCode: $code) { ${CHANGE} } }`;
const APPROVE = `mutation ($id: ID!) { approveProgramChange(id: $id) { ${DECISION} } }`;
const REJECT = `mutation ($id: ID!, $reason: String!) { rejectProgramChange(id: $id, reason: $reason) { ${DECISION} } }`;
const LIMITS = `query ($id: ID!) { program(id: $id) { terms { version annualRate } limits { edges { node { kind granted { amount } available { amount } } } } } }`;
const CHANGES = `query ($status: ProgramChangeStatus) { programChanges(first: 100, status: $status) { totalCount edges { node { id status } } } }`;
const PROGRAM_CHANGES = `query ($id: ID!) { program(id: $id) { changes(first: 50) { totalCount edges { node { id } } } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename ... on ProgramChange { id } } }`;

describe('program changes: four eyes and the funder', () => {
  let db: TestDatabase;
  let api: TestApi;
  /** The operator of the finding: every role the platform has, and alone. */
  let attacker: TestActor;
  let checker: TestActor;
  let secondChecker: TestActor;
  let funder: TestActor;
  let funderChecker: TestActor;
  let funderViewer: TestActor;
  let otherFunder: TestActor;
  let core: TestActor;
  let supplier: TestActor;
  let programId: string;
  let programGlobalId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    attacker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
    checker = await createActor(db.prisma, { userRoles: ['CHECKER'], partyId: attacker.partyId });
    secondChecker = await createActor(db.prisma, { userRoles: ['CHECKER'], partyId: attacker.partyId });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
    funderChecker = await createActor(db.prisma, { userRoles: ['CHECKER'], partyId: funder.partyId });
    funderViewer = await createActor(db.prisma, { userRoles: ['VIEWER'], partyId: funder.partyId });
    otherFunder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    // The program exists already (seeded through the store, which is not an API action), with one supplier enrolled.
    const actor = { userId: attacker.userId, partyId: attacker.partyId, partyRoles: ['PLATFORM' as const], userRoles: ['ADMIN' as const] };
    programId = (await createProgram(db.prisma, actor, { name: '恒信 2026 计划', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: TERMS })).id;
    await enrollSupplier(db.prisma, actor, programId, supplier.creditCode);
    programGlobalId = globalId('Program', programId);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** What the program and its limits in the ledger look like, as its funder sees them. */
  async function programState() {
    const program = (await api.request<{ program: Result }>(funder.token, LIMITS, { id: programGlobalId })).data!.program;
    return { terms: program.terms, limits: program.limits.edges.map((edge: Result) => edge.node), creditLimits: await db.prisma.creditLimit.findMany({ where: { programId }, orderBy: { accountId: 'asc' } }), transactions: await db.prisma.ledgerTransaction.count() };
  }

  it('reproduces the finding: one operator sets the limits to 1e18 and the rate to 0, and nothing takes effect until the checker and the funder approve', async () => {
    const before = await programState();
    const attack = { ...TERMS, annualRate: '0', programLimit: HUGE, supplierLimit: HUGE, obligorLimit: HUGE };

    const proposed = await api.call(attacker.token, AMEND, { id: programGlobalId, terms: attack });
    expect(proposed).toMatchObject({ __typename: 'ProgramChange', kind: 'AMEND_TERMS', status: 'PROPOSED', terms: { annualRate: '0', programLimit: { amount: HUGE, currency: 'CNY' } }, appliedTerms: null });
    expect(await programState()).toEqual(before);

    // The same operator, checker though it is, cannot check its own proposal.
    const selfApproved = await api.call(attacker.token, APPROVE, { id: proposed.id });
    expect(selfApproved).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await programState()).toEqual(before);

    const checked = await api.call(checker.token, APPROVE, { id: proposed.id });
    expect(checked).toMatchObject({ status: 'PROPOSED', funderApprovedAt: null });
    expect(checked.platformApprovedAt).toEqual(expect.any(String));
    expect(await programState()).toEqual(before);

    // The funder is told, and its approval is the one that applies the change.
    const notices = await db.prisma.notification.findMany({ where: { partyId: funder.partyId, kind: 'PROGRAM_CHANGE_PROPOSED' } });
    expect(notices).toHaveLength(1);
    expect(await db.prisma.notification.count({ where: { partyId: attacker.partyId, kind: 'PROGRAM_CHANGE_PROPOSED' } })).toBe(1);

    const approved = await api.call(funderChecker.token, APPROVE, { id: proposed.id });
    expect(approved).toMatchObject({ status: 'APPLIED', appliedTerms: { version: 2 }, program: { terms: { version: 2, annualRate: '0', programLimit: { amount: HUGE } } } });
    const after = await programState();
    expect(after.limits).toEqual(expect.arrayContaining([{ kind: 'PROGRAM', granted: { amount: HUGE }, available: { amount: HUGE } }]));
    expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);

    // Back to sane terms, the same way, so the other cases start from them.
    const restored = await api.call(attacker.token, AMEND, { id: programGlobalId, terms: TERMS });
    await api.call(funder.token, APPROVE, { id: restored.id });
    expect(await api.call(checker.token, APPROVE, { id: restored.id })).toMatchObject({ status: 'APPLIED', appliedTerms: { version: 3 } });
  });

  it('creates a program only when both sides approved, in either order, and enrols a supplier the same way', async () => {
    const programs = await db.prisma.program.count();
    const proposed = await api.call(attacker.token, CREATE, { input: { name: '  新计划 ', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: TERMS } });
    expect(proposed).toMatchObject({ kind: 'CREATE_PROGRAM', status: 'PROPOSED', name: '新计划', program: null });
    expect(await api.call(funder.token, APPROVE, { id: proposed.id })).toMatchObject({ status: 'PROPOSED', program: null });
    expect(await db.prisma.program.count()).toBe(programs);
    const applied = await api.call(checker.token, APPROVE, { id: proposed.id });
    expect(applied).toMatchObject({ status: 'APPLIED', appliedTerms: { version: 1 }, program: { terms: { version: 1, annualRate: '0.06' } } });
    expect(await db.prisma.program.count()).toBe(programs + 1);

    const newcomer = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市新来电子有限公司' });
    const enrolment = await api.call(attacker.token, ENROLL, { id: applied.program.id, code: newcomer.creditCode });
    expect(enrolment).toMatchObject({ kind: 'ENROLL_SUPPLIER', status: 'PROPOSED', supplier: { legalName: '深圳市新来电子有限公司' } });
    expect(await db.prisma.programEnrollment.count({ where: { supplierPartyId: newcomer.partyId } })).toBe(0);
    await api.call(checker.token, APPROVE, { id: enrolment.id });
    expect(await api.call(funder.token, APPROVE, { id: enrolment.id })).toMatchObject({ status: 'APPLIED' });
    expect(await db.prisma.creditLimit.count({ where: { supplierPartyId: newcomer.partyId, kind: 'SUPPLIER' } })).toBe(1);
  });

  it('refuses a second approval by the same side, a decision on an applied or rejected change, and the proposer rejecting', async () => {
    const proposed = await api.call(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, annualRate: '0.05' } });
    await api.call(checker.token, APPROVE, { id: proposed.id });
    expect(await api.call(secondChecker.token, APPROVE, { id: proposed.id })).toMatchObject({ __typename: 'ConflictError', code: 'PROGRAM_CHANGE_ALREADY_APPROVED' });
    expect(await api.call(checker.token, APPROVE, { id: proposed.id })).toMatchObject({ __typename: 'ConflictError', code: 'PROGRAM_CHANGE_ALREADY_APPROVED' });
    expect(await api.call(attacker.token, REJECT, { id: proposed.id, reason: 'mine' })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    const applied = await api.call(funder.token, APPROVE, { id: proposed.id });
    expect(applied.status).toBe('APPLIED');
    expect(await api.call(funderChecker.token, APPROVE, { id: proposed.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPLIED' });
    expect(await api.call(funder.token, REJECT, { id: proposed.id, reason: 'too late' })).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPLIED' });

    const state = await programState();
    const refused = await api.call(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, annualRate: '0.01' } });
    expect(await api.call(funderChecker.token, REJECT, { id: refused.id, reason: '利率过低 / rate too low' })).toMatchObject({ status: 'REJECTED', rejectionReason: '利率过低 / rate too low' });
    expect(await api.call(checker.token, APPROVE, { id: refused.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
    expect(await api.call(funder.token, APPROVE, { id: refused.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
    expect(await programState()).toEqual(state);
    expect(await db.prisma.notification.count({ where: { partyId: funder.partyId, kind: 'PROGRAM_CHANGE_REJECTED' } })).toBe(1);
  });

  it('lets no one else decide or see a change: another funder, the core enterprise and a supplier find nothing; a VIEWER and a supplier may not act', async () => {
    const proposed = await api.call(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, graceDays: 5 } });
    const changesBefore = await db.prisma.programChange.findUniqueOrThrow({ where: { id: Buffer.from(proposed.id, 'base64url').toString().split(':')[1] } });
    for (const outsider of [otherFunder, core, supplier]) {
      expect(await api.call(outsider.token, APPROVE, { id: proposed.id })).toMatchObject({ __typename: 'NotFoundError' });
      expect(await api.call(outsider.token, REJECT, { id: proposed.id, reason: 'no' })).toMatchObject({ __typename: 'NotFoundError' });
      expect((await api.request<{ node: Result }>(outsider.token, NODE, { id: proposed.id })).data?.node).toBeNull();
      expect((await api.request<{ programChanges: Result }>(outsider.token, CHANGES)).data?.programChanges.totalCount).toBe(0);
    }
    expect((await api.request<{ program: Result }>(core.token, PROGRAM_CHANGES, { id: programGlobalId })).data?.program.changes.totalCount).toBe(0);
    expect(await api.call(funderViewer.token, APPROVE, { id: proposed.id })).toMatchObject({ __typename: 'ForbiddenError' });
    for (const party of [funder, core, supplier]) {
      expect(await api.call(party.token, AMEND, { id: programGlobalId, terms: TERMS })).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await api.call(party.token, CREATE, { input: { name: 'x', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: TERMS } })).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await api.call(party.token, ENROLL, { id: programGlobalId, code: supplier.creditCode })).toMatchObject({ __typename: 'ForbiddenError' });
    }
    expect(await db.prisma.programChange.findUniqueOrThrow({ where: { id: changesBefore.id } })).toEqual(changesBefore);

    const asFunder = (await api.request<{ programChanges: Result }>(funder.token, CHANGES, { status: 'PROPOSED' })).data!.programChanges;
    expect(asFunder.edges.map((edge: Result) => edge.node.id)).toContain(proposed.id);
    const asOperator = (await api.request<{ programChanges: Result }>(checker.token, CHANGES, { status: 'PROPOSED' })).data!.programChanges;
    expect(asOperator.edges.map((edge: Result) => edge.node.id)).toContain(proposed.id);
    expect((await api.request<{ programChanges: Result }>(checker.token, CHANGES, { status: 'REJECTED' })).data?.programChanges.edges.map((edge: Result) => edge.node.id)).not.toContain(proposed.id);
    expect((await api.request<{ program: Result }>(funder.token, PROGRAM_CHANGES, { id: programGlobalId })).data?.program.changes.edges.map((edge: Result) => edge.node.id)).toContain(proposed.id);
    await api.call(checker.token, REJECT, { id: proposed.id, reason: 'tidy up' });
  });

  it('has one effect for a request repeated with the same request key, and refuses the key for other content', async () => {
    const headers = { 'x-request-id': `amend-${Date.now()}` };
    const count = await db.prisma.programChange.count();
    const first = (await api.request<{ amendProgram: Result }>(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, graceDays: 7 } }, headers)).data!.amendProgram;
    const again = (await api.request<{ amendProgram: Result }>(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, graceDays: 7 } }, headers)).data!.amendProgram;
    expect(again.id).toBe(first.id);
    expect(await db.prisma.programChange.count()).toBe(count + 1);
    const other = (await api.request<{ amendProgram: Result }>(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, graceDays: 8 } }, headers)).data!.amendProgram;
    expect(other).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await db.prisma.programChange.count()).toBe(count + 1);

    const approveHeaders = { 'x-request-id': `approve-${Date.now()}` };
    const approved = (await api.request<{ approveProgramChange: Result }>(checker.token, APPROVE, { id: first.id }, approveHeaders)).data!.approveProgramChange;
    const repeated = (await api.request<{ approveProgramChange: Result }>(checker.token, APPROVE, { id: first.id }, approveHeaders)).data!.approveProgramChange;
    expect(repeated).toEqual(approved);
    const funderHeaders = { 'x-request-id': `funder-${Date.now()}` };
    const applied = (await api.request<{ approveProgramChange: Result }>(funder.token, APPROVE, { id: first.id }, funderHeaders)).data!.approveProgramChange;
    expect(applied.status).toBe('APPLIED');
    const versions = await db.prisma.programTerms.count({ where: { programId } });
    const replayed = (await api.request<{ approveProgramChange: Result }>(funder.token, APPROVE, { id: first.id }, funderHeaders)).data!.approveProgramChange;
    expect(replayed).toMatchObject({ status: 'APPLIED', appliedTerms: applied.appliedTerms });
    expect(await db.prisma.programTerms.count({ where: { programId } })).toBe(versions);
  });

  it('refuses a limit cut below what is committed when the change applies, and the change stays PROPOSED', async () => {
    const cut = await api.call(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, supplierLimit: '4000000.00' } });
    expect(cut.status).toBe('PROPOSED');
    // Between the proposal and the approvals, an application reserves 5,000,000.00 of the supplier's limit.
    const limitAccount = await findAccountByCode(db.prisma, creditLimitCode({ kind: 'SUPPLIER', funderPartyId: funder.partyId, programId, supplierPartyId: supplier.partyId, currency: 'CNY' }));
    const control = await findAccountByCode(db.prisma, 'platform:LIMIT_CONTROL:CNY');
    await reserveHold(db.prisma, { idempotencyKey: `test:${programId}:reserve-before-cut`, code: 'LIMIT_RESERVATION', debitAccountId: limitAccount!.id, creditAccountId: control!.id, amount: '5000000.00', currency: 'CNY' });
    const state = await programState();
    await api.call(funder.token, APPROVE, { id: cut.id });
    expect(await api.call(checker.token, APPROVE, { id: cut.id })).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_BELOW_COMMITMENTS' });
    expect(await api.call(checker.token, APPROVE, { id: cut.id })).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_BELOW_COMMITMENTS' });
    const change = (await api.request<{ node: Result }>(checker.token, `query ($id: ID!) { node(id: $id) { ... on ProgramChange { status platformApprovedAt funderApprovedAt } } }`, { id: cut.id })).data!.node;
    expect(change).toMatchObject({ status: 'PROPOSED', platformApprovedAt: null });
    expect(change.funderApprovedAt).toEqual(expect.any(String));
    expect(await programState()).toEqual(state);
    // A proposal that could not apply as things stand is refused at once.
    expect(await api.call(attacker.token, AMEND, { id: programGlobalId, terms: { ...TERMS, supplierLimit: '4000000.00' } })).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_BELOW_COMMITMENTS' });
    expect(await api.call(checker.token, REJECT, { id: cut.id, reason: 'the supplier has drawn on its limit since' })).toMatchObject({ status: 'REJECTED' });
  });
});
