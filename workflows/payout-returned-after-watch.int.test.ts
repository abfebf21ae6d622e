import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import { ensurePlatformAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { importBankStatement } from '../use-cases/import-bank-statement';
import { RETURN_WATCH_DAYS } from './definitions/financing/payout';
import { workflowIds } from './contracts/workflow-ids';
import { escrowAccountIs } from '../test/support/escrow-account';

// A payout the beneficiary's bank sends back after the financing's workflow stopped watching it
// (docs/reconciliation.md, "Payout returns after the watch"): the workflow saw it settled; the
// bank's statement shows the return; the import books it back to the supplier's account; and a
// person's retryPayout still opens and pays the next attempt through the running workflow.

type Result = Record<string, any>;
const DAY = 24 * 60 * 60 * 1000;
const SUPPLIER_NAME = '深圳市华强精密电子有限公司';
const RETRY = `mutation ($id: ID!) { retryPayout(financingId: $id) { __typename ... on Payout { id payoutReference status amount { amount } } ... on Error { code message } } }`;

describe('a payout returned after the watch, on the time-skipping server', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;
  let worker: TestWorker;

  beforeEach(async () => {
    // A database per test: both play the same escrow account over the same days.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    await ensurePlatformAccounts(db.prisma);
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
    await escrowAccountIs(db.prisma, bank.escrowAccountNumber);
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
  });
  afterEach(async () => {
    await stack?.close();
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  async function disbursedFinancing(parties: FinancingParties) {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: SUPPLIER_NAME, accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
    const virtualAccountNumber = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
    await bank.receiveInboundCredit({ virtualAccountNumber, amount: '1000000.00', currency: 'CNY', payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: 'funding' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
    const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;
    const applied = await call(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`, {
      input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' },
    });
    expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
    await call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
    const financingId = rowId(applied.id);
    for (let step = 0; (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status !== 'DISBURSED'; step += 1) {
      if (step === 40) throw new Error('the financing did not reach DISBURSED');
      await env.sleep(60_000);
    }
    return { supplier, financingId, supplierCode: partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY') };
  }

  it('books the return found on the statement and pays the supplier again through the running workflow', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'RETURN_AFTER', delayMs: 7 * DAY, reason: '收款人户名不符 name does not match' });
      const parties = await createFinancingParties(db.prisma);
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      const { supplier, financingId, supplierCode } = await disbursedFinancing(parties);
      const settledOn = businessDateOf(new Date(await env.currentTimeMs()));
      // The workflow watches the settled payout for its days and stops; the bank returns it on day 7.
      await env.sleep((RETURN_WATCH_DAYS + 1) * DAY);
      expect((await db.prisma.payout.findFirstOrThrow({ where: { financingId } })).status).toBe('SETTLED');
      expect(await call(supplier.token, RETRY, { id: globalId('Financing', financingId) })).toMatchObject({ __typename: 'WrongStateError', message: expect.stringContaining('only a failed or returned payout is retried') });
      await env.sleep(2 * DAY);

      const ctx = { prisma: db.prisma, logger: testLogger };
      let returnsBooked = 0;
      // Every day that has ended by the business clock (today's statement is not a statement yet).
      const now = new Date(await env.currentTimeMs());
      for (let day = settledOn; day < businessDateOf(now); day = addDays(day, 1)) {
        const imported = await importBankStatement(ctx, await actorOf(db.prisma, operator), await bank.fetchStatementFile(day, 'CNY', 'CAMT053'), now);
        returnsBooked += imported.returnsBooked;
      }
      expect(returnsBooked).toBe(1);
      // The workflow no longer watched the payout: the supplier is told by the booking, once.
      const told = await db.prisma.notification.findMany({ where: { partyId: supplier.partyId, kind: 'PAYOUT_RETURNED', financingId } });
      expect(told).toHaveLength(1);
      expect(told[0]!.body).toContain('787200.00 CNY');
      const returned = await db.prisma.payout.findFirstOrThrow({ where: { financingId } });
      expect([returned.status, returned.returnedAmount?.toFixed(2)]).toEqual(['RETURNED', '787200.00']);
      expect(await balance(supplierCode)).toBe('787200.00');

      const retried = await call(supplier.token, RETRY, { id: globalId('Financing', financingId) });
      expect(retried).toMatchObject({ __typename: 'Payout', payoutReference: expect.stringMatching(/-P2$/), amount: { amount: '787200.00' } });
      await expect.poll(async () => (await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(retried.id) } })).status, { timeout: 20_000 }).toBe('SETTLED');
      expect(await balance(supplierCode)).toBe('0.00');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
      await recordWorkflowHistory(env.client, workflowIds.financing(financingId), 'financing-payout-returned-after-watch', { finished: false });
    });
  });

  it('pays a return found after the financing settled and its workflow ended through a new run of the workflow', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'RETURN_AFTER', delayMs: 7 * DAY, reason: '收款人户名不符 name does not match' });
      const parties = await createFinancingParties(db.prisma);
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      const { supplier, financingId, supplierCode } = await disbursedFinancing(parties);
      const settledOn = businessDateOf(new Date(await env.currentTimeMs()));
      // The core enterprise pays early: the funder is whole, the watch ends, the workflow ends.
      const collection = (await findAccountByCode(db.prisma, `financing:${financingId}:COLLECTION:CNY`))!.virtualAccountNumber!;
      await bank.receiveInboundCredit({ virtualAccountNumber: collection, amount: '800000.00', currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: 'repayment' });
      await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
      const handle = env.client.workflow.getHandle(workflowIds.financing(financingId));
      expect((await handle.result()).status).toBe('SETTLED');
      await env.sleep(8 * DAY - ((await env.currentTimeMs()) - startOfBusinessDate(settledOn).getTime()));

      const ctx = { prisma: db.prisma, logger: testLogger };
      let returnsBooked = 0;
      for (let day = settledOn; day <= addDays(settledOn, 7); day = addDays(day, 1)) {
        returnsBooked += (await importBankStatement(ctx, await actorOf(db.prisma, operator), await bank.fetchStatementFile(day, 'CNY', 'CAMT053'), new Date(await env.currentTimeMs()))).returnsBooked;
      }
      expect(returnsBooked).toBe(1);
      expect(await balance(supplierCode)).toBe('787200.00');
      const retried = await call(supplier.token, RETRY, { id: globalId('Financing', financingId) });
      expect(retried).toMatchObject({ __typename: 'Payout', payoutReference: expect.stringMatching(/-P2$/), amount: { amount: '787200.00' } });
      await expect.poll(async () => (await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(retried.id) } })).status, { timeout: 20_000 }).toBe('SETTLED');
      expect(await balance(supplierCode)).toBe('0.00');
      // The new run watches the new payout, then ends: the financing stays settled.
      expect((await handle.result()).status).toBe('SETTLED');
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status).toBe('SETTLED');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
      await recordWorkflowHistory(env.client, workflowIds.financing(financingId), 'financing-retried-after-the-workflow-ended');
    });
  });
});
