import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { creditLimitCode } from '../prisma/stores/credit-limit-store';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { enrollSupplier } from '../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../prisma/stores/receivable-store';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { compactText, extractPdfText } from '../test/support/pdf';
import { actorOf, registrationInput } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { addDays, businessDateOf } from '../domain/business-date';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { workflowIds } from './contracts/workflow-ids';

// Interest from the day the money moves, through the real API and the real financing workflow
// on the time-skipping server: a financing approved too late to run a tenor expires when it
// would be funded, releasing everything; one disbursed on the quoted day keeps the quote as its
// final figures and issues the disbursement advice.

type Result = Record<string, any>;

const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = `__typename ... on Financing { id status closedReason } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`;
const FINANCING = `query ($id: ID!) { financing(id: $id) {
  status valueDate tenorDays interest { amount } netDisbursement { amount }
  quoted { valueDate tenorDays interest { amount } netDisbursement { amount } effectiveAnnualRate }
  documents { kind url } } }`;

describe('repricing at disbursement on the time-skipping server', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    parties = await createFinancingParties(db.prisma);
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  async function programAvailable(): Promise<string> {
    const code = creditLimitCode({ kind: 'PROGRAM', funderPartyId: parties.funder.partyId, programId: parties.programId, obligorPartyId: null, currency: 'CNY' });
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).available.toFixed(2);
  }

  /** The funder's account is topped up, a supplier applies for 800,000.00 against a receivable due in `dueInDays`, the core enterprise acknowledges. */
  async function applied(dueInDays: number) {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    await registerBankAccount(db.prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
    const { receivable } = await registerReceivable(db.prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(new Date()), dueInDays) }), { confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`);
    const funderVan = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
    await bank.receiveInboundCredit({ virtualAccountNumber: funderVan, amount: '1000000.00', currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: 'top up' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
    const financing = await call(supplier.token, APPLY, { input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' } });
    expect(financing.__typename, JSON.stringify(financing)).toBe('Financing');
    await call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: financing.id });
    return { financing, supplier, receivableId: receivable.id };
  }

  async function approve(financingId: string): Promise<Result> {
    await call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: financingId });
    return call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: financingId });
  }

  it('expires, instead of disbursing, a financing due in 2 days that the funder approves on day 3; nothing moves and no penalty is ever charged', async () => {
    await worker.runUntil(async () => {
      const before = await programAvailable();
      const { financing, supplier, receivableId } = await applied(2);
      await env.sleep(3 * DAY_MS);
      expect((await approve(financing.id)).status).toBe('APPROVED');
      const workflowId = workflowIds.financing(rowId(financing.id));
      expect((await env.client.workflow.getHandle(workflowId).result()).status).toBe('EXPIRED');
      await recordWorkflowHistory(env.client, workflowId, 'financing-expired-at-disbursement');
      const stored = await db.prisma.financing.findUniqueOrThrow({ where: { id: rowId(financing.id) }, include: { transitions: { orderBy: { id: 'asc' } }, receivable: true, notifications: true } });
      expect(stored.transitions.map((row) => row.toStatus)).toEqual(['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'APPROVED', 'EXPIRED']);
      expect(stored.closedReason).toMatch(/^the due date \d{4}-\d{2}-\d{2} is on or before the disbursement date \d{4}-\d{2}-\d{2}: the financing cannot run a tenor$/);
      expect([stored.disbursementTransactionId, stored.fundingHoldId, stored.penaltyAccrued.toFixed(2)]).toEqual([null, null, '0.00']);
      expect(stored.receivable.status).toBe('CONFIRMED');
      expect(await programAvailable()).toBe(before);
      expect(await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).toMatchObject({ status: 'CONFIRMED' });
      // Everyone concerned is told why.
      const expired = stored.notifications.filter((row) => row.kind === 'FINANCING_EXPIRED');
      expect(expired).toHaveLength(3);
      expect(expired[0]!.body).toContain('is on or before the disbursement date');
      expect((await call(supplier.token, FINANCING, { id: financing.id })).status).toBe('EXPIRED');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    });
  });

  it('disburses on the quoted day with the quote as its final figures, and issues the disbursement advice', async () => {
    await worker.runUntil(async () => {
      const { financing, supplier } = await applied(90);
      await approve(financing.id);
      await expect.poll(async () => (await db.prisma.financing.findUniqueOrThrow({ where: { id: rowId(financing.id) } })).status, { timeout: 30_000 }).toBe('DISBURSED');
      await expect.poll(async () => (await call(supplier.token, FINANCING, { id: financing.id })).documents.map((row: Result) => row.kind), { timeout: 30_000 }).toContain('DISBURSEMENT_ADVICE');
      const seen = await call(supplier.token, FINANCING, { id: financing.id });
      expect(seen).toMatchObject({ tenorDays: 90, interest: { amount: '12000.00' }, netDisbursement: { amount: '787200.00' } });
      expect(seen.quoted).toEqual({ valueDate: seen.valueDate, tenorDays: 90, interest: { amount: '12000.00' }, netDisbursement: { amount: '787200.00' }, effectiveAnnualRate: '0.065944' });
      const advice = seen.documents.find((row: Result) => row.kind === 'DISBURSEMENT_ADVICE');
      const response = await fetch(new URL(advice.url, api.url), { headers: { authorization: `Bearer ${supplier.token}` } });
      expect(response.status).toBe(200);
      const text = compactText((await extractPdfText(new Uint8Array(await response.arrayBuffer()))).join('\n'));
      for (const expected of ['放款通知书', 'CNY 787,200.00', 'the final figures are the quoted ones', '-P1']) expect(text).toContain(compactText(expected));
    });
  });
});
