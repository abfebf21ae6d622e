import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { createActor, type TestActor } from '../test/support/parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { workflowIds } from '../workflows/contracts/workflow-ids';

// Financing origination through the API over real HTTP, with the real worker on the Temporal
// dev server: application, the core enterprise's acknowledgement, the funder's four-eyes
// approval, the documents, and every refusal the issue lists (each changes nothing).

type Result = Record<string, any>;

const FINANCING_SELECTION = `id financingNumber status tenorDays valueDate dueDate effectiveAnnualRate acknowledgementDeadline approvalDeadline
    acknowledgedBy approvedBy approvalConfirmedBy closedReason
    principal { amount currency } interest { amount } fees { amount } netDisbursement { amount } repaymentAtMaturity { amount }
    terms { version } receivable { id status } collectionAccount { virtualAccountNumber bankName }
    history { fromStatus toStatus actorName reason } documents { id kind sha256 url sizeBytes }`;
const FINANCING_FIELDS = `__typename
  ... on Financing { ${FINANCING_SELECTION} }
  ... on WrongStateError { currentState } ... on ValidationError { issues { path message } } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FINANCING_FIELDS} } }`;
const QUOTE = `query ($r: ID!, $p: ID!, $amount: String!) { quoteFinancing(receivableId: $r, programId: $p, amount: $amount) {
  ... on FinancingQuote { tenorDays valueDate dueDate effectiveAnnualRate principal { amount currency } interest { amount } fees { amount } netDisbursement { amount } repaymentAtMaturity { amount } } } }`;
// A lookup answers the plain type, or null when the financing is not the caller's to see.
const GET = `query ($id: ID!) { financing(id: $id) { __typename ${FINANCING_SELECTION} } }`;
const LIST = `query ($filter: FinancingFilter) { financings(first: 50, filter: $filter) { edges { node { id financingNumber status } } } }`;
const decision = (name: string, withReason = false) =>
  withReason ? `mutation ($id: ID!, $reason: String!) { ${name}(id: $id, reason: $reason) { ${FINANCING_FIELDS} } }` : `mutation ($id: ID!) { ${name}(id: $id) { ${FINANCING_FIELDS} } }`;
const ACKNOWLEDGE = decision('acknowledgeAssignment');
const REFUSE = decision('refuseAssignment', true);
const APPROVE = decision('approveFinancing');
const CONFIRM = decision('confirmApproval');
const REJECT = decision('rejectFinancing', true);
const WITHDRAW = decision('withdrawFinancing', true);

describe('financing origination API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let silent: FinancingParties;
  let outsider: TestActor;
  let coreViewer: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma);
    silent = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    coreViewer = await createActor(db.prisma, { partyId: parties.core.partyId, userRoles: ['VIEWER'] });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  /** The API's ids of a receivable and a program the test made through the stores. */
  const receivableGid = (id: string) => globalId('Receivable', id);
  const programGid = (id: string) => globalId('Program', id);

  /** `financing(id)` as the caller sees it: the financing, or null (never a GraphQL error). */
  async function lookup(token: string, id: string): Promise<Result | null> {
    const response = await api.request<Result>(token, GET, { id });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!.financing;
  }

  async function apply(of: FinancingParties = parties, amount = '800000.00') {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, of);
    const financing = await call(fixture.supplier.token, APPLY, { input: { receivableId: receivableGid(fixture.receivable.id), programId: programGid(of.programId), amount, idempotencyKey: `apply-${fixture.receivable.id}` } });
    expect(financing.__typename, JSON.stringify(financing)).toBe('Financing');
    return { ...fixture, financing };
  }

  async function available(of: FinancingParties, kind: 'PROGRAM' | 'OBLIGOR') {
    const code = creditLimitCode({ kind, funderPartyId: of.funder.partyId, programId: kind === 'PROGRAM' ? of.programId : null, obligorPartyId: kind === 'OBLIGOR' ? of.core.partyId : null, currency: 'CNY' });
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).available.toFixed(2);
  }

  async function download(token: string, url: string) {
    const response = await fetch(new URL(url, api.url), { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  it('takes an open-assignment financing from application to approval with the quoted figures, two approvers and three documents', async () => {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const quote = await call(fixture.supplier.token, QUOTE, { r: receivableGid(fixture.receivable.id), p: programGid(parties.programId), amount: '800000.00' });
    const applied = await call(fixture.supplier.token, APPLY, { input: { receivableId: receivableGid(fixture.receivable.id), programId: programGid(parties.programId), amount: '800000.00', idempotencyKey: 'first' } });
    // The 800,000.00 case of the issue: 12,000.00 interest, 800.00 fee, 787,200.00 net.
    expect(applied).toMatchObject({
      status: 'PENDING_ACKNOWLEDGEMENT',
      principal: { amount: '800000.00', currency: 'CNY' },
      interest: { amount: '12000.00' },
      fees: { amount: '800.00' },
      netDisbursement: { amount: '787200.00' },
      tenorDays: 90,
      approvalDeadline: null,
      receivable: { status: 'FINANCING_PENDING' },
    });
    for (const field of ['tenorDays', 'valueDate', 'dueDate', 'effectiveAnnualRate', 'principal', 'interest', 'fees', 'netDisbursement', 'repaymentAtMaturity']) {
      expect(applied[field], field).toEqual(quote[field]);
    }
    expect(applied.collectionAccount.virtualAccountNumber).toMatch(/^\d{19}$/);
    expect(await available(parties, 'PROGRAM')).toBe('200000.00');

    const acknowledged = await call(parties.core.token, ACKNOWLEDGE, { id: applied.id });
    expect(acknowledged).toMatchObject({ status: 'PENDING_APPROVAL', acknowledgedBy: expect.any(String) });
    expect(Date.parse(acknowledged.approvalDeadline)).toBeGreaterThan(Date.now());

    const approved = await call(parties.funder.token, APPROVE, { id: applied.id });
    expect(approved.status).toBe('PENDING_CONFIRMATION');
    // Four eyes: the maker cannot be the checker, even with the role.
    const makerAgain = await call(parties.funder.token, CONFIRM, { id: applied.id });
    expect(makerAgain).toMatchObject({ __typename: 'ForbiddenError' });
    expect(makerAgain.code === 'MAKER_CANNOT_CHECK' || makerAgain.code === 'FORBIDDEN').toBe(true);
    const confirmed = await call(parties.funderChecker.token, CONFIRM, { id: applied.id });
    expect(confirmed).toMatchObject({ status: 'APPROVED', approvedBy: expect.any(String), approvalConfirmedBy: expect.any(String) });
    expect(confirmed.approvedBy).not.toBe(confirmed.approvalConfirmedBy);
    expect(confirmed.history.map((row: Result) => [row.fromStatus, row.toStatus])).toEqual([
      [null, 'PENDING_ACKNOWLEDGEMENT'],
      ['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL'],
      ['PENDING_APPROVAL', 'PENDING_CONFIRMATION'],
      ['PENDING_CONFIRMATION', 'APPROVED'],
    ]);
    // The limits stay reserved for the disbursement; the receivable stays with the financing.
    expect(await available(parties, 'PROGRAM')).toBe('200000.00');

    await expect.poll(async () => (await lookup(fixture.supplier.token, applied.id))!.documents.length, { timeout: 20_000 }).toBe(3);
    const final = (await lookup(fixture.supplier.token, applied.id))!;
    expect(final.documents.map((document: Result) => document.kind).sort()).toEqual(['ASSIGNMENT_ACKNOWLEDGEMENT', 'FINANCING_TERMS', 'NOTICE_OF_ASSIGNMENT']);
    for (const document of final.documents) {
      for (const reader of [fixture.supplier, parties.funder, parties.core]) {
        const { status, bytes } = await download(reader.token, document.url);
        expect(status).toBe(200);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(document.sha256);
      }
      expect((await download(outsider.token, document.url)).status).toBe(404);
    }
    // The funder is asked to approve unless it already had (a race with this test's speed), and,
    // its funding account being empty, to fund the approved financing.
    const inbox = async () => (await db.prisma.notification.findMany({ where: { financingId: rowId(applied.id) } })).map((row) => row.kind);
    await expect.poll(inbox, { timeout: 20_000 }).toEqual(expect.arrayContaining(['ACKNOWLEDGEMENT_REQUESTED', 'ASSIGNMENT_ACKNOWLEDGED', 'APPROVAL_CONFIRMATION_REQUESTED', 'FINANCING_APPROVED', 'FUNDING_REQUIRED']));
    expect((await inbox()).filter((kind) => kind === 'FINANCING_APPROVED')).toHaveLength(2);
  });

  it('repeats an application under the same key, and refuses the key with a different amount', async () => {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: receivableGid(fixture.receivable.id), programId: programGid(parties.programId), amount: '100000.00', idempotencyKey: 'same-key' };
    const first = await call(fixture.supplier.token, APPLY, { input });
    const again = await call(fixture.supplier.token, APPLY, { input });
    expect(again.id).toBe(first.id);
    const changed = await call(fixture.supplier.token, APPLY, { input: { ...input, amount: '100000.01' } });
    expect(changed).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await db.prisma.financing.count({ where: { receivableId: fixture.receivable.id } })).toBe(1);
    const second = await call(fixture.supplier.token, APPLY, { input: { ...input, idempotencyKey: 'another-key' } });
    expect(second).toMatchObject({ __typename: 'WrongStateError', currentState: 'FINANCING_PENDING' });
    await call(fixture.supplier.token, WITHDRAW, { id: first.id, reason: 'test cleanup' });
  });

  it('refuses bad applications with typed errors and changes nothing', async () => {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const notEnrolled = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    const before = { program: await available(parties, 'PROGRAM'), financings: await db.prisma.financing.count() };
    const base = { receivableId: receivableGid(fixture.receivable.id), programId: programGid(parties.programId), idempotencyKey: 'bad' };
    const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
      ['negative', fixture.supplier.token, { ...base, amount: '-1.00' }, { __typename: 'ValidationError' }],
      ['zero', fixture.supplier.token, { ...base, amount: '0' }, { __typename: 'ValidationError' }],
      ['too many decimals', fixture.supplier.token, { ...base, amount: '1000.001' }, { __typename: 'ValidationError' }],
      ['not a number', fixture.supplier.token, { ...base, amount: '1e5' }, { __typename: 'ValidationError' }],
      ['huge', fixture.supplier.token, { ...base, amount: '9'.repeat(40) }, { __typename: 'ValidationError' }],
      ['over the advance rate', fixture.supplier.token, { ...base, amount: '800000.01' }, { __typename: 'ValidationError', code: 'OVER_ADVANCE_RATE' }],
      ['unknown receivable', fixture.supplier.token, { ...base, receivableId: receivableGid('00000000-0000-4000-8000-000000000000'), amount: '1000.00' }, { __typename: 'NotFoundError' }],
      ["another party's receivable", outsider.token, { ...base, amount: '1000.00' }, { __typename: 'NotFoundError' }],
      ['not enrolled', notEnrolled.token, { ...base, amount: '1000.00' }, { __typename: 'NotFoundError' }],
      ['by the funder', parties.funder.token, { ...base, amount: '1000.00' }, { __typename: 'ForbiddenError' }],
    ];
    for (const [name, token, input, expected] of cases) {
      const result = await call(token, APPLY, { input });
      expect(result, name).toMatchObject(expected);
    }
    expect({ program: await available(parties, 'PROGRAM'), financings: await db.prisma.financing.count() }).toEqual(before);
  });

  it('refuses an application over a limit and leaves every limit as it was', async () => {
    const tight = await createFinancingParties(db.prisma, { supplierLimit: '500000.00' });
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, tight);
    const result = await call(fixture.supplier.token, APPLY, { input: { receivableId: receivableGid(fixture.receivable.id), programId: programGid(tight.programId), amount: '500000.01', idempotencyKey: 'over' } });
    expect(result).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_EXCEEDED' });
    expect(await available(tight, 'PROGRAM')).toBe('1000000.00');
    expect(await available(tight, 'OBLIGOR')).toBe('5000000.00');
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: fixture.receivable.id } })).status).toBe('CONFIRMED');
  });

  it('lets only the right side take each decision, in the right state', async () => {
    const { supplier, financing } = await apply(parties, '10000.00');
    const id = financing.id;
    const expectations: Array<[string, string, string, Record<string, unknown>, Record<string, unknown>]> = [
      ['supplier acknowledges', supplier.token, ACKNOWLEDGE, { id }, { __typename: 'ForbiddenError' }],
      ['funder acknowledges', parties.funder.token, ACKNOWLEDGE, { id }, { __typename: 'ForbiddenError' }],
      ['a VIEWER of the core enterprise acknowledges', coreViewer.token, ACKNOWLEDGE, { id }, { __typename: 'ForbiddenError' }],
      ['outsider acknowledges', outsider.token, ACKNOWLEDGE, { id }, { __typename: 'NotFoundError' }],
      ['approval before acknowledgement', parties.funder.token, APPROVE, { id }, { __typename: 'WrongStateError', currentState: 'PENDING_ACKNOWLEDGEMENT' }],
      ['core approves', parties.core.token, APPROVE, { id }, { __typename: 'ForbiddenError' }],
      ['funder withdraws', parties.funder.token, WITHDRAW, { id, reason: 'x' }, { __typename: 'ForbiddenError' }],
      ['empty reason', parties.core.token, REFUSE, { id, reason: '  ' }, { __typename: 'ValidationError' }],
    ];
    for (const [name, token, query, variables, expected] of expectations) {
      expect(await call(token, query, variables), name).toMatchObject(expected);
    }
    // An id this API never gave out is a malformed request, answered before any decision is looked at.
    for (const malformed of ['not-a-uuid', globalId('Receivable', rowId(id))]) {
      const refused = await api.request(parties.core.token, ACKNOWLEDGE, { id: malformed });
      expect(refused.data, malformed).toBeNull();
      expect(refused.errors, malformed).toEqual([expect.objectContaining({ path: ['acknowledgeAssignment'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    }
    expect((await lookup(supplier.token, id))!.status).toBe('PENDING_ACKNOWLEDGEMENT');
    expect(await call(parties.core.token, ACKNOWLEDGE, { id })).toMatchObject({ status: 'PENDING_APPROVAL' });
    expect(await call(parties.core.token, ACKNOWLEDGE, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'PENDING_APPROVAL' });
    expect(await call(parties.funderChecker.token, CONFIRM, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'PENDING_APPROVAL' });
    expect(await call(parties.funder.token, REJECT, { id, reason: '贸易背景存疑 trade background unclear' })).toMatchObject({ status: 'REJECTED', closedReason: '贸易背景存疑 trade background unclear' });
    expect(await call(parties.funder.token, APPROVE, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
    expect(await call(supplier.token, WITHDRAW, { id, reason: 'too late' })).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
  });

  it.each([
    ['refused by the core enterprise', 'refuse'],
    ['withdrawn by the supplier', 'withdraw'],
    ['rejected by the funder after the first approval', 'reject'],
  ])('releases the limits and the receivable when %s', async (_name, how) => {
    const before = await available(parties, 'PROGRAM');
    const { supplier, receivable, financing } = await apply(parties, '50000.00');
    expect(await available(parties, 'PROGRAM')).toBe((Number(before) - 50000).toFixed(2));
    let ended: Result;
    if (how === 'refuse') {
      ended = await call(parties.core.token, REFUSE, { id: financing.id, reason: '合同有争议 the contract is disputed' });
    } else if (how === 'withdraw') {
      ended = await call(supplier.token, WITHDRAW, { id: financing.id, reason: '已由买方提前付款 paid early by the buyer' });
    } else {
      await call(parties.core.token, ACKNOWLEDGE, { id: financing.id });
      await call(parties.funder.token, APPROVE, { id: financing.id });
      ended = await call(parties.funderChecker.token, REJECT, { id: financing.id, reason: '额度调整 limit review' });
    }
    expect(ended.status).toBe({ refuse: 'REFUSED', withdraw: 'WITHDRAWN', reject: 'REJECTED' }[how]);
    expect(ended.receivable.status).toBe('CONFIRMED');
    await recordWorkflowHistory(api.temporal, workflowIds.financing(rowId(financing.id)), `financing-${ended.status.toLowerCase()}`);
    expect(await available(parties, 'PROGRAM')).toBe(before);
    // The receivable can be financed again.
    const again = await call(supplier.token, APPLY, { input: { receivableId: receivableGid(receivable.id), programId: programGid(parties.programId), amount: '50000.00', idempotencyKey: `again-${how}` } });
    expect(again).toMatchObject({ __typename: 'Financing', status: 'PENDING_ACKNOWLEDGEMENT' });
    await call(supplier.token, WITHDRAW, { id: again.id, reason: 'test cleanup' });
    expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);
  });

  it('scopes financings: silent ones are invisible to the core enterprise; others see nothing of them', async () => {
    const open = await apply(parties, '20000.00');
    const hidden = await apply(silent, '20000.00');
    expect(hidden.financing).toMatchObject({ status: 'PENDING_APPROVAL', acknowledgementDeadline: null });
    // A lookup of a financing the caller may not see answers null, exactly as for one that does not exist.
    expect(await lookup(silent.core.token, hidden.financing.id)).toBeNull();
    expect(await call(silent.core.token, ACKNOWLEDGE, { id: hidden.financing.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await lookup(outsider.token, open.financing.id)).toBeNull();
    expect(await lookup(silent.funder.token, open.financing.id)).toBeNull();
    expect(await lookup(outsider.token, globalId('Financing', '00000000-0000-4000-8000-000000000000'))).toBeNull();

    const numbersFor = async (token: string, filter?: Record<string, unknown>) => (await call(token, LIST, { filter })).edges.map((edge: Result) => edge.node.financingNumber);
    expect(await numbersFor(open.supplier.token)).toEqual([open.financing.financingNumber]);
    expect(await numbersFor(parties.core.token)).toContain(open.financing.financingNumber);
    expect(await numbersFor(silent.core.token)).toEqual([]);
    expect(await numbersFor(silent.funder.token)).toEqual([hidden.financing.financingNumber]);
    expect(await numbersFor(parties.admin.token, { status: ['PENDING_APPROVAL'], programId: programGid(silent.programId) })).toEqual([hidden.financing.financingNumber]);
    // The funder now sees the receivable it was offered.
    expect((await api.request<Result>(silent.funder.token, `query ($id: ID!) { receivable(id: $id) { __typename } }`, { id: receivableGid(hidden.receivable.id) })).data!.receivable.__typename).toBe('Receivable');

    const approved = await call(silent.funder.token, APPROVE, { id: hidden.financing.id });
    expect(approved.status).toBe('PENDING_CONFIRMATION');
    expect(await call(silent.funderChecker.token, CONFIRM, { id: hidden.financing.id })).toMatchObject({ status: 'APPROVED' });
  });
});
