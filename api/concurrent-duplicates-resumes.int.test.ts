import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker } from '../test/support/worker';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { workflowIds } from '../workflows/contracts/workflow-ids';

// Duplicate delivery over real HTTP of an operator's resume of a workflow waiting at a step past
// its bound: sent three times at once with one request id, then a fourth time
// (test/support/duplicate-delivery.ts). The step runs again once: the receivable's notification
// is written once, the financing's payout reaches the bank once. The workflows wait as in
// workflows/workflow-attention.int.test.ts, on the time-skipping server (the bounds pass in seconds).
//
// Covered here: resumeReceivable, resumeFinancing, retryPayout (after a payout the bank refused:
// one new attempt), resumePayout (a withdrawal).

const HOUR_MS = 60 * 60 * 1000;
// The object moves on once resumed (a financing to DISBURSED): the copies' answers are compared on what names it and on the mark.
const fields = (type: 'Financing' | 'Receivable') => `__typename ... on ${type} { id attention { step } } ... on Error { code message }`;
const RESUME_FINANCING = `mutation ($id: ID!) { resumeFinancing(id: $id) { ${fields('Financing')} } }`;
const RESUME_RECEIVABLE = `mutation ($id: ID!) { resumeReceivable(id: $id) { ${fields('Receivable')} } }`;
const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { ${fields('Receivable')} } }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${fields('Financing')} } }`;
const financingDecision = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${fields('Financing')} } }`;

describe('resumes delivered three times at once (time skipping)', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;

  beforeAll(async () => {
    // The workflow's clock runs ahead of the database's: postings carry its time.
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
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  const { send, deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  /** Lets the workflow's clock run, a step at a time, until `done` holds. */
  async function sleepUntil(done: () => Promise<boolean>, stepMs: number, what: string) {
    for (let step = 0; !(await done()); step += 1) {
      if (step === 40) throw new Error(`${what} did not happen`);
      await env.sleep(stepMs);
    }
  }

  it('resumeReceivable: the step past its bound runs again once', async () => {
    let inboxDown = true;
    let written = 0;
    const worker = await createTestWorker(db.prisma, {
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue: api.taskQueue,
      // The notification store is down until the test brings it back; then each notification written is counted.
      activities: {
        notifyReceivableParty: () => {
          if (inboxDown) return Promise.reject(new Error('connection refused (simulated inbox outage)'));
          written += 1;
          return Promise.resolve();
        },
      },
    });
    await worker.runUntil(async () => {
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
      const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['CHECKER'] });
      const registered = await send(supplier.token, REGISTER, { input: registrationInput(core.creditCode) });
      expect(registered.__typename, JSON.stringify(registered)).toBe('Receivable');
      const receivableId = rowId(registered.id);
      await sleepUntil(async () => (await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).attentionStep !== null, 5 * 60 * 1000, 'the attention mark');

      inboxDown = false;
      expect(await deliveredThrice(operator.token, RESUME_RECEIVABLE, { id: registered.id })).toMatchObject({ __typename: 'Receivable', attention: null });
      expect(written).toBe(1);
      expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).attentionStep).toBeNull();
    });
  });

  /** A financing of a funded funder, applied for and approved: its payout goes out as the bank is then. */
  async function approvedFinancing(beforeApproval: () => Promise<void>): Promise<{ parties: FinancingParties; supplier: TestActor; id: string; financingId: string }> {
    const parties = await createFinancingParties(db.prisma);
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
    const funding = await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    await bank.receiveInboundCredit({ virtualAccountNumber: funding!.virtualAccountNumber!, amount: '1000000.00', currency: 'CNY', payerName: '前海恒信', payerAccountNumber: '6222000011112222', remittanceInformation: 'top-up' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
    const applied = await send(supplier.token, APPLY, { input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: `dup-resume-apply-${receivable.id}` } });
    expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
    await beforeApproval();
    await send(parties.core.token, financingDecision('acknowledgeAssignment'), { id: applied.id });
    await send(parties.funder.token, financingDecision('approveFinancing'), { id: applied.id });
    await send(parties.funderChecker.token, financingDecision('confirmApproval'), { id: applied.id });
    return { parties, supplier, id: applied.id, financingId: rowId(applied.id) };
  }

  it('resumeFinancing: the payout past its bound submitted again once, paid once at the bank', async () => {
    const worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    await worker.runUntil(async () => {
      // The bank goes down before the approval: the payout cannot be submitted within its hour.
      const { parties, id, financingId } = await approvedFinancing(() => bank.setUnavailable(1_000));
      await sleepUntil(async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).attentionStep !== null, 10 * 60 * 1000, 'the attention mark');
      await env.sleep(HOUR_MS);

      await bank.setUnavailable(0);
      expect(await deliveredThrice(parties.admin.token, RESUME_FINANCING, { id })).toMatchObject({ __typename: 'Financing', attention: null });
      await sleepUntil(async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status === 'DISBURSED', 60_000, 'the payout');
      const payouts = await db.prisma.payout.findMany({ where: { financingId } });
      expect(payouts.map((payout) => payout.status)).toEqual(['SETTLED']);
      const atBank = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payouts[0]!.payoutReference]);
      expect(atBank.rows[0]!.n).toBe(1);
    });
  });

  it('retryPayout: one new payout after a failed one, paid once at the bank', async () => {
    const worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    await worker.runUntil(async () => {
      // The bank refuses the first payout: the financing waits in PAYOUT_FAILED for a person.
      const { supplier, id, financingId } = await approvedFinancing(() => bank.script({ behaviour: 'FAIL', reason: '账户已销户 account closed' }));
      await sleepUntil(async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status === 'PAYOUT_FAILED', 10 * 60 * 1000, 'the failed payout');

      const retried = await deliveredThrice(supplier.token, `mutation ($id: ID!) { retryPayout(financingId: $id) { __typename ... on Payout { id payoutReference amount { amount } } ... on Error { code message } } }`, { id });
      expect(retried).toMatchObject({ __typename: 'Payout', payoutReference: expect.stringMatching(/-P2$/), amount: { amount: '787200.00' } });
      await sleepUntil(async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status === 'DISBURSED', 60_000, 'the second payout');
      const payouts = await db.prisma.payout.findMany({ where: { financingId }, orderBy: { attempt: 'asc' } });
      expect(payouts.map((payout) => payout.status)).toEqual(['FAILED', 'SETTLED']);
      const atBank = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [retried.payoutReference]);
      expect(atBank.rows[0]!.n).toBe(1);
    });
  });

  it('resumePayout: a withdrawal past its bound submitted again once, paid once at the bank', async () => {
    const worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    await worker.runUntil(async () => {
      await ensurePlatformAccounts(db.prisma);
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司', userRoles: ['MAKER'] });
      await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
      const admin = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['ADMIN'] });
      await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
      const settlement = (await findAccountByCode(db.prisma, partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
      await bank.receiveInboundCredit({ virtualAccountNumber: settlement.virtualAccountNumber!, amount: '3000.00', currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: '货款' });
      await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });

      await bank.setUnavailable(1_000);
      const payout = await send(supplier.token, `mutation ($input: WithdrawalInput!) { requestWithdrawal(input: $input) { __typename ... on Payout { id payoutReference } ... on Error { code message } } }`, { input: { amount: '3000.00', currency: 'CNY', idempotencyKey: 'dup-resume-withdrawal' } });
      expect(payout.__typename, JSON.stringify(payout)).toBe('Payout');
      await sleepUntil(async () => (await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(payout.id) } })).attentionStep !== null, 10 * 60 * 1000, 'the attention mark');

      await bank.setUnavailable(0);
      expect(await deliveredThrice(operator.token, `mutation ($id: ID!) { resumePayout(id: $id) { __typename ... on Payout { id payoutReference attention { step } } ... on Error { code message } } }`, { id: payout.id })).toMatchObject({
        __typename: 'Payout',
        payoutReference: payout.payoutReference,
        attention: null,
      });
      expect(await env.client.workflow.getHandle(workflowIds.balancePayout(rowId(payout.id))).result()).toBe('SETTLED');
      const atBank = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payout.payoutReference]);
      expect(atBank.rows[0]!.n).toBe(1);
    });
  });
});
