import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { startTestApi, type TestApi } from '../test/support/api';
import { startTimeSkipping } from '../test/support/time-skipping';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createTestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { financingStateQuery } from './contracts/financing';
import { workflowIds } from './contracts/workflow-ids';

// Every deadline of the financing workflow on the time-skipping server, driven through the
// real API (real HTTP, real activities, real PostgreSQL): days pass in milliseconds.

type Result = Record<string, any>;

const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = `__typename ... on Financing { id status approvalDeadline closedReason receivable { status } history { fromStatus toStatus actorName reason } }
  ... on WrongStateError { currentState } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`;
const ACKNOWLEDGE = `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`;
const APPROVE = `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`;
const CONFIRM = `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`;

describe('financing workflow deadlines (time skipping)', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let open: FinancingParties;
  let silent: FinancingParties;

  beforeAll(async () => {
    // The workflow's clock runs months ahead of the database's: postings carry its time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    open = await createFinancingParties(db.prisma);
    silent = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
  });

  // A fresh server per test: the API stamps deadlines with the wall clock, so the workflow's
  // clock must start at the wall clock too (a skipped server stays days ahead).
  beforeEach(async () => {
    env = await startTimeSkipping();
    // env.client, so that time skips while a test awaits a workflow's result.
    api = await startTestApi(db.prisma, { temporalClient: env.client, financingSettings: TEST_FINANCING_WINDOWS });
  });

  afterEach(async () => {
    await api?.close();
    await env?.teardown();
  });

  afterAll(async () => {
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  async function programAvailable(parties: FinancingParties) {
    const code = creditLimitCode({ kind: 'PROGRAM', funderPartyId: parties.funder.partyId, programId: parties.programId, obligorPartyId: null, currency: 'CNY' });
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).available.toFixed(2);
  }

  /** Applies through the API with a worker on the API's queue; `run` gets the financing and its workflow handle. */
  async function withFinancing(parties: FinancingParties, run: (financing: Result, supplierToken: string, handle: ReturnType<typeof env.client.workflow.getHandle>) => Promise<void>) {
    const worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue });
    await worker.runUntil(async () => {
      const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      const financing = await call(supplier.token, APPLY, { input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '100000.00', idempotencyKey: `apply-${receivable.id}` } });
      expect(financing.__typename, JSON.stringify(financing)).toBe('Financing');
      await run(financing, supplier.token, env.client.workflow.getHandle(workflowIds.financing(rowId(financing.id))));
    });
  }

  it('expires an open-assignment financing the core enterprise never acknowledges, releasing its limits and receivable', async () => {
    const before = await programAvailable(open);
    await withFinancing(open, async (financing, _supplierToken, handle) => {
      expect(await programAvailable(open)).toBe((Number(before) - 100000).toFixed(2));
      await env.sleep(4 * DAY_MS);
      expect((await handle.query(financingStateQuery)).status).toBe('PENDING_ACKNOWLEDGEMENT');
      expect((await handle.result()).status).toBe('EXPIRED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'financing-expired-unacknowledged');
      const late = await call(open.core.token, ACKNOWLEDGE, { id: financing.id });
      expect(late).toMatchObject({ __typename: 'WrongStateError', code: 'DEADLINE_PASSED', currentState: 'EXPIRED' });
    });
    expect(await programAvailable(open)).toBe(before);
    const stored = await db.prisma.financing.findFirstOrThrow({ where: { programId: open.programId }, orderBy: { appliedAt: 'desc' }, include: { receivable: true, transitions: { orderBy: { id: 'asc' } } } });
    expect(stored).toMatchObject({ status: 'EXPIRED', closedReason: 'the core enterprise did not acknowledge the assignment before the deadline', receivable: { status: 'CONFIRMED' } });
    expect(stored.transitions.map((row) => [row.fromStatus, row.toStatus, row.actorUserId])).toEqual([
      [null, 'PENDING_ACKNOWLEDGEMENT', expect.any(String)],
      ['PENDING_ACKNOWLEDGEMENT', 'EXPIRED', null],
    ]);
    const kinds = (await db.prisma.notification.findMany({ where: { financingId: stored.id } })).map((row) => row.kind).sort();
    expect(kinds).toEqual(['ACKNOWLEDGEMENT_REQUESTED', 'FINANCING_EXPIRED', 'FINANCING_EXPIRED', 'FINANCING_EXPIRED']);
  });

  it('starts the approval window at the acknowledgement and expires a financing approved once but never confirmed', async () => {
    await withFinancing(open, async (financing, _supplierToken, handle) => {
      await env.sleep(4 * DAY_MS);
      const acknowledged = await call(open.core.token, ACKNOWLEDGE, { id: financing.id });
      expect(acknowledged.status).toBe('PENDING_APPROVAL');
      // The five approval days count from the acknowledgement (day 4), not from the application.
      const acknowledgedAt = await env.currentTimeMs();
      expect(Math.abs(Date.parse(acknowledged.approvalDeadline) - (acknowledgedAt + 5 * DAY_MS))).toBeLessThan(60_000);
      await env.sleep(4 * DAY_MS);
      expect((await call(open.funder.token, APPROVE, { id: financing.id })).status).toBe('PENDING_CONFIRMATION');
      expect((await handle.result()).status).toBe('EXPIRED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'financing-expired-unconfirmed');
      const late = await call(open.funderChecker.token, CONFIRM, { id: financing.id });
      expect(late).toMatchObject({ __typename: 'WrongStateError', code: 'DEADLINE_PASSED' });
    });
    const stored = await db.prisma.financing.findFirstOrThrow({ where: { programId: open.programId }, orderBy: { appliedAt: 'desc' }, include: { transitions: { orderBy: { id: 'asc' } } } });
    expect(stored.transitions.map((row) => row.toStatus)).toEqual(['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'EXPIRED']);
    expect(stored.closedReason).toBe('the funder did not approve before the deadline');
  });

  it('approves when both funder users act before the deadline; unfunded, it expires at the funding deadline and releases everything', async () => {
    const before = await programAvailable(open);
    await withFinancing(open, async (financing, _supplierToken, handle) => {
      await env.sleep(4 * DAY_MS);
      await call(open.core.token, ACKNOWLEDGE, { id: financing.id });
      await env.sleep(4 * DAY_MS);
      await call(open.funder.token, APPROVE, { id: financing.id });
      expect((await call(open.funderChecker.token, CONFIRM, { id: financing.id })).status).toBe('APPROVED');
      // The funder's account is empty: the financing waits for a top-up for the funding window, then expires.
      await env.sleep(DAY_MS);
      expect((await handle.query(financingStateQuery)).status).toBe('FUNDING_PENDING');
      expect((await handle.result()).status).toBe('EXPIRED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'financing-expired-unfunded');
    });
    const stored = await db.prisma.financing.findFirstOrThrow({ where: { programId: open.programId }, orderBy: { appliedAt: 'desc' }, include: { receivable: true, transitions: { orderBy: { id: 'asc' } } } });
    expect(stored.transitions.map((row) => row.toStatus)).toEqual(['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'APPROVED', 'FUNDING_PENDING', 'EXPIRED']);
    expect(stored).toMatchObject({ closedReason: 'the funder did not fund the financing before the deadline', receivable: { status: 'CONFIRMED' } });
    expect(await programAvailable(open)).toBe(before);
  });

  it('expires a silent-assignment financing the funder does not approve within its window from the application', async () => {
    const before = await programAvailable(silent);
    await withFinancing(silent, async (financing, _supplierToken, handle) => {
      expect(financing.status).toBe('PENDING_APPROVAL');
      await env.sleep(4 * DAY_MS);
      expect((await handle.query(financingStateQuery)).status).toBe('PENDING_APPROVAL');
      expect((await handle.result()).status).toBe('EXPIRED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'financing-expired-silent-unapproved');
      expect(await call(silent.funder.token, APPROVE, { id: financing.id })).toMatchObject({ __typename: 'WrongStateError', code: 'DEADLINE_PASSED' });
    });
    expect(await programAvailable(silent)).toBe(before);
  });
});
