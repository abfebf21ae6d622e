import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { startOfBusinessDate } from '../domain/business-date';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { workflowIds } from './contracts/workflow-ids';

// Money leaving the escrow through payouts, through the real API and real workflows on the
// time-skipping server with the bank simulator on the workflow's clock: a supplier withdrawing its
// settlement balance, the platform sweeping its fee income, and a financing's payout that the
// beneficiary's bank returns in part. Each payout has one reference, a timeout is not a failure,
// and what the bank sends back is booked for what came back.

type Result = Record<string, any>;

const DAY = 24 * 60 * 60 * 1000;
const SUPPLIER_NAME = '深圳市华强精密电子有限公司';
const PAYOUT_FIELDS = `__typename ... on Payout { id purpose payoutReference status amount { amount currency } returnedAmount { amount } beneficiaryAccount }
  ... on LimitExceededError { code message } ... on Error { code message }`;
const WITHDRAW = `mutation ($input: WithdrawalInput!) { requestWithdrawal(input: $input) { ${PAYOUT_FIELDS} } }`;
const SWEEP = `mutation ($input: FeeSweepInput!) { sweepFeeIncome(input: $input) { ${PAYOUT_FIELDS} } }`;
const WITHDRAWABLE = `query ($currency: String!) { withdrawableBalance(currency: $currency) { available { amount } awaitingPayoutRetry { amount } withdrawable { amount } } }`;

describe('payouts of a balance and returns in part, on the time-skipping server', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;
  let worker: TestWorker;

  beforeAll(async () => {
    // The workflow's clock runs days ahead of the database's: postings carry it as their effective time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    await ensurePlatformAccounts(db.prisma);
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  /** node(id) as the caller sees it: null when it may not see the object. */
  async function nodeSeenBy(token: string, id: string): Promise<unknown> {
    const response = await api.request<{ node: unknown }>(token, `query ($id: ID!) { node(id: $id) { id } }`, { id });
    expect(response.errors).toBeUndefined();
    return response.data?.node;
  }

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  async function pay(code: string, amount: string) {
    const virtualAccountNumber = (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
    await bank.receiveInboundCredit({ virtualAccountNumber, amount, currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: 'test' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
  }

  /** A supplier holding `amount` in its settlement account, with its payout account registered in its own name. */
  async function supplierHolding(amount: string, { accountName = SUPPLIER_NAME, register = true } = {}): Promise<{ supplier: TestActor; code: string }> {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: SUPPLIER_NAME, userRoles: ['MAKER'] });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    const admin = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['ADMIN'] });
    if (register) await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), supplier.partyId, { accountName, accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
    const code = partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    await pay(code, amount);
    return { supplier, code };
  }

  async function expectLedgerWhole() {
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  }

  async function payoutsCount() {
    return db.prisma.payout.count({ where: { purpose: { in: ['WITHDRAWAL', 'FEE_SWEEP'] } } });
  }

  it('pays a supplier\'s withdrawal to its own bank account once, and keeps the rest of its balance', async () => {
    await worker.runUntil(async () => {
      const { supplier, code } = await supplierHolding('50000.00');
      expect(await call(supplier.token, WITHDRAWABLE, { currency: 'CNY' })).toEqual({ available: { amount: '50000.00' }, awaitingPayoutRetry: { amount: '0.00' }, withdrawable: { amount: '50000.00' } });
      const escrowBefore = await balance(platformAccountCode('ESCROW_BANK', 'CNY'));
      const input = { amount: '30000.00', currency: 'CNY', idempotencyKey: 'withdraw-1' };
      const payout = await call(supplier.token, WITHDRAW, { input });
      expect(payout).toMatchObject({ __typename: 'Payout', purpose: 'WITHDRAWAL', payoutReference: expect.stringMatching(/^WDR-\d{4}-\d{8}$/), amount: { amount: '30000.00', currency: 'CNY' }, beneficiaryAccount: '**** 3445' });
      // The same request again is the same payout; the same key for another amount is a conflict.
      expect((await call(supplier.token, WITHDRAW, { input })).id).toBe(payout.id);
      expect(await call(supplier.token, WITHDRAW, { input: { ...input, amount: '10000.00' } })).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });

      const workflowId = workflowIds.balancePayout(rowId(payout.id));
      expect(await env.client.workflow.getHandle(workflowId).result()).toBe('SETTLED');
      await recordWorkflowHistory(env.client, workflowId, 'balance-payout-withdrawal-settled');
      expect(await balance(code)).toBe('20000.00');
      expect(await balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('0.00');
      expect(Number(await balance(platformAccountCode('ESCROW_BANK', 'CNY')))).toBe(Number(escrowBefore) - 30000);
      const atBank = await bank.queryPayout(payout.payoutReference);
      expect(atBank).toMatchObject({ status: 'SETTLED', amount: '30000.00' });
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payout.payoutReference]);
      expect(rows.rows[0]!.n).toBe(1);
      const postings = await db.prisma.ledgerTransaction.findMany({ where: { metadata: { path: ['payoutReference'], equals: payout.payoutReference } }, orderBy: { sequence: 'asc' } });
      expect(postings.map((row) => row.code)).toEqual(['WITHDRAWAL', 'PAYOUT_SETTLED']);
      expect(await db.prisma.notification.findMany({ where: { partyId: supplier.partyId, kind: 'PAYOUT_SETTLED' } })).toHaveLength(1);
      // The supplier sees its withdrawal; another supplier does not.
      const seen = await call(supplier.token, `query { balancePayouts(first: 10) { totalCount edges { node { payoutReference status purpose } } } }`);
      expect(seen).toMatchObject({ totalCount: 1, edges: [{ node: { payoutReference: payout.payoutReference, status: 'SETTLED', purpose: 'WITHDRAWAL' } }] });
      const other = await supplierHolding('1.00');
      expect(await nodeSeenBy(other.supplier.token, payout.id)).toBeNull();
      expect(await nodeSeenBy(supplier.token, payout.id)).toEqual({ id: payout.id });
      await expectLedgerWhole();
    });
  });

  it('refuses a withdrawal it cannot make with a typed error, and changes nothing', async () => {
    await worker.runUntil(async () => {
      const { supplier, code } = await supplierHolding('1000.00');
      const before = await payoutsCount();
      const refusals: Array<[Record<string, string>, Record<string, string>]> = [
        [{ amount: '1000.01' }, { __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE' }],
        [{ amount: '0' }, { __typename: 'ValidationError', code: 'AMOUNT_NOT_POSITIVE' }],
        [{ amount: '0.00' }, { __typename: 'ValidationError', code: 'AMOUNT_NOT_POSITIVE' }],
        [{ amount: '-100.00' }, { __typename: 'ValidationError', code: 'AMOUNT_NOT_POSITIVE' }],
        [{ amount: '10.001' }, { __typename: 'ValidationError', code: 'AMOUNT_TOO_MANY_DECIMALS' }],
        [{ amount: '1e3' }, { __typename: 'ValidationError', code: 'AMOUNT_NOT_A_DECIMAL' }],
        [{ currency: 'HKD' }, { __typename: 'ValidationError', code: 'CURRENCY_MISMATCH' }],
        [{ currency: 'XYZ' }, { __typename: 'ValidationError', code: 'CURRENCY_NOT_SUPPORTED' }],
      ];
      for (const [change, expected] of refusals) {
        const answer = await call(supplier.token, WITHDRAW, { input: { amount: '100.00', currency: 'CNY', idempotencyKey: `refused-${JSON.stringify(change)}`, ...change } });
        expect(answer, JSON.stringify(change)).toMatchObject(expected);
      }
      // No registered payout account, or one in another name.
      const unregistered = await supplierHolding('1000.00', { register: false });
      expect(await call(unregistered.supplier.token, WITHDRAW, { input: { amount: '100.00', currency: 'CNY', idempotencyKey: 'no-account' } })).toMatchObject({ __typename: 'ValidationError', code: 'BANK_ACCOUNT_MISSING' });
      const otherName = await supplierHolding('1000.00', { accountName: '深圳市某某贸易有限公司' });
      expect(await call(otherName.supplier.token, WITHDRAW, { input: { amount: '100.00', currency: 'CNY', idempotencyKey: 'other-name' } })).toMatchObject({ __typename: 'ValidationError', code: 'PAYOUT_ACCOUNT_NOT_OWN_NAME' });
      // Only a supplier's MAKER or ADMIN withdraws; a viewer or another kind of party may not.
      const viewer = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['VIEWER'] });
      expect(await call(viewer.token, WITHDRAW, { input: { amount: '100.00', currency: 'CNY', idempotencyKey: 'viewer' } })).toMatchObject({ __typename: 'ForbiddenError' });
      const funder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
      expect(await call(funder.token, WITHDRAW, { input: { amount: '100.00', currency: 'CNY', idempotencyKey: 'funder' } })).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await payoutsCount()).toBe(before);
      expect(await balance(code)).toBe('1000.00');
      // The whole balance can go: one minor unit less than the refusal above.
      expect(await call(supplier.token, WITHDRAW, { input: { amount: '1000.00', currency: 'CNY', idempotencyKey: 'all' } })).toMatchObject({ __typename: 'Payout', status: 'SUBMITTED', amount: { amount: '1000.00' } });
      expect(await balance(code)).toBe('0.00');
      await expectLedgerWhole();
    });
  });

  it('keeps a withdrawal that timed out in transit until the bank answers, asks before sending again, and pays once', async () => {
    await worker.runUntil(async () => {
      const { supplier, code } = await supplierHolding('5000.00');
      await bank.script({ behaviour: 'TIMEOUT_THEN_SUCCEED', delayMs: 10 * 60 * 1000 });
      const payout = await call(supplier.token, WITHDRAW, { input: { amount: '5000.00', currency: 'CNY', idempotencyKey: 'slow' } });
      expect(payout).toMatchObject({ __typename: 'Payout', status: 'SUBMITTED' });
      const handle = env.client.workflow.getHandle(workflowIds.balancePayout(rowId(payout.id)));
      await expect.poll(async () => (await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(payout.id) } })).status, { timeout: 20_000 }).toBe('UNKNOWN');
      // Unknown is not failed: the money stays in transit, not back in the supplier's account.
      expect(await balance(code)).toBe('0.00');
      expect(await balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('5000.00');
      expect(await handle.result()).toBe('SETTLED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'balance-payout-withdrawal-timed-out');
      const history = await handle.fetchHistory();
      const submitted = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'submitPayout');
      expect(submitted).toHaveLength(1);
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payout.payoutReference]);
      expect(rows.rows[0]!.n).toBe(1);
      expect(await balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('0.00');
      await expectLedgerWhole();
    });
  });

  it('books a withdrawal the beneficiary\'s bank returns in part for what came back', async () => {
    await worker.runUntil(async () => {
      const { supplier, code } = await supplierHolding('8000.00');
      await bank.script({ behaviour: 'RETURN_AFTER', delayMs: 2 * DAY, returnAmount: '500.00', reason: '部分退汇 part returned' });
      const payout = await call(supplier.token, WITHDRAW, { input: { amount: '8000.00', currency: 'CNY', idempotencyKey: 'returned' } });
      const handle = env.client.workflow.getHandle(workflowIds.balancePayout(rowId(payout.id)));
      expect(await handle.result()).toBe('RETURNED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'balance-payout-withdrawal-returned-in-part');
      const stored = await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(payout.id) } });
      expect([stored.status, stored.amount.toFixed(2), stored.returnedAmount?.toFixed(2), stored.failureReason]).toEqual(['RETURNED', '8000.00', '500.00', '部分退汇 part returned']);
      expect(await balance(code)).toBe('500.00');
      expect(await db.prisma.notification.findMany({ where: { partyId: supplier.partyId, kind: 'PAYOUT_RETURNED' } })).toHaveLength(1);
      await expectLedgerWhole();
    });
  });

  it('sweeps the platform\'s fee income to the platform\'s own bank account through a payout', async () => {
    await worker.runUntil(async () => {
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳市链融科技有限公司' });
      const operatorAdmin = await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['ADMIN'] });
      // Fee income from a disbursement: 800.00 on the 800,000.00 case.
      const parties = await createFinancingParties(db.prisma);
      await disbursedFinancing(parties);
      const feeCode = platformAccountCode('FEE_INCOME', 'CNY');
      const fees = await balance(feeCode);
      expect(Number(fees)).toBeGreaterThanOrEqual(800);
      // Without its own registered account the platform cannot sweep; a supplier may never sweep.
      expect(await call(operator.token, SWEEP, { input: { currency: 'CNY', idempotencyKey: 'sweep-1' } })).toMatchObject({ __typename: 'ValidationError', code: 'BANK_ACCOUNT_MISSING' });
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
      expect(await call(supplier.token, SWEEP, { input: { currency: 'CNY', idempotencyKey: 'sweep-1' } })).toMatchObject({ __typename: 'ForbiddenError' });
      await registerBankAccount(db.prisma, await actorOf(db.prisma, operatorAdmin), operator.partyId, { accountName: '深圳市链融科技有限公司', accountNumber: '755900112233440001', bankName: '招商银行深圳分行' });
      expect(await call(operator.token, SWEEP, { input: { amount: (Number(fees) + 0.01).toFixed(2), currency: 'CNY', idempotencyKey: 'too-much' } })).toMatchObject({ __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE' });
      const swept = await call(operator.token, SWEEP, { input: { currency: 'CNY', idempotencyKey: 'sweep-1' } });
      expect(swept).toMatchObject({ __typename: 'Payout', purpose: 'FEE_SWEEP', payoutReference: expect.stringMatching(/^FSW-\d{4}-\d{8}$/), amount: { amount: fees } });
      const handle = env.client.workflow.getHandle(workflowIds.balancePayout(rowId(swept.id)));
      expect(await handle.result()).toBe('SETTLED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'balance-payout-fee-sweep-settled');
      // The platform's money is out of the escrow account: what stays there is customers' money.
      expect(await balance(feeCode)).toBe('0.00');
      const postings = await db.prisma.ledgerTransaction.findMany({ where: { metadata: { path: ['payoutReference'], equals: swept.payoutReference } }, orderBy: { sequence: 'asc' } });
      expect(postings.map((row) => row.code)).toEqual(['FEE_SWEEP', 'PAYOUT_SETTLED']);
      expect(await bank.queryPayout(swept.payoutReference)).toMatchObject({ status: 'SETTLED', amount: fees });
      // A supplier sees no fee sweep; operators see them all.
      expect(await nodeSeenBy(supplier.token, swept.id)).toBeNull();
      expect(await nodeSeenBy(operator.token, swept.id)).toEqual({ id: swept.id });
      expect(await call(operator.token, `query { balancePayouts(first: 50) { edges { node { payoutReference } } } }`)).toMatchObject({ edges: expect.arrayContaining([{ node: { payoutReference: swept.payoutReference } }]) });
      expect(await call(operator.token, SWEEP, { input: { currency: 'CNY', idempotencyKey: 'sweep-2' } })).toMatchObject({ __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE' });
      await expectLedgerWhole();
    });
  });

  /** A financing of 800,000.00 approved through the API and disbursed: its payout in transit or settled. */
  async function disbursedFinancing(parties: FinancingParties, until = 'DISBURSED') {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: SUPPLIER_NAME, accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
    await pay(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'), '1000000.00');
    const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;
    const applied = await call(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`, {
      input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' },
    });
    expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
    await call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
    const financingId = rowId(applied.id);
    for (let step = 0; (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status !== until; step += 1) {
      if (step === 40) throw new Error(`the financing did not reach ${until}`);
      await env.sleep(60_000);
    }
    return { supplier, financingId, supplierCode: partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY') };
  }

  it('does not let a supplier withdraw what a failed disbursement payout left waiting for its retry', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'FAIL', reason: '账户已销户 account closed' });
      const parties = await createFinancingParties(db.prisma);
      const { supplier, supplierCode } = await disbursedFinancing(parties, 'PAYOUT_FAILED');
      expect(await balance(supplierCode)).toBe('787200.00');
      expect(await call(supplier.token, WITHDRAWABLE, { currency: 'CNY' })).toEqual({ available: { amount: '787200.00' }, awaitingPayoutRetry: { amount: '787200.00' }, withdrawable: { amount: '0.00' } });
      const refused = await call(supplier.token, WITHDRAW, { input: { amount: '1.00', currency: 'CNY', idempotencyKey: 'take-it' } });
      expect(refused).toMatchObject({ __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE', message: expect.stringContaining('retryPayout') });
      // Money of its own beside it can go.
      await pay(supplierCode, '2000.00');
      expect(await call(supplier.token, WITHDRAW, { input: { amount: '2000.00', currency: 'CNY', idempotencyKey: 'own' } })).toMatchObject({ __typename: 'Payout' });
      await expectLedgerWhole();
    });
  });

  const RETRY = `mutation ($id: ID!) { retryPayout(financingId: $id) { ${PAYOUT_FIELDS} } }`;

  it('books a disbursement payout returned in part for what came back, pays out only that again, and settles the financing', async () => {
    await worker.runUntil(async () => {
      await bank.script({ behaviour: 'RETURN_AFTER', delayMs: DAY, returnAmount: '1000.00', reason: '部分退汇 part returned' });
      const parties = await createFinancingParties(db.prisma);
      const { supplier, financingId, supplierCode } = await disbursedFinancing(parties);
      await env.sleep(2 * DAY);
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId }, include: { payouts: true, collectionAccount: true } });
      expect(financing.status).toBe('PAYOUT_FAILED');
      expect(financing.payouts.map((row) => [row.status, row.amount.toFixed(2), row.returnedAmount?.toFixed(2)])).toEqual([['RETURNED', '787200.00', '1000.00']]);
      expect(await balance(supplierCode)).toBe('1000.00');
      const retried = await call(supplier.token, RETRY, { id: globalId('Financing', financingId) });
      expect(retried).toMatchObject({ __typename: 'Payout', payoutReference: expect.stringMatching(/-P2$/), amount: { amount: '1000.00' } });
      await expect.poll(async () => (await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(retried.id) } })).status, { timeout: 20_000 }).toBe('SETTLED');
      expect(await balance(supplierCode)).toBe('0.00');
      // Repaid at maturity; the settlement statement shows the 787,200.00 that reached the supplier.
      const dueDate = financing.dueDate.toISOString().slice(0, 10);
      const target = startOfBusinessDate(dueDate).getTime() + 10 * 60 * 60 * 1000;
      await env.sleep(target - (await env.currentTimeMs()));
      await pay(`financing:${financingId}:COLLECTION:CNY`, '800000.00');
      const workflowId = workflowIds.financing(financingId);
      expect((await env.client.workflow.getHandle(workflowId).result()).status).toBe('SETTLED');
      await recordWorkflowHistory(env.client, workflowId, 'financing-payout-returned-in-part');
      const statement = await db.prisma.document.findFirstOrThrow({ where: { financingId, kind: 'SETTLEMENT_STATEMENT' } });
      expect(statement.sizeBytes).toBeGreaterThan(0);
      await expectLedgerWhole();
    });
  });

  it('waits for an operator when the bank stays unreachable past the bound, and pays once after the resume', async () => {
    await worker.runUntil(async () => {
      const { supplier, code } = await supplierHolding('3000.00');
      const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      await bank.setUnavailable(1_000);
      const payout = await call(supplier.token, WITHDRAW, { input: { amount: '3000.00', currency: 'CNY', idempotencyKey: 'outage' } });
      const LOOKUP = `query ($id: ID!) { node(id: $id) { ... on Payout { status attention { step reason } } } }`;
      for (let step = 0; (await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(payout.id) } })).attentionStep === null; step += 1) {
        if (step === 30) throw new Error('the payout was never marked for attention');
        await env.sleep(10 * 60 * 1000);
      }
      // Operators see the mark and are told; the supplier sees no mark; the money stays in transit.
      expect(await call(operator.token, LOOKUP, { id: payout.id })).toMatchObject({ status: 'SUBMITTED', attention: { step: 'submitPayout', reason: expect.stringContaining('unavailable') } });
      expect(await call(supplier.token, LOOKUP, { id: payout.id })).toMatchObject({ attention: null });
      const told = await db.prisma.notification.findMany({ where: { partyId: operator.partyId, kind: 'ATTENTION_NEEDED' } });
      expect(told.map((row) => row.body).join('\n')).toContain('resumePayout');
      expect(await balance(code)).toBe('0.00');
      const RESUME = `mutation ($id: ID!) { resumePayout(id: $id) { __typename ... on Payout { status } ... on Error { code message } } }`;
      expect(await call(supplier.token, RESUME, { id: payout.id })).toMatchObject({ __typename: 'ForbiddenError' });
      await bank.setUnavailable(0);
      expect(await call(operator.token, RESUME, { id: payout.id })).toMatchObject({ __typename: 'Payout' });
      const handle = env.client.workflow.getHandle(workflowIds.balancePayout(rowId(payout.id)));
      expect(await handle.result()).toBe('SETTLED');
      await recordWorkflowHistory(env.client, handle.workflowId, 'balance-payout-attention-resumed');
      expect((await db.prisma.payout.findUniqueOrThrow({ where: { id: rowId(payout.id) } })).attentionStep).toBeNull();
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payout.payoutReference]);
      expect(rows.rows[0]!.n).toBe(1);
      // Nothing waits any more.
      expect(await call(operator.token, RESUME, { id: payout.id })).toMatchObject({ __typename: 'WrongStateError' });
      await expectLedgerWhole();
    });
  });
});
