import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { proposeTermsAmendment } from '../prisma/stores/program-change-store';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Duplicate delivery over real HTTP: a keyed mutation sent three times at once, with the same
// idempotency key and the same request id (`x-request-id`), as a client's retries and a proxy's
// resends arrive. Every copy gets the same answer, the effect happens once (the rows counted
// before and after), and a fourth copy sent afterwards changes nothing in the database. The
// helpers are test/support/duplicate-delivery.ts; the operators' maker-checker mutations are in
// concurrent-duplicates-operations.int.test.ts, a withdrawal and a fee sweep in
// concurrent-duplicates-payouts.int.test.ts, the voucher mutations in
// concurrent-duplicates-vouchers.int.test.ts, the user, program and webhook administration in
// concurrent-duplicates-administration.int.test.ts, and the answers carrying a secret shown once
// (registerWebhookEndpoint, rotateWebhookEndpointSecret, issueApiKey, approveUser) in
// concurrent-duplicates-secrets.int.test.ts, and the operators' resumes and a payout's retry in
// concurrent-duplicates-resumes.int.test.ts.
//
// Mutations that take an idempotency key or act on the request id and are not covered by
// concurrent copies yet, with the reason:
// - rejectReceivable, cancelReceivable, acknowledgeAssignment, refuseAssignment,
//   rejectPayoutAccount: the same use case and request key as the decisions covered here
//   (decide-on-receivable.ts, decide-on-financing.ts, decide-payout-account.ts).
// - runSystemCheck: a probe, a new run each time by design; simulateInboundCredit and
//   scriptBankPayouts: development tools outside the served schema.

const ERRORS = `... on WrongStateError { currentState } ... on Error { code message }`;
const FINANCING = `__typename ... on Financing { id status } ${ERRORS}`;
const RECEIVABLE = `__typename ... on Receivable { id status } ${ERRORS}`;
const ACCOUNT = `__typename ... on PartyBankAccount { id status } ... on Error { code message }`;

describe('keyed mutations delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const { send, deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  it('registerReceivable, confirmReceivable: one receivable, one confirmation', async () => {
    const { supplier } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = registrationInput(parties.core.creditCode);
    const registered = await deliveredThrice(supplier.token, `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id status } ... on Error { code message } } }`, { input });
    expect(registered).toMatchObject({ __typename: 'Receivable', status: 'REGISTERED' });
    expect(await db.prisma.receivable.count({ where: { supplierPartyId: supplier.partyId, contractNumber: input.contractNumber, status: { not: 'CONFIRMED' } } })).toBe(1);
    expect(await db.prisma.receivableInvoice.count({ where: { receivableId: rowId(registered.id) } })).toBe(2);

    const confirmed = await deliveredThrice(parties.core.token, `mutation ($id: ID!) { confirmReceivable(id: $id) { ${RECEIVABLE} } }`, { id: registered.id });
    expect(confirmed).toMatchObject({ __typename: 'Receivable', status: 'CONFIRMED' });
    expect(await db.prisma.receivableTransition.count({ where: { receivableId: rowId(registered.id), toStatus: 'CONFIRMED' } })).toBe(1);
  });

  it('applyForFinancing and every decision of the funder: one financing, one transition each', async () => {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const applied = await deliveredThrice(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FINANCING} } }`, {
      input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '50000.00', idempotencyKey: `dup-apply-${randomUUID()}` },
    });
    expect(applied).toMatchObject({ __typename: 'Financing', status: 'PENDING_APPROVAL' });
    const financingId = rowId(applied.id);
    expect(await db.prisma.financing.count({ where: { receivableId: receivable.id } })).toBe(1);

    expect(await deliveredThrice(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FINANCING} } }`, { id: applied.id })).toMatchObject({ __typename: 'Financing', status: 'PENDING_CONFIRMATION' });
    expect(await db.prisma.financingTransition.count({ where: { financingId, toStatus: 'PENDING_CONFIRMATION' } })).toBe(1);
    // A refusal is one answer too: the maker may not confirm the approval (four eyes), refused the same way each time.
    expect(await deliveredThrice(parties.funder.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FINANCING} } }`, { id: applied.id })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await deliveredThrice(parties.funderChecker.token, `mutation ($id: ID!, $reason: String!) { rejectFinancing(id: $id, reason: $reason) { ${FINANCING} } }`, { id: applied.id, reason: '额度不足' })).toMatchObject({
      __typename: 'Financing',
      status: 'REJECTED',
    });
    expect(await db.prisma.financingTransition.count({ where: { financingId, toStatus: 'REJECTED' } })).toBe(1);
    expect(await db.prisma.notification.count({ where: { financingId, kind: 'FINANCING_REJECTED' } })).toBe(1);
  });

  it('withdrawFinancing: one withdrawal, the limits released once', async () => {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const applied = await send(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FINANCING} } }`, {
      input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '50000.00', idempotencyKey: `dup-apply-${randomUUID()}` },
    }, randomUUID());
    const holdsBefore = await db.prisma.ledgerHold.count();
    expect(await deliveredThrice(supplier.token, `mutation ($id: ID!, $reason: String!) { withdrawFinancing(id: $id, reason: $reason) { ${FINANCING} } }`, { id: applied.id, reason: '不再需要' })).toMatchObject({
      __typename: 'Financing',
      status: 'WITHDRAWN',
    });
    expect(await db.prisma.financingTransition.count({ where: { financingId: rowId(applied.id), toStatus: 'WITHDRAWN' } })).toBe(1);
    expect(await db.prisma.ledgerHold.count()).toBe(holdsBefore);
  });

  it('registerPayoutAccount, approvePayoutAccount: one proposal, one approval', async () => {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: '深圳市华强精密电子有限公司' });
    const second = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['CHECKER'] });
    const registered = await deliveredThrice(supplier.token, `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { ${ACCOUNT} } }`, {
      input: { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' },
    });
    expect(registered).toMatchObject({ __typename: 'PartyBankAccount', status: 'PROPOSED' });
    expect(await db.prisma.partyBankAccount.count({ where: { partyId: supplier.partyId } })).toBe(1);
    expect(await deliveredThrice(second.token, `mutation ($id: ID!) { approvePayoutAccount(id: $id) { ${ACCOUNT} } }`, { id: registered.id })).toMatchObject({ __typename: 'PartyBankAccount', status: 'APPROVED' });
  });
  it('approveUserRoles, rejectUserRoles: one decision, the roles changed once', async () => {
    const first = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const second = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['ADMIN'] });
    const user = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['VIEWER'] });
    const CHANGE = `__typename ... on UserRoleChange { id status roles decidedBy { id } user { roles } } ${ERRORS}`;
    const propose = (roles: string[]) => send(first.token, `mutation ($input: ProposeUserRolesInput!) { proposeUserRoles(input: $input) { ${CHANGE} } }`, { input: { userId: globalId('User', user.userId), roles } }, randomUUID());
    const approving = await propose(['CHECKER']);
    expect(await deliveredThrice(second.token, `mutation ($id: ID!) { approveUserRoles(id: $id) { ${CHANGE} } }`, { id: approving.id })).toMatchObject({ __typename: 'UserRoleChange', status: 'APPLIED', user: { roles: ['CHECKER'] } });
    // Another decision on the decided change, or the proposer's own, is still refused.
    expect(await send(second.token, `mutation ($id: ID!) { rejectUserRoles(id: $id) { ${CHANGE} } }`, { id: approving.id }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'APPLIED' });
    expect(await send(first.token, `mutation ($id: ID!) { approveUserRoles(id: $id) { ${CHANGE} } }`, { id: approving.id }, randomUUID())).toMatchObject({ __typename: expect.stringMatching(/Error$/) });

    const rejecting = await propose(['MAKER']);
    expect(await deliveredThrice(second.token, `mutation ($id: ID!) { rejectUserRoles(id: $id) { ${CHANGE} } }`, { id: rejecting.id })).toMatchObject({ __typename: 'UserRoleChange', status: 'REJECTED', user: { roles: ['CHECKER'] } });
  });

  it('proposeUserRoles: one change proposed', async () => {
    const first = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const user = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['VIEWER'] });
    const CHANGE = `__typename ... on UserRoleChange { id status roles user { roles } } ${ERRORS}`;
    const proposed = await deliveredThrice(first.token, `mutation ($input: ProposeUserRolesInput!) { proposeUserRoles(input: $input) { ${CHANGE} } }`, { input: { userId: globalId('User', user.userId), roles: ['MAKER'] } });
    expect(proposed).toMatchObject({ __typename: 'UserRoleChange', status: 'PENDING', roles: ['MAKER'], user: { roles: ['VIEWER'] } });
    expect(await db.prisma.userRoleChange.count({ where: { userId: user.userId } })).toBe(1);
    // A new request while the change waits is still refused: one change waits at a time.
    expect(await send(first.token, `mutation ($input: ProposeUserRolesInput!) { proposeUserRoles(input: $input) { ${CHANGE} } }`, { input: { userId: globalId('User', user.userId), roles: ['MAKER'] } }, randomUUID())).toMatchObject({ __typename: 'ConflictError', code: 'ROLE_CHANGE_PENDING' });
  });

  it('createUser: one user proposed', async () => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const USER = `__typename ... on User { id email status roles } ... on Error { code message }`;
    const create = `mutation ($input: CreateUserInput!) { createUser(input: $input) { ${USER} } }`;
    const input = { partyId: globalId('Party', admin.partyId), email: `cashier-${randomUUID().slice(0, 8)}@example.com`, displayName: '出纳 王芳', roles: ['MAKER'] };
    expect(await deliveredThrice(admin.token, create, { input })).toMatchObject({ __typename: 'User', status: 'PENDING', email: input.email, roles: ['MAKER'] });
    expect(await db.prisma.user.count({ where: { partyId: admin.partyId, email: input.email } })).toBe(1);
    // A new request for the same e-mail is still refused.
    expect(await send(admin.token, create, { input }, randomUUID())).toMatchObject({ __typename: 'ConflictError', code: 'EMAIL_TAKEN' });
  });

  it('approveProgramChange: each side approves once', async () => {
    const operatorChecker = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] });
    const change = await proposeTermsAmendment(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT', annualRate: '0.07' }, `dup-${randomUUID()}`);
    const CHANGE = `__typename ... on ProgramChange { id status } ${ERRORS}`;
    const approve = `mutation ($id: ID!) { approveProgramChange(id: $id) { ${CHANGE} } }`;
    const id = globalId('ProgramChange', change.id);
    expect(await deliveredThrice(operatorChecker.token, approve, { id })).toMatchObject({ __typename: 'ProgramChange' });
    expect(await deliveredThrice(parties.funderChecker.token, approve, { id })).toMatchObject({ __typename: 'ProgramChange', status: 'APPLIED' });
    expect(await db.prisma.programTerms.count({ where: { programId: parties.programId } })).toBe(2);
  });
  it('approveWebhookEndpoint, rejectWebhookEndpoint: one decision each', async () => {
    const first = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const second = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['CHECKER'] });
    const ENDPOINT = `__typename ... on WebhookEndpoint { id status } ${ERRORS}`;
    const register = async (host: string) => {
      const registered = await send(first.token, `mutation ($input: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { endpoint { id } } ... on Error { code message } } }`, {
        input: { url: `http://127.0.0.1:9/${host}/hooks`, eventTypes: ['FINANCING_UPDATED'] },
      }, randomUUID());
      expect(registered).toMatchObject({ __typename: 'WebhookEndpointWithSecret' });
      return registered.endpoint.id as string;
    };
    const approved = await register('erp');
    expect(await deliveredThrice(second.token, `mutation ($id: ID!) { approveWebhookEndpoint(id: $id) { ${ENDPOINT} } }`, { id: approved })).toMatchObject({ __typename: 'WebhookEndpoint', status: 'ACTIVE' });
    // Another decision, or another user's, is still refused.
    expect(await send(second.token, `mutation ($id: ID!) { rejectWebhookEndpoint(id: $id) { ${ENDPOINT} } }`, { id: approved }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'ACTIVE' });
    expect(await send(first.token, `mutation ($id: ID!) { approveWebhookEndpoint(id: $id) { ${ENDPOINT} } }`, { id: approved }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'ACTIVE' });
    const rejected = await register('crm');
    expect(await deliveredThrice(second.token, `mutation ($id: ID!) { rejectWebhookEndpoint(id: $id) { ${ENDPOINT} } }`, { id: rejected })).toMatchObject({ __typename: 'WebhookEndpoint', status: 'REJECTED' });
  });
});
