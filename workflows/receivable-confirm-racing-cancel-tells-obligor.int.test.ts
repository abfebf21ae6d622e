import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankAdapter } from '../bank/bank-adapter';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { registrationInput } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities, type Activities } from './activities';
import { workflowIds } from './contracts/workflow-ids';

// The core enterprise confirms a receivable while its supplier cancels it. Both are allowed in
// that order (REGISTERED → CONFIRMED → CANCELLED, docs/workflows/receivable.md), and the database
// applies both: the receivable ends CANCELLED, its invoices released. Whatever order the two
// answers reach the confirmation workflow in, it must then tell the parties what became of the
// receivable: the core enterprise, which confirmed a debt the supplier has since withdrawn, is
// told the receivable was cancelled (RECEIVABLE_CANCELLED), as for any cancellation.

type Result = Record<string, any>;

const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) {
  __typename ... on Receivable { id status } ... on Error { code message } } }`;
const CONFIRM = `mutation ($id: ID!) { confirmReceivable(id: $id) {
  __typename ... on Receivable { status } ... on Error { code message } } }`;
const CANCEL = `mutation ($id: ID!, $reason: String!) { cancelReceivable(id: $id, reason: $reason) {
  __typename ... on Receivable { status } ... on Error { code message } } }`;

describe('a confirmation and a cancellation of one receivable at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let confirmationsCommitted = 0;
  let cancellationsStarted = 0;
  let releaseConfirmation = (): void => undefined;
  const confirmationReleased = new Promise<void>((resolve) => {
    releaseConfirmation = resolve;
  });
  let releaseCancellation = (): void => undefined;
  const cancellationReleased = new Promise<void>((resolve) => {
    releaseCancellation = resolve;
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: {} as BankAdapter });
    // Two workers' worth of timing, made exact: the confirmation commits and its answer waits a
    // moment; the cancellation, sent meanwhile, waits for the receivable's row lock and commits
    // just after the confirmation's answer has reached the workflow.
    const decideReceivable: Activities['decideReceivable'] = async (input) => {
      if (input.decision.kind === 'CANCEL') {
        cancellationsStarted += 1;
        await cancellationReleased;
      }
      const state = await real.decideReceivable(input);
      if (input.decision.kind === 'CONFIRM') {
        confirmationsCommitted += 1;
        await confirmationReleased;
      }
      return state;
    };
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, activities: { decideReceivable } });
    running = worker.worker.run();
  });

  afterAll(async () => {
    releaseConfirmation();
    releaseCancellation();
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  it('tells the core enterprise the receivable it confirmed was cancelled', async () => {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'], legalName: '深圳市华强精密电子有限公司' });
    const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    const registered: Result = await api.call(supplier.token, REGISTER, { input: registrationInput(core.creditCode) });
    expect(registered).toMatchObject({ __typename: 'Receivable', status: 'REGISTERED' });
    const receivableId = rowId(registered.id);

    // The core enterprise confirms the full 1,000,000.00; the confirmation is committed.
    const confirming = api.call(core.token, CONFIRM, { id: registered.id });
    await expect.poll(() => confirmationsCommitted, { timeout: 20_000 }).toBe(1);
    // The supplier's cancellation, sent at the same moment, is accepted and applied just after it.
    const cancelling = api.call(supplier.token, CANCEL, { id: registered.id, reason: '合同解除 / contract terminated' });
    await expect.poll(() => cancellationsStarted, { timeout: 20_000 }).toBe(1);
    releaseConfirmation();
    expect(await confirming).toEqual({ __typename: 'Receivable', status: 'CONFIRMED' });
    releaseCancellation();
    expect(await cancelling).toEqual({ __typename: 'Receivable', status: 'CANCELLED' });

    // The workflow ends once it has told the parties.
    const handle = api.temporal.workflow.getHandle(workflowIds.receivable(receivableId));
    await handle.result();
    const stored = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } });
    const inbox = async (partyId: string) => (await db.prisma.notification.findMany({ where: { receivableId, partyId }, orderBy: { createdAt: 'asc' } })).map((row) => row.kind);
    expect({ status: stored.status, coreInbox: await inbox(core.partyId) }).toEqual({
      status: 'CANCELLED',
      coreInbox: ['CONFIRMATION_REQUESTED', 'RECEIVABLE_CANCELLED'],
    });
  });
});
