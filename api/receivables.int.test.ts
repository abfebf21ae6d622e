import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { registrationInput, uniqueInvoiceNumber } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { workflowIds } from '../workflows/contracts/workflow-ids';
import { addDays, businessDateOf } from '../domain/business-date';

// Receivables through the API over real HTTP, with the real workflow on the Temporal dev
// server: registration, the registry, decisions by the right and wrong parties, documents.

const RECEIVABLE = `id registrationNumber status faceAmount { amount currency } confirmedAmount { amount currency } dueDate
    supplier { legalName } obligor { legalName creditCode }
    invoices { lineNumber invoiceCode invoiceNumber amount { amount } issueDate }
    history { fromStatus toStatus actorName reason }
    documents { id kind sha256 sizeBytes url }`;
const FIELDS = `__typename
  ... on Receivable { ${RECEIVABLE} }
  ... on ValidationError { issues { path message } }
  ... on WrongStateError { currentState }
  ... on Error { code message }`;
const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) {
  ${FIELDS.replace('... on WrongStateError { currentState }', '')} ... on ReceivableEncumberedError { ownRegistrationNumber invoiceCode invoiceNumber } } }`;
const CONFIRM = `mutation ($id: ID!, $amount: String) { confirmReceivable(id: $id, confirmedAmount: $amount) { ${FIELDS} } }`;
const REJECT = `mutation ($id: ID!, $reason: String!) { rejectReceivable(id: $id, reason: $reason) { ${FIELDS} } }`;
const CANCEL = `mutation ($id: ID!, $reason: String!) { cancelReceivable(id: $id, reason: $reason) { ${FIELDS} } }`;
const GET = `query ($id: ID!) { receivable(id: $id) { __typename ${RECEIVABLE} workflow { workflowId status } } }`;
const REGISTRY = `query ($code: String!, $invoiceCode: String!, $invoiceNumber: String!) {
  registryCheck(obligorCreditCode: $code, invoiceCode: $invoiceCode, invoiceNumber: $invoiceNumber) { __typename ... on RegistryCheck { encumbered since registrationNumber status } } }`;

type Result = Record<string, any>;

describe('receivables API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let supplier: TestActor;
  let supplierViewer: TestActor;
  let otherSupplier: TestActor;
  let core: TestActor;
  let otherCore: TestActor;
  let funder: TestActor;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    supplierViewer = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['VIEWER'] });
    otherSupplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '东莞市精工模具有限公司' });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['CHECKER'], legalName: '广州云海智能制造集团股份有限公司' });
    otherCore = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], legalName: '佛山市顺德家电集团有限公司' });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['VIEWER'] });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  async function register(overrides = {}, actor = supplier): Promise<Result> {
    const response = await api.request<{ registerReceivable: Result }>(actor.token, REGISTER, { input: registrationInput(core.creditCode, overrides) });
    expect(response.errors).toBeUndefined();
    return response.data!.registerReceivable;
  }

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value) || performance.now() > until) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('registers a receivable with a readable number, its invoices, history and a certificate', async () => {
    const created = await register();
    expect(created).toMatchObject({
      __typename: 'Receivable',
      status: 'REGISTERED',
      faceAmount: { amount: '1000000.00', currency: 'CNY' },
      supplier: { legalName: '深圳市华强精密电子有限公司' },
      obligor: { legalName: '广州云海智能制造集团股份有限公司' },
      history: [{ fromStatus: null, toStatus: 'REGISTERED' }],
    });
    expect(created.registrationNumber).toMatch(/^REG-\d{4}-\d{8}$/);
    expect(created.invoices.map((invoice: Result) => invoice.amount.amount)).toEqual(['600000.00', '400000.00']);
    const withCertificate = await waitFor(
      async () => (await api.request<{ receivable: Result }>(supplier.token, GET, { id: created.id })).data!.receivable,
      (receivable) => receivable.documents.length > 0,
    );
    expect(withCertificate.workflow).toMatchObject({ workflowId: `receivable:${rowId(created.id)}`, status: 'RUNNING' });
    const [certificate] = withCertificate.documents;
    expect(certificate).toMatchObject({ kind: 'REGISTRATION_CERTIFICATE', url: `/documents/${certificate.id}` });
    expect(certificate.sha256).toMatch(/^[0-9a-f]{64}$/);

    const download = await fetch(new URL(certificate.url, api.url), { headers: { authorization: `Bearer ${core.token}` } });
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe('%PDF-');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(certificate.sha256);

    for (const outsider of [otherSupplier, funder]) {
      const refused = await fetch(new URL(certificate.url, api.url), { headers: { authorization: `Bearer ${outsider.token}` } });
      expect(refused.status).toBe(404);
    }
    expect((await fetch(new URL(certificate.url, api.url))).status).toBe(401);
    expect((await fetch(new URL(certificate.url, api.url), { headers: { authorization: `Bearer ${operator.token}` } })).status).toBe(200);
  });

  it('answers a repeated request with the same receivable, and refuses the key reused for different content', async () => {
    const input = registrationInput(core.creditCode);
    const first = await api.request<{ registerReceivable: Result }>(supplier.token, REGISTER, { input });
    const again = await api.request<{ registerReceivable: Result }>(supplier.token, REGISTER, { input });
    expect(again.data?.registerReceivable.id).toBe(first.data?.registerReceivable.id);
    const changed = await api.request<{ registerReceivable: Result }>(supplier.token, REGISTER, { input: { ...input, contractNumber: 'HT-OTHER' } });
    expect(changed.data?.registerReceivable).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses an invoice active in another registration without naming another party\'s registration, and the registry tells only its own parties which', async () => {
    const first = await register();
    const taken = first.invoices[0];
    const input = registrationInput(core.creditCode);
    input.invoices[0] = { ...input.invoices[0]!, invoiceCode: taken.invoiceCode, invoiceNumber: ` ${taken.invoiceNumber.slice(0, 4)} ${taken.invoiceNumber.slice(4)} ` };
    const before = await db.prisma.receivable.count();
    const refused = await api.request<{ registerReceivable: Result }>(otherSupplier.token, REGISTER, { input });
    expect(refused.data?.registerReceivable).toMatchObject({
      __typename: 'ReceivableEncumberedError',
      code: 'RECEIVABLE_ALREADY_ENCUMBERED',
      ownRegistrationNumber: null,
      invoiceNumber: taken.invoiceNumber,
    });
    expect(refused.data?.registerReceivable.message).not.toContain(first.registrationNumber);
    expect(await db.prisma.receivable.count()).toBe(before);

    const check = await api.request<{ registryCheck: Result }>(funder.token, REGISTRY, { code: core.creditCode.toLowerCase(), invoiceCode: taken.invoiceCode, invoiceNumber: taken.invoiceNumber });
    // Encumbered is public; which registration, and its state, only to the receivable's own parties.
    expect(check.data?.registryCheck).toMatchObject({ __typename: 'RegistryCheck', encumbered: true, registrationNumber: null, status: null });
    expect(Object.keys(check.data?.registryCheck ?? {}).sort()).toEqual(['__typename', 'encumbered', 'registrationNumber', 'since', 'status']);
    const byObligor = await api.request<{ registryCheck: Result }>(core.token, REGISTRY, { code: core.creditCode, invoiceCode: taken.invoiceCode, invoiceNumber: taken.invoiceNumber });
    expect(byObligor.data?.registryCheck).toMatchObject({ encumbered: true, registrationNumber: first.registrationNumber, status: 'REGISTERED' });
    const free = await api.request<{ registryCheck: Result }>(funder.token, REGISTRY, { code: core.creditCode, invoiceCode: '1', invoiceNumber: uniqueInvoiceNumber() });
    expect(free.data?.registryCheck).toMatchObject({ encumbered: false, since: null, registrationNumber: null });
  });

  it.each([
    ['a zero amount', { faceAmount: '0.00', invoices: [{ invoiceCode: '1', invoiceNumber: 'Z1', amount: '0', issueDate: addDays(businessDateOf(new Date()), -1) }] }, /greater than zero/],
    ['a negative amount', { faceAmount: '-1000000.00' }, /greater than zero/],
    ['too many decimals', { faceAmount: '1000000.001' }, /decimal places/],
    ['a face amount unequal to the invoices', { faceAmount: '1000000.01' }, /sum of the invoice amounts/],
    ['a due date in the past', { dueDate: addDays(businessDateOf(new Date()), -1) }, /after today/],
    ['a due date before an issue date', { dueDate: addDays(businessDateOf(new Date()), 1), invoices: [{ invoiceCode: '1', invoiceNumber: 'D1', amount: '1000000.00', issueDate: addDays(businessDateOf(new Date()), 1) }] }, /future|before the due date/],
    ['an unknown currency', { currency: 'XXX' }, /not supported/],
    ['the same invoice twice', { invoices: [{ invoiceCode: '1', invoiceNumber: 'DUP1', amount: '500000.00', issueDate: addDays(businessDateOf(new Date()), -3) }, { invoiceCode: '1', invoiceNumber: 'DUP1', amount: '500000.00', issueDate: addDays(businessDateOf(new Date()), -3) }] }, /duplicates invoice/],
  ])('refuses %s and registers nothing', async (_case, overrides, message) => {
    const before = await db.prisma.receivable.count();
    const refused = await register(overrides);
    expect(refused.__typename).toBe('ValidationError');
    expect(refused.issues.map((issue: Result) => issue.message).join(' ')).toMatch(message);
    expect(await db.prisma.receivable.count()).toBe(before);
  });

  it('refuses an obligor that is not a core enterprise, and registration by a non-supplier', async () => {
    const response = await api.request<{ registerReceivable: Result }>(supplier.token, REGISTER, { input: registrationInput(funder.creditCode) });
    expect(response.data?.registerReceivable).toMatchObject({ __typename: 'ValidationError', code: 'OBLIGOR_NOT_CORE_ENTERPRISE' });
    const byCore = await api.request<{ registerReceivable: Result }>(core.token, REGISTER, { input: registrationInput(otherCore.creditCode) });
    expect(byCore.data?.registerReceivable.__typename).toBe('ForbiddenError');
  });

  it('lets only the obligor confirm, with dilution, once; and documents the confirmation', async () => {
    const created = await register();
    const bySupplier = await api.request<{ confirmReceivable: Result }>(supplier.token, CONFIRM, { id: created.id });
    expect(bySupplier.data?.confirmReceivable.__typename).toBe('ForbiddenError');
    const byOtherCore = await api.request<{ confirmReceivable: Result }>(otherCore.token, CONFIRM, { id: created.id });
    expect(byOtherCore.data?.confirmReceivable.__typename).toBe('NotFoundError');
    const above = await api.request<{ confirmReceivable: Result }>(core.token, CONFIRM, { id: created.id, amount: '1000000.01' });
    expect(above.data?.confirmReceivable).toMatchObject({ __typename: 'ValidationError', code: 'AMOUNT_ABOVE_FACE' });

    const confirmed = await api.request<{ confirmReceivable: Result }>(core.token, CONFIRM, { id: created.id, amount: '950000.00' });
    expect(confirmed.data?.confirmReceivable).toMatchObject({ status: 'CONFIRMED', confirmedAmount: { amount: '950000.00', currency: 'CNY' } });
    expect(confirmed.data?.confirmReceivable.history.at(-1)).toMatchObject({ fromStatus: 'REGISTERED', toStatus: 'CONFIRMED', reason: expect.stringMatching(/dilution/) });

    const twice = await api.request<{ confirmReceivable: Result }>(core.token, CONFIRM, { id: created.id });
    expect(twice.data?.confirmReceivable).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE', currentState: 'CONFIRMED' });

    const letter = await waitFor(
      async () => (await api.request<{ receivable: Result }>(core.token, GET, { id: created.id })).data!.receivable,
      (receivable) => receivable.documents.some((document: Result) => document.kind === 'CONFIRMATION_LETTER'),
    );
    expect(letter.documents.map((document: Result) => document.kind).sort()).toEqual(['CONFIRMATION_LETTER', 'REGISTRATION_CERTIFICATE']);
    await recordWorkflowHistory(api.temporal, workflowIds.receivable(rowId(created.id)), 'receivable-confirmed');
  });

  it('lets the obligor reject with a reason, which releases the invoices', async () => {
    const created = await register();
    const blank = await api.request<{ rejectReceivable: Result }>(core.token, REJECT, { id: created.id, reason: '  ' });
    expect(blank.data?.rejectReceivable.__typename).toBe('ValidationError');
    const rejected = await api.request<{ rejectReceivable: Result }>(core.token, REJECT, { id: created.id, reason: '货物未验收 goods not accepted' });
    expect(rejected.data?.rejectReceivable).toMatchObject({ status: 'REJECTED' });
    await recordWorkflowHistory(api.temporal, workflowIds.receivable(rowId(created.id)), 'receivable-rejected');
    const [invoice] = created.invoices;
    const check = await api.request<{ registryCheck: Result }>(supplier.token, REGISTRY, { code: core.creditCode, invoiceCode: invoice.invoiceCode, invoiceNumber: invoice.invoiceNumber });
    expect(check.data?.registryCheck.encumbered).toBe(false);
  });

  it('lets the supplier cancel before and after confirmation, never a viewer or another party', async () => {
    const created = await register();
    const byCore = await api.request<{ cancelReceivable: Result }>(core.token, CANCEL, { id: created.id, reason: 'x' });
    expect(byCore.data?.cancelReceivable.__typename).toBe('ForbiddenError');
    const byViewer = await api.request<{ cancelReceivable: Result }>(supplierViewer.token, CANCEL, { id: created.id, reason: 'x' });
    expect(byViewer.data?.cancelReceivable.__typename).toBe('ForbiddenError');
    const cancelled = await api.request<{ cancelReceivable: Result }>(supplier.token, CANCEL, { id: created.id, reason: '合同变更 contract changed' });
    expect(cancelled.data?.cancelReceivable.status).toBe('CANCELLED');
    await recordWorkflowHistory(api.temporal, workflowIds.receivable(rowId(created.id)), 'receivable-cancelled');

    const confirmedOne = await register();
    await api.request(core.token, CONFIRM, { id: confirmedOne.id });
    await waitFor(
      async () => (await api.request<{ receivable: Result }>(supplier.token, GET, { id: confirmedOne.id })).data!.receivable,
      (receivable) => receivable.workflow.status === 'COMPLETED',
    );
    const late = await api.request<{ cancelReceivable: Result }>(supplier.token, CANCEL, { id: confirmedOne.id, reason: 'no longer needed' });
    expect(late.data?.cancelReceivable).toMatchObject({ status: 'CANCELLED' });
    const afterCancel = await api.request<{ confirmReceivable: Result }>(core.token, CONFIRM, { id: confirmedOne.id });
    expect(afterCancel.data?.confirmReceivable).toMatchObject({ __typename: 'WrongStateError', currentState: 'CANCELLED' });
  });

  it("cancels each party's confirmed receivable when two parties send the same x-request-id", async () => {
    // The request id is the client's to choose: it must never make one party's decision stand for another's.
    const neighbour = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '惠州市同创电子有限公司' });
    const mine = await register();
    const theirs = await register({}, neighbour);
    for (const receivable of [mine, theirs]) {
      await api.request(core.token, CONFIRM, { id: receivable.id });
      await waitFor(
        async () => (await api.request<{ receivable: Result }>(operator.token, GET, { id: receivable.id })).data!.receivable,
        (found) => found.workflow.status === 'COMPLETED',
      );
    }
    const header = { 'x-request-id': 'cancel-shared-request-id' };
    const first = await api.request<{ cancelReceivable: Result }>(supplier.token, CANCEL, { id: mine.id, reason: 'no longer needed' }, header);
    const second = await api.request<{ cancelReceivable: Result }>(neighbour.token, CANCEL, { id: theirs.id, reason: 'no longer needed' }, header);
    expect(first.data?.cancelReceivable).toMatchObject({ status: 'CANCELLED' });
    expect(second.data?.cancelReceivable).toMatchObject({ status: 'CANCELLED' });
    const stored = await db.prisma.receivable.findMany({ where: { id: { in: [rowId(mine.id), rowId(theirs.id)] } } });
    expect(stored.map((receivable) => receivable.status)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it('scopes lists: suppliers see theirs, core enterprises what they owe, others nothing', async () => {
    const LIST = `{ receivables(first: 100) { edges { node { id supplier { legalName } } } } }`;
    const ids = async (actor: TestActor) => ((await api.request<{ receivables: Result }>(actor.token, LIST)).data?.receivables.edges ?? []).map((edge: Result) => edge.node.id);
    const mine = await ids(supplier);
    expect(mine.length).toBeGreaterThan(0);
    expect(await ids(core)).toEqual(expect.arrayContaining(mine));
    expect(await ids(otherSupplier)).toEqual([]);
    expect(await ids(otherCore)).toEqual([]);
    expect(await ids(funder)).toEqual([]);
    expect(await ids(operator)).toEqual(expect.arrayContaining(mine));
    const anyId = mine[0];
    const hidden = await api.request<{ receivable: Result | null }>(funder.token, GET, { id: anyId });
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data).toEqual({ receivable: null });
    const filtered = await api.request<{ receivables: Result }>(supplier.token, `{ receivables(first: 100, filter: { status: [CANCELLED] }) { edges { node { status } } } }`);
    expect(filtered.data?.receivables.edges.every((edge: Result) => edge.node.status === 'CANCELLED')).toBe(true);
  });

  it('lets exactly one of 20 concurrent registrations of the same invoice win', async () => {
    const contested = uniqueInvoiceNumber();
    const suppliers = await Promise.all(Array.from({ length: 20 }, (_, index) => createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: `并发供应商 ${index}` })));
    const results = await Promise.all(
      suppliers.map((actor) => {
        const input = registrationInput(core.creditCode, { faceAmount: '1000.00' });
        input.invoices = [{ invoiceCode: '4403201130', invoiceNumber: contested, amount: '1000.00', issueDate: addDays(businessDateOf(new Date()), -5) }];
        return api.request<{ registerReceivable: Result }>(actor.token, REGISTER, { input });
      }),
    );
    const kinds = results.map((result) => result.data?.registerReceivable.__typename);
    expect(kinds.filter((kind) => kind === 'Receivable')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'ReceivableEncumberedError')).toHaveLength(19);
    const active = await db.prisma.registryEntry.count({ where: { releasedAt: null, receivable: { invoices: { some: { invoiceNumber: contested } } } } });
    expect(active).toBe(1);
  });
});
