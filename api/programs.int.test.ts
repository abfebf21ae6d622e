import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { reserveHold } from '../prisma/stores/ledger/holds';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { decideReceivable } from '../prisma/stores/receivable-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { registerDirectly } from '../test/support/receivables';
import { DEMO_PROGRAM_TERMS } from '../prisma/seed';

// Programs and quotes through the API over real HTTP, against the hand-computed case of
// docs/pricing.md: 800,000.00 CNY at 6% a year, ACT/360, 90 days, interest up front, 0.1% fee.

type Result = Record<string, any>;

const TERMS = DEMO_PROGRAM_TERMS;

/** The nodes of a connection, in its order. */
function nodes(connection: { edges: Array<{ node: Result }> } | undefined): Result[] {
  return connection?.edges.map((edge) => edge.node) ?? [];
}

const PROGRAM_SELECTION = `__typename id code name funder { legalName } core { legalName } enrolledSuppliers { edges { node } }
  terms { version advanceRate annualRate interestMode dayCount feeRate graceDays recourse recourseAfterDays waterfall programLimit { amount currency } } termsHistory { edges { node { version } } }`;
// A program change answers the proposal; its program is there once both sides approved it.
const CHANGE_FIELDS = `__typename ... on ProgramChange { id kind status program { ${PROGRAM_SELECTION} } }
  ... on ValidationError { issues { path message } } ... on Error { code message }`;
const CREATE = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { ${CHANGE_FIELDS} } }`;
const AMEND = `mutation ($id: ID!, $terms: ProgramTermsInput!) { amendProgram(id: $id, terms: $terms) { ${CHANGE_FIELDS} } }`;
const ENROLL = `mutation ($id: ID!, $code: String!) { enrollSupplier(programId: $id, supplierCreditCode: $code) { ${CHANGE_FIELDS} } }`;
const APPROVE = `mutation ($id: ID!) { approveProgramChange(id: $id) { ${CHANGE_FIELDS} } }`;
const QUOTE = `query ($r: ID!, $p: ID!, $amount: String!) { quoteFinancing(receivableId: $r, programId: $p, amount: $amount) {
  __typename ... on FinancingQuote { programCode termsVersion tenorDays valueDate dueDate effectiveAnnualRate
    principal { amount } maxAmount { amount } interest { amount } fees { amount } netDisbursement { amount } repaymentAtMaturity { amount } interestAtMaturity { amount } }
  ... on WrongStateError { currentState } ... on Error { code message } } }`;

describe('programs and quotes API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let admin: TestActor;
  /** A second operator, who checks what the administrator proposes. */
  let checker: TestActor;
  let funder: TestActor;
  let otherFunder: TestActor;
  let core: TestActor;
  let otherCore: TestActor;
  let supplier: TestActor;
  let outsider: TestActor;
  let program: Result;
  /** The receivable's global id, as a client has it. */
  let confirmedReceivableId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    admin = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'] });
    checker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'], partyId: admin.partyId });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], legalName: '前海恒信商业保理有限公司' });
    otherFunder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], legalName: '广州云海智能制造集团股份有限公司' });
    otherCore = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });

    const created = await api.request<{ createProgram: Result }>(admin.token, CREATE, {
      input: { name: '云海供应链 2026 保理计划', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: TERMS },
    });
    program = (await applied(created.data!.createProgram)).program;
    await applied((await api.request<{ enrollSupplier: Result }>(admin.token, ENROLL, { id: program.id, code: supplier.creditCode })).data!.enrollSupplier);

    const receivable = await registerDirectly(db.prisma, supplier, core.creditCode);
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: core.userId, partyId: core.partyId }, `test:${receivable.id}:confirm`);
    confirmedReceivableId = globalId('Receivable', receivable.id);
  });

  /** The operator checker and then the funder approve a proposed change; the funder's answer is the applied change. */
  async function applied(change: Result): Promise<Result> {
    expect(change).toMatchObject({ __typename: 'ProgramChange', status: 'PROPOSED', program: change.kind === 'CREATE_PROGRAM' ? null : expect.anything() });
    const checked = await api.call(checker.token, APPROVE, { id: change.id });
    expect(checked).toMatchObject({ __typename: 'ProgramChange', status: 'PROPOSED' });
    const approved = await api.call(funder.token, APPROVE, { id: change.id });
    expect(approved).toMatchObject({ __typename: 'ProgramChange', status: 'APPLIED' });
    return approved;
  }

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('creates a program with version 1 of its terms and the default waterfall', () => {
    expect(program).toMatchObject({
      __typename: 'Program',
      name: '云海供应链 2026 保理计划',
      funder: { legalName: '前海恒信商业保理有限公司' },
      core: { legalName: '广州云海智能制造集团股份有限公司' },
      terms: { version: 1, advanceRate: '0.8', annualRate: '0.06', interestMode: 'UPFRONT', dayCount: 'ACT_360', recourseAfterDays: 30, waterfall: ['PENALTY', 'FEES', 'INTEREST', 'PRINCIPAL'], programLimit: { amount: '50000000.00', currency: 'CNY' } },
    });
    expect(program.code).toMatch(/^PRG-\d{4}-\d{4}$/);
  });

  it('quotes the hand-computed case exactly: interest 12,000.00, fee 800.00, net 787,200.00 over 90 days', async () => {
    const response = await api.request<{ quoteFinancing: Result }>(supplier.token, QUOTE, { r: confirmedReceivableId, p: program.id, amount: '800000.00' });
    expect(response.data?.quoteFinancing).toMatchObject({
      __typename: 'FinancingQuote',
      termsVersion: 1,
      tenorDays: 90,
      principal: { amount: '800000.00' },
      maxAmount: { amount: '800000.00' },
      interest: { amount: '12000.00' },
      fees: { amount: '800.00' },
      netDisbursement: { amount: '787200.00' },
      repaymentAtMaturity: { amount: '800000.00' },
      interestAtMaturity: { amount: '0.00' },
      effectiveAnnualRate: '0.065944',
    });
  });

  it.each([
    ['over the advance rate', '800000.01', 'ValidationError', 'OVER_ADVANCE_RATE'],
    ['too many decimals', '1000.001', 'ValidationError', 'VALIDATION_FAILED'],
    ['zero', '0', 'ValidationError', 'VALIDATION_FAILED'],
    ['a negative amount', '-5', 'ValidationError', 'VALIDATION_FAILED'],
  ])('refuses to quote %s', async (_case, amount, type, code) => {
    const response = await api.request<{ quoteFinancing: Result }>(supplier.token, QUOTE, { r: confirmedReceivableId, p: program.id, amount });
    expect(response.data?.quoteFinancing).toMatchObject({ __typename: type, code });
  });

  it('refuses a receivable that is not confirmed, one of another obligor, and another party\'s receivable', async () => {
    const registered = await registerDirectly(db.prisma, supplier, core.creditCode);
    const notConfirmed = await api.request<{ quoteFinancing: Result }>(supplier.token, QUOTE, { r: globalId('Receivable', registered.id), p: program.id, amount: '1000.00' });
    expect(notConfirmed.data?.quoteFinancing).toMatchObject({ __typename: 'WrongStateError', currentState: 'REGISTERED' });

    const elsewhere = await registerDirectly(db.prisma, supplier, otherCore.creditCode);
    await decideReceivable(db.prisma, elsewhere.id, { kind: 'CONFIRM' }, { userId: otherCore.userId, partyId: otherCore.partyId }, `test:${elsewhere.id}:confirm`);
    const mismatch = await api.request<{ quoteFinancing: Result }>(supplier.token, QUOTE, { r: globalId('Receivable', elsewhere.id), p: program.id, amount: '1000.00' });
    expect(mismatch.data?.quoteFinancing).toMatchObject({ code: 'PROGRAM_OBLIGOR_MISMATCH' });

    const foreign = await api.request<{ quoteFinancing: Result }>(outsider.token, QUOTE, { r: confirmedReceivableId, p: program.id, amount: '1000.00' });
    expect(foreign.data?.quoteFinancing.__typename).toBe('NotFoundError');
  });

  it('refuses a supplier that is not enrolled', async () => {
    const lonely = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    const receivable = await registerDirectly(db.prisma, lonely, core.creditCode);
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: core.userId, partyId: core.partyId }, `test:${receivable.id}:confirm`);
    const response = await api.request<{ quoteFinancing: Result }>(lonely.token, QUOTE, { r: globalId('Receivable', receivable.id), p: program.id, amount: '1000.00' });
    expect(response.data?.quoteFinancing.__typename).toBe('NotFoundError');
    const asOperator = await api.request<{ quoteFinancing: Result }>(admin.token, QUOTE, { r: globalId('Receivable', receivable.id), p: program.id, amount: '1000.00' });
    expect(asOperator.data?.quoteFinancing).toMatchObject({ __typename: 'ForbiddenError', code: 'NOT_ENROLLED' });
  });

  it('amends by adding a version: new quotes use it, and the old version stays', async () => {
    const amended = await api.request<{ amendProgram: Result }>(admin.token, AMEND, { id: program.id, terms: { ...TERMS, annualRate: '0.072', dayCount: 'ACT_365', tenorDaysMax: 60 } });
    expect((await applied(amended.data!.amendProgram)).program).toMatchObject({ terms: { version: 2, annualRate: '0.072', dayCount: 'ACT_365' }, termsHistory: { edges: [{ node: { version: 1 } }, { node: { version: 2 } }] } });
    const tooLong = await api.request<{ quoteFinancing: Result }>(supplier.token, QUOTE, { r: confirmedReceivableId, p: program.id, amount: '800000.00' });
    expect(tooLong.data?.quoteFinancing).toMatchObject({ code: 'TENOR_TOO_LONG' });
    await applied((await api.request<{ amendProgram: Result }>(admin.token, AMEND, { id: program.id, terms: { ...TERMS, annualRate: '0.072', dayCount: 'ACT_365' } })).data!.amendProgram);
    const requoted = await api.request<{ quoteFinancing: Result }>(supplier.token, QUOTE, { r: confirmedReceivableId, p: program.id, amount: '800000.00' });
    // 800,000 × 0.072 × 90 / 365 = 14,202.739… → 14,202.74; net 800,000 − 14,202.74 − 800.00 fee
    expect(requoted.data?.quoteFinancing).toMatchObject({ termsVersion: 3, interest: { amount: '14202.74' }, netDisbursement: { amount: '784997.26' } });
    await expect(db.query('UPDATE program_terms SET annual_rate = 0 WHERE program_id = $1', [rowId(program.id)])).rejects.toThrow(/versioned, never changed/);
  });

  it('refuses invalid terms, listing every problem, and creation by anyone but a platform administrator', async () => {
    const before = await db.prisma.program.count();
    const changesBefore = await db.prisma.programChange.count();
    const invalid = await api.request<{ createProgram: Result }>(admin.token, CREATE, {
      input: { name: 'x', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: { ...TERMS, advanceRate: '1.5', recourseAfterDays: null, supplierLimit: '60000000.00', annualRate: '6%' } },
    });
    const paths = invalid.data?.createProgram.issues.map((issue: Result) => issue.path.at(-1));
    expect(paths).toEqual(expect.arrayContaining(['advanceRate', 'annualRate', 'recourseAfterDays', 'supplierLimit']));
    const swapped = await api.request<{ createProgram: Result }>(admin.token, CREATE, {
      input: { name: 'x', funderCreditCode: core.creditCode, coreCreditCode: funder.creditCode, currency: 'CNY', terms: TERMS },
    });
    expect(swapped.data?.createProgram.__typename).toBe('ValidationError');
    const byFunder = await api.request<{ createProgram: Result }>(funder.token, CREATE, {
      input: { name: 'x', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: TERMS },
    });
    expect(byFunder.data?.createProgram.__typename).toBe('ForbiddenError');
    expect(await db.prisma.program.count()).toBe(before);
    expect(await db.prisma.programChange.count()).toBe(changesBefore);
  });

  it('keeps its limits in the ledger: granted at creation and enrolment, visible to the parties concerned', async () => {
    const LIMITS = `query ($id: ID!) { program(id: $id) { limits { edges { node { kind supplierName granted { amount } available { amount currency } } } } } }`;
    const byFunder = nodes((await api.request<{ program: Result }>(funder.token, LIMITS, { id: program.id })).data?.program.limits);
    expect(byFunder).toEqual(expect.arrayContaining([
      { kind: 'PROGRAM', supplierName: null, granted: { amount: '50000000.00' }, available: { amount: '50000000.00', currency: 'CNY' } },
      { kind: 'OBLIGOR', supplierName: null, granted: { amount: '50000000.00' }, available: { amount: '50000000.00', currency: 'CNY' } },
      { kind: 'SUPPLIER', supplierName: '深圳市华强精密电子有限公司', granted: { amount: '10000000.00' }, available: { amount: '10000000.00', currency: 'CNY' } },
    ]));
    const bySupplier = nodes((await api.request<{ program: Result }>(supplier.token, LIMITS, { id: program.id })).data?.program.limits);
    expect(bySupplier.map((limit: Result) => limit.kind)).toEqual(['SUPPLIER']);
    const memo = await trialBalance(db.prisma, 'CNY', 'MEMO');
    expect(memo.balanced).toBe(true);
  });

  it('shows in the terms, current and past, the limits each party is shown in limits, and no other', async () => {
    const TERMS_LIMITS = `programLimit { amount } supplierLimit { amount } obligorLimit { amount }`;
    const QUERY = `query ($id: ID!) { program(id: $id) { limits { edges { node { kind } } } terms { ${TERMS_LIMITS} } termsHistory { edges { node { ${TERMS_LIMITS} } } } } }`;
    for (const [actor, allLimits] of [[funder, true], [core, true], [admin, true], [supplier, false]] as const) {
      const seen = (await api.call(actor.token, QUERY, { id: program.id })) as Result;
      const kinds = new Set(nodes(seen.limits).map((limit) => limit.kind));
      expect(kinds.has('PROGRAM')).toBe(allLimits);
      expect(kinds.has('OBLIGOR')).toBe(allLimits);
      for (const terms of [seen.terms, ...nodes(seen.termsHistory)]) {
        expect(terms.programLimit === null).toBe(!kinds.has('PROGRAM'));
        expect(terms.obligorLimit === null).toBe(!kinds.has('OBLIGOR'));
        // A supplier's own limit is a SUPPLIER limit: shown to it, in the terms as in limits.
        expect(terms.supplierLimit).toEqual({ amount: expect.any(String) });
      }
    }
  });

  it('refuses to cut a limit below what is reserved on it, and changes nothing', async () => {
    const code = creditLimitCode({ kind: 'SUPPLIER', funderPartyId: funder.partyId, programId: rowId(program.id), supplierPartyId: supplier.partyId, currency: 'CNY' });
    const limitAccount = await findAccountByCode(db.prisma, code);
    const control = await findAccountByCode(db.prisma, 'platform:LIMIT_CONTROL:CNY');
    await reserveHold(db.prisma, { idempotencyKey: `test:${rowId(program.id)}:reserve`, code: 'LIMIT_RESERVATION', debitAccountId: limitAccount!.id, creditAccountId: control!.id, amount: '9000000.00', currency: 'CNY' });
    const before = await db.prisma.programTerms.count({ where: { programId: rowId(program.id) } });
    const cut = await api.request<{ amendProgram: Result }>(admin.token, AMEND, { id: program.id, terms: { ...TERMS, supplierLimit: '8000000.00' } });
    expect(cut.data?.amendProgram).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_BELOW_COMMITMENTS' });
    expect(await db.prisma.programTerms.count({ where: { programId: rowId(program.id) } })).toBe(before);
    const raised = await api.request<{ amendProgram: Result }>(admin.token, AMEND, { id: program.id, terms: { ...TERMS, supplierLimit: '12000000.00' } });
    expect((await applied(raised.data!.amendProgram)).program.__typename).toBe('Program');
    const LIMITS = `query ($id: ID!) { program(id: $id) { limits { edges { node { kind granted { amount } available { amount } } } } } }`;
    const supplierLimit = nodes((await api.request<{ program: Result }>(supplier.token, LIMITS, { id: program.id })).data?.program.limits)[0];
    expect(supplierLimit).toEqual({ kind: 'SUPPLIER', granted: { amount: '12000000.00' }, available: { amount: '3000000.00' } });
  });

  it('shows a program to its funder, core enterprise, enrolled suppliers and operators only', async () => {
    const LIST = '{ programs(first: 50) { edges { node { id enrolledSuppliers { edges { node } } } } } }';
    const seen = async (actor: TestActor) => (await api.request<{ programs: Result }>(actor.token, LIST)).data?.programs.edges.map((edge: Result) => edge.node) ?? [];
    for (const actor of [funder, core, supplier, admin]) expect((await seen(actor)).map((node: Result) => node.id)).toContain(program.id);
    for (const actor of [otherFunder, otherCore, outsider]) expect((await seen(actor)).map((node: Result) => node.id)).not.toContain(program.id);
    expect((await seen(funder)).find((node: Result) => node.id === program.id)?.enrolledSuppliers.edges.map((edge: Result) => edge.node)).toEqual(['深圳市华强精密电子有限公司']);
    const again = await api.request<{ enrollSupplier: Result }>(admin.token, ENROLL, { id: program.id, code: supplier.creditCode });
    expect(again.data?.enrollSupplier).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_ENROLLED' });
  });
});
