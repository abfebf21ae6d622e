import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideFinancing } from '../prisma/stores/financing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { sendWithRequestId, type Result } from '../test/support/duplicate-delivery';
import { registrationInput } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { requestKey } from '../use-cases/request-key';
import { decisionKey, FINANCING_DECISION_ACTIONS } from '../workflows/contracts/decision-key';
import { workflowIds } from '../workflows/contracts/workflow-ids';

// A decision sent again with the same request id (`x-request-id`) by the same user is one
// decision: it is answered as a replay with the object's state, whether the workflow still
// knows the first copy, has ended since, or never saw the first copy's committed effect (a
// crash between the activity's commit and Temporal's record of it, as the power-cut run of
// seed 20261206 met). Another decision, or the same one by another user, is still refused.


const ERRORS = `... on WrongStateError { currentState } ... on Error { code message }`;
const FINANCING = `__typename ... on Financing { id status } ${ERRORS}`;
const RECEIVABLE = `__typename ... on Receivable { id status } ${ERRORS}`;
const decision = (name: string, withReason = false) => {
  const fields = name.endsWith('Receivable') ? RECEIVABLE : FINANCING;
  return withReason ? `mutation ($id: ID!, $reason: String!) { ${name}(id: $id, reason: $reason) { ${fields} } }` : `mutation ($id: ID!) { ${name}(id: $id) { ${fields} } }`;
};
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FINANCING} } }`;
const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id status } ... on Error { code message } } }`;

describe('a decision repeated with the same request id', () => {
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

  const send = (token: string, query: string, variables: Record<string, unknown>, requestId: string): Promise<Result> => sendWithRequestId(api, token, query, variables, requestId);

  /** A silent financing waiting for the funder's approval, applied for through the API. */
  async function financingAwaitingApproval(through = api): Promise<{ id: string; financingId: string; supplierToken: string }> {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const applied = await sendWithRequestId(through, supplier.token, APPLY, { input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '50000.00', idempotencyKey: `apply-${randomUUID()}` } }, randomUUID());
    expect(applied).toMatchObject({ __typename: 'Financing', status: 'PENDING_APPROVAL' });
    return { id: applied.id as string, financingId: rowId(applied.id as string), supplierToken: supplier.token };
  }

  it('answers the replay when the first copy committed unseen by the workflow', async () => {
    const { id, financingId } = await financingAwaitingApproval();
    const requestId = `approve-${randomUUID()}`;
    const maker = { userId: parties.funder.userId, partyId: parties.funder.partyId };
    // The first copy's activity committed under the key the workflow gives it, as before the
    // crash; Temporal never recorded it, so the retry reaches the workflow as a new Update.
    await decideFinancing(db.prisma, financingId, { kind: 'APPROVE' }, maker, decisionKey(workflowIds.financing(financingId), FINANCING_DECISION_ACTIONS.APPROVE, requestKey('approve', financingId, maker, requestId)));

    // The client's retry of its own request: the same decision, by the same user, with the same id.
    expect(await send(parties.funder.token, decision('approveFinancing'), { id }, requestId)).toMatchObject({ __typename: 'Financing', id, status: 'PENDING_CONFIRMATION' });
    // The same request id from another user, or for another decision, is no repeat of it.
    expect(await send(parties.funderChecker.token, decision('approveFinancing'), { id }, requestId)).toMatchObject({ __typename: 'WrongStateError', currentState: 'PENDING_CONFIRMATION' });
    expect(await send(parties.funder.token, decision('confirmApproval'), { id }, requestId)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await send(parties.funder.token, decision('approveFinancing'), { id }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'PENDING_CONFIRMATION' });
    expect(await db.prisma.financingTransition.count({ where: { financingId, toStatus: 'PENDING_CONFIRMATION' } })).toBe(1);
    // The run goes on from the replayed state: the second user confirms.
    expect(await send(parties.funderChecker.token, decision('confirmApproval'), { id }, randomUUID())).toMatchObject({ __typename: 'Financing', status: 'APPROVED' });
  });

  it('answers the replay when the first copy committed unseen and the run has since moved past it and ended', async () => {
    // An API whose financings give the funder 4 s: the run meets the deadline while the client is away.
    const hasty = await startTestApi(db.prisma, { taskQueue: api.taskQueue, financingSettings: { ...TEST_FINANCING_WINDOWS, approvalWindowMs: 4_000 } });
    try {
      const { id, financingId } = await financingAwaitingApproval(hasty);
      const requestId = `approve-${randomUUID()}`;
      const maker = { userId: parties.funder.userId, partyId: parties.funder.partyId };
      await decideFinancing(db.prisma, financingId, { kind: 'APPROVE' }, maker, decisionKey(workflowIds.financing(financingId), FINANCING_DECISION_ACTIONS.APPROVE, requestKey('approve', financingId, maker, requestId)));
      // At the deadline the run learns the approval from the database (a decided financing does
      // not expire), then waits for the confirmation until the same deadline, and ends expired.
      await api.temporal.workflow.getHandle(workflowIds.financing(financingId)).result();
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status).toBe('EXPIRED');

      expect(await send(parties.funder.token, decision('approveFinancing'), { id }, requestId)).toMatchObject({ __typename: 'Financing', id, status: 'EXPIRED' });
      expect(await send(parties.funder.token, decision('approveFinancing'), { id }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'EXPIRED' });
      expect(await send(parties.funderChecker.token, decision('approveFinancing'), { id }, requestId)).toMatchObject({ __typename: 'WrongStateError', currentState: 'EXPIRED' });
    } finally {
      await hasty.close();
    }
  });

  it('answers the replay of a decision that ended the run', async () => {
    const { id, financingId } = await financingAwaitingApproval();
    const requestId = `reject-${randomUUID()}`;
    const first = await send(parties.funder.token, decision('rejectFinancing', true), { id, reason: '额度不足' }, requestId);
    expect(first).toMatchObject({ __typename: 'Financing', status: 'REJECTED' });
    await api.temporal.workflow.getHandle(workflowIds.financing(financingId)).result();

    expect(await send(parties.funder.token, decision('rejectFinancing', true), { id, reason: '额度不足' }, requestId)).toMatchObject({ __typename: 'Financing', id, status: 'REJECTED' });
    // Another user of the funder with the same request id, or a new request: refused in the state.
    expect(await send(parties.funderChecker.token, decision('rejectFinancing', true), { id, reason: '额度不足' }, requestId)).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
    expect(await send(parties.funder.token, decision('rejectFinancing', true), { id, reason: '额度不足' }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
    expect(await db.prisma.financingTransition.count({ where: { financingId, toStatus: 'REJECTED' } })).toBe(1);
  });

  it('answers the replay of a receivable confirmation after the confirmation run ended', async () => {
    const { supplier } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const registered = await send(supplier.token, REGISTER, { input: registrationInput(parties.core.creditCode) }, randomUUID());
    expect(registered).toMatchObject({ __typename: 'Receivable', status: 'REGISTERED' });
    const id = registered.id as string;
    const requestId = `confirm-${randomUUID()}`;
    expect(await send(parties.core.token, decision('confirmReceivable'), { id }, requestId)).toMatchObject({ __typename: 'Receivable', status: 'CONFIRMED' });
    await api.temporal.workflow.getHandle(workflowIds.receivable(rowId(id))).result();

    expect(await send(parties.core.token, decision('confirmReceivable'), { id }, requestId)).toMatchObject({ __typename: 'Receivable', id, status: 'CONFIRMED' });
    expect(await send(parties.core.token, decision('rejectReceivable', true), { id, reason: '发票有误' }, requestId)).toMatchObject({ __typename: 'WrongStateError', currentState: 'CONFIRMED' });
    expect(await send(parties.core.token, decision('confirmReceivable'), { id }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'CONFIRMED' });
    expect(await db.prisma.receivableTransition.count({ where: { receivableId: rowId(id), toStatus: 'CONFIRMED' } })).toBe(1);
  });
});
