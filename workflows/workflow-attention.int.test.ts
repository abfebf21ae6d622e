import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { financingAttentionQuery } from './contracts/financing';
import { receivableAttentionQuery } from './contracts/receivable';
import { workflowIds } from './contracts/workflow-ids';
import { startOfBusinessDate } from '../domain/business-date';

// A step that reaches its bound neither fails the workflow nor stops it silently: the financing
// (or receivable) is marked for attention where operators see it, they are told, and an
// operator's resume runs the step again to completion. Real API, real workflows on the
// time-skipping server (the bounds pass in seconds), real PostgreSQL, the bank simulator.

type Result = Record<string, any>;

const HOUR_MS = 60 * 60 * 1000;
const OBJECT_FIELDS = 'id status attention { step reason since }';
const fields = (type: 'Financing' | 'Receivable') => `__typename ... on ${type} { ${OBJECT_FIELDS} } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${fields('Financing')} } }`;
const financingDecision = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${fields('Financing')} } }`;
const receivableDecision = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${fields('Receivable')} } }`;
// Lookups answer the object itself (or null), not a union.
const GET_FINANCING = `query ($id: ID!) { financing(id: $id) { __typename ${OBJECT_FIELDS} } }`;
const GET_RECEIVABLE = `query ($id: ID!) { receivable(id: $id) { __typename ${OBJECT_FIELDS} } }`;
const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { ${fields('Receivable')} } }`;
const RESUME_FINANCING = financingDecision('resumeFinancing');
const RESUME_RECEIVABLE = receivableDecision('resumeReceivable');
const INBOX = `{ notifications(first: 50) { edges { node { kind subject body } } } }`;

describe('a step past its bound waits for an operator (time skipping)', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;

  beforeAll(async () => {
    // The workflow's clock runs months ahead of the database's: postings carry its time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  /** Lets the workflow's clock run, a step at a time, until `done` holds. */
  async function sleepUntil(done: () => Promise<boolean>, stepMs: number, what: string) {
    for (let step = 0; !(await done()); step += 1) {
      if (step === 40) throw new Error(`${what} did not happen`);
      await env.sleep(stepMs);
    }
  }

  it('marks a financing whose payout the bank cannot take within the hour, tells the operators, and pays out once when an operator resumes it', async () => {
    const worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    await worker.runUntil(async () => {
      const parties = await createFinancingParties(db.prisma);
      const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
      const funding = await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
      await bank.receiveInboundCredit({ virtualAccountNumber: funding!.virtualAccountNumber!, amount: '1000000.00', currency: 'CNY', payerName: '前海恒信', payerAccountNumber: '6222000011112222', remittanceInformation: 'top-up' });
      await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });

      const applied = await call(supplier.token, APPLY, { input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' } });
      expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
      const id = applied.id as string;
      const financingId = rowId(id);
      const handle = env.client.workflow.getHandle(workflowIds.financing(financingId));
      // Nothing waits yet: a resume is refused, and only operators may ask.
      expect(await call(parties.admin.token, RESUME_FINANCING, { id })).toMatchObject({ __typename: 'WrongStateError' });
      expect(await call(supplier.token, RESUME_FINANCING, { id })).toMatchObject({ __typename: 'ForbiddenError' });

      // The bank goes down before the approval: the payout cannot be submitted.
      await bank.setUnavailable(1_000);
      await call(parties.core.token, financingDecision('acknowledgeAssignment'), { id });
      await call(parties.funder.token, financingDecision('approveFinancing'), { id });
      await call(parties.funderChecker.token, financingDecision('confirmApproval'), { id });
      const marked = async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).attentionStep !== null;
      await sleepUntil(marked, 10 * 60 * 1000, 'the attention mark');

      // Past the bank's hour: the financing waits in DISBURSING, marked for operators only.
      const seenByOperator = await call(parties.admin.token, GET_FINANCING, { id });
      expect(seenByOperator).toMatchObject({ status: 'DISBURSING', attention: { step: 'submitPayout', reason: expect.stringMatching(/unavailable/) } });
      expect(Number.isNaN(Date.parse(seenByOperator.attention.since))).toBe(false);
      expect((await call(supplier.token, GET_FINANCING, { id })).attention).toBeNull();
      expect((await call(parties.funder.token, GET_FINANCING, { id })).attention).toBeNull();
      expect(await handle.query(financingAttentionQuery)).toMatchObject({ step: 'submitPayout' });
      const inbox = (await call(parties.admin.token, INBOX)).edges.map((edge: Result) => edge.node);
      expect(inbox).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'ATTENTION_NEEDED', body: expect.stringContaining('resumeFinancing') })]));
      expect(await db.prisma.payout.findMany({ where: { financingId } })).toMatchObject([{ status: 'SUBMITTED' }]);

      // Still waiting hours later: nothing retries by itself.
      await env.sleep(3 * HOUR_MS);
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).attentionStep).toBe('submitPayout');

      // The bank is back; an operator resumes; the same payout (same reference) goes through once.
      await bank.setUnavailable(0);
      const resumed = await call(parties.admin.token, RESUME_FINANCING, { id });
      expect(resumed).toMatchObject({ __typename: 'Financing', attention: null });
      expect(await handle.query(financingAttentionQuery)).toBeNull();
      const disbursed = async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status === 'DISBURSED';
      await sleepUntil(disbursed, 60_000, 'the payout');
      const payouts = await db.prisma.payout.findMany({ where: { financingId } });
      expect(payouts.map((payout) => payout.status)).toEqual(['SETTLED']);
      expect(await bank.queryPayout(payouts[0]!.payoutReference)).toMatchObject({ status: 'SETTLED', amount: '787200.00' });

      // And on to settlement, as any financing.
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId }, include: { collectionAccount: true } });
      const dueDate = financing.dueDate.toISOString().slice(0, 10);
      const target = startOfBusinessDate(dueDate).getTime() + 10 * HOUR_MS;
      await env.sleep(target - (await env.currentTimeMs()));
      await bank.receiveInboundCredit({ virtualAccountNumber: financing.collectionAccount!.virtualAccountNumber!, amount: '800000.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222000033334444', remittanceInformation: 'repayment' });
      await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
      expect(((await handle.result()) as { status: string }).status).toBe('SETTLED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'financing-attention-resumed');
      expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    });
  });

  it('marks a receivable whose confirmation request cannot be written within half an hour, and resumes it to confirmation', async () => {
    let inboxDown = true;
    const worker = await createTestWorker(db.prisma, {
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue: api.taskQueue,
      // The notification store is down: every attempt fails until the test brings it back.
      activities: {
        notifyReceivableParty: () => (inboxDown ? Promise.reject(new Error('connection refused (simulated inbox outage)')) : Promise.resolve()),
      },
    });
    await worker.runUntil(async () => {
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
      const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['CHECKER'] });
      const registered = await call(supplier.token, REGISTER, { input: registrationInput(core.creditCode) });
      expect(registered.__typename, JSON.stringify(registered)).toBe('Receivable');
      const id = registered.id as string;
      const receivableId = rowId(id);
      const handle = env.client.workflow.getHandle(workflowIds.receivable(receivableId));
      const marked = async () => (await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).attentionStep !== null;
      await sleepUntil(marked, 5 * 60 * 1000, 'the attention mark');

      expect(await call(operator.token, GET_RECEIVABLE, { id })).toMatchObject({ status: 'REGISTERED', attention: { step: 'notifyReceivableParty:OBLIGOR:CONFIRMATION_REQUESTED', reason: expect.stringMatching(/inbox outage/) } });
      expect((await call(core.token, GET_RECEIVABLE, { id })).attention).toBeNull();
      expect(await handle.query(receivableAttentionQuery)).toMatchObject({ step: 'notifyReceivableParty:OBLIGOR:CONFIRMATION_REQUESTED' });

      inboxDown = false;
      expect(await call(operator.token, RESUME_RECEIVABLE, { id })).toMatchObject({ __typename: 'Receivable', attention: null });
      expect(await call(core.token, receivableDecision('confirmReceivable'), { id })).toMatchObject({ status: 'CONFIRMED' });
      expect(((await handle.result()) as { status: string }).status).toBe('CONFIRMED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'receivable-attention-resumed');
      const stored = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId }, include: { documents: true } });
      expect(stored.attentionStep).toBeNull();
      expect(stored.documents.map((document) => document.kind).sort()).toEqual(['CONFIRMATION_LETTER', 'REGISTRATION_CERTIFICATE']);
    });
  });
});
