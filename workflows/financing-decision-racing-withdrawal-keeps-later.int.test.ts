import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BankAdapter } from '../bank/bank-adapter';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities, type Activities } from './activities';
import { financingStateQuery } from './contracts/financing';
import { workflowIds } from './contracts/workflow-ids';

// A decision of the core enterprise or the funder (an acknowledgement, an approval) and the
// supplier's withdrawal, sent at the same moment, can both be applied: the database takes them
// one after the other under the financing's row lock (PENDING_ACKNOWLEDGEMENT → PENDING_APPROVAL
// → WITHDRAWN, or PENDING_APPROVAL → PENDING_CONFIRMATION → WITHDRAWN). Their answers may reach
// the financing's workflow in the other order, the withdrawal's first. The workflow must then
// keep the later state, the database's (WITHDRAWN), and tell the funder and the core enterprise
// the financing was withdrawn; it must never go on as if it were acknowledged or approved,
// asking the funder to approve a financing that no longer exists.

type Result = Record<string, any>;

const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) {
  __typename ... on Financing { id status } ... on Error { code message } } }`;
const decision = (name: string, withReason = false) =>
  withReason
    ? `mutation ($id: ID!, $reason: String!) { ${name}(id: $id, reason: $reason) { __typename ... on Financing { status } ... on Error { code message } } }`
    : `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on Financing { status } ... on Error { code message } } }`;
const ACKNOWLEDGE = decision('acknowledgeAssignment');
const APPROVE = decision('approveFinancing');
const WITHDRAW = decision('withdrawFinancing', true);

/** A gate the test opens: what waits at it goes on once `open` is called. */
function gate() {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('a decision and the supplier’s withdrawal of one financing at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  /** Decisions (`<financingId>:<kind>`) whose answer waits, once committed, for the test. */
  const heldAnswers = new Map<string, ReturnType<typeof gate>>();
  const committed: string[] = [];
  /** Notices, by kind, held before they are written; those started are listed as `<financingId>:<kind>`. */
  const heldNotices = new Map<string, ReturnType<typeof gate>>();
  const noticesStarted: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: {} as BankAdapter });
    // Two workers' worth of timing, made exact: the first decision commits and its answer waits
    // a moment; the withdrawal, sent meanwhile, commits after it and answers at once.
    const decideFinancing: Activities['decideFinancing'] = async (input) => {
      const state = await real.decideFinancing(input);
      const key = `${input.financingId}:${input.decision.kind}`;
      committed.push(key);
      await heldAnswers.get(key)?.opened;
      return state;
    };
    const notifyFinancingParty: Activities['notifyFinancingParty'] = async (input) => {
      noticesStarted.push(`${input.financingId}:${input.kind}`);
      await heldNotices.get(input.kind)?.opened;
      return real.notifyFinancingParty(input);
    };
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, activities: { decideFinancing, notifyFinancingParty } });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma);
  });

  afterEach(() => {
    for (const held of [...heldAnswers.values(), ...heldNotices.values()]) held.open();
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  async function applied(): Promise<{ id: string; financingId: string; supplierToken: string }> {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: `apply-${randomUUID()}` };
    const financing: Result = await api.call(supplier.token, APPLY, { input });
    expect(financing).toMatchObject({ __typename: 'Financing', status: 'PENDING_ACKNOWLEDGEMENT' });
    return { id: financing.id, financingId: rowId(financing.id), supplierToken: supplier.token };
  }

  /** What the run holds, what the database holds, and what each party was told. */
  async function outcome(financingId: string) {
    const handle = api.temporal.workflow.getHandle(workflowIds.financing(financingId));
    const inbox = async (partyId: string) => (await db.prisma.notification.findMany({ where: { financingId, partyId }, orderBy: { createdAt: 'asc' } })).map((row) => row.kind);
    return {
      run: (await handle.query(financingStateQuery)).status,
      stored: (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status,
      funder: await inbox(parties.funder.partyId),
      core: await inbox(parties.core.partyId),
    };
  }

  it('keeps the withdrawal when the acknowledgement’s answer arrives after it, while the core enterprise is being asked', async () => {
    // The run is still asking the core enterprise when both answers reach it.
    const asking = gate();
    heldNotices.set('ACKNOWLEDGEMENT_REQUESTED', asking);
    const { id, financingId, supplierToken } = await applied();
    await expect.poll(() => noticesStarted, { timeout: 20_000 }).toContain(`${financingId}:ACKNOWLEDGEMENT_REQUESTED`);

    // The core enterprise acknowledges; the acknowledgement is committed, its answer waits.
    const acknowledgement = gate();
    heldAnswers.set(`${financingId}:ACKNOWLEDGE`, acknowledgement);
    const acknowledging = api.call(parties.core.token, ACKNOWLEDGE, { id });
    await expect.poll(() => committed, { timeout: 20_000 }).toContain(`${financingId}:ACKNOWLEDGE`);
    // The supplier withdraws at the same moment: applied after the acknowledgement, answered first.
    expect(await api.call(supplierToken, WITHDRAW, { id, reason: '已从其他渠道融资 / financed elsewhere' })).toEqual({ __typename: 'Financing', status: 'WITHDRAWN' });
    acknowledgement.open();
    // Applied, then overtaken: the API shows the core enterprise the financing as it now stands.
    expect(await acknowledging).toEqual({ __typename: 'Financing', status: 'WITHDRAWN' });
    asking.open();

    // The run follows the database: the funder is not asked to approve, it is told of the withdrawal.
    await expect
      .poll(() => outcome(financingId), { timeout: 30_000 })
      .toEqual({ run: 'WITHDRAWN', stored: 'WITHDRAWN', funder: ['FINANCING_WITHDRAWN'], core: ['ACKNOWLEDGEMENT_REQUESTED', 'FINANCING_WITHDRAWN'] });
    expect((await api.temporal.workflow.getHandle(workflowIds.financing(financingId)).result())?.status).toBe('WITHDRAWN');
    await recordWorkflowHistory(api.temporal, workflowIds.financing(financingId), 'financing-withdrawn-racing-acknowledgement');
  });

  it('ends holding the withdrawal when the approval’s answer arrives after it', async () => {
    const { id, financingId, supplierToken } = await applied();
    expect(await api.call(parties.core.token, ACKNOWLEDGE, { id })).toEqual({ __typename: 'Financing', status: 'PENDING_APPROVAL' });
    await expect.poll(() => noticesStarted, { timeout: 20_000 }).toContain(`${financingId}:APPROVAL_REQUESTED`);

    // The funder's maker approves; the approval is committed, its answer waits.
    const approval = gate();
    heldAnswers.set(`${financingId}:APPROVE`, approval);
    const approving = api.call(parties.funder.token, APPROVE, { id });
    await expect.poll(() => committed, { timeout: 20_000 }).toContain(`${financingId}:APPROVE`);
    // The supplier withdraws at the same moment: applied after the approval, answered first.
    expect(await api.call(supplierToken, WITHDRAW, { id, reason: '已从其他渠道融资 / financed elsewhere' })).toEqual({ __typename: 'Financing', status: 'WITHDRAWN' });
    approval.open();
    expect(await approving).toEqual({ __typename: 'Financing', status: 'WITHDRAWN' });

    const ended = await api.temporal.workflow.getHandle(workflowIds.financing(financingId)).result();
    expect({ ended: ended?.status, ...(await outcome(financingId)) }).toEqual({
      ended: 'WITHDRAWN',
      run: 'WITHDRAWN',
      stored: 'WITHDRAWN',
      funder: ['APPROVAL_REQUESTED', 'FINANCING_WITHDRAWN'],
      core: ['ACKNOWLEDGEMENT_REQUESTED', 'FINANCING_WITHDRAWN'],
    });
    await recordWorkflowHistory(api.temporal, workflowIds.financing(financingId), 'financing-withdrawn-racing-approval');
  });
});
