import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { Decimal } from '../domain/money';
import { collectionAccountCode, ensurePlatformAccounts, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordOverpaidException } from '../prisma/stores/inbound-exception-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { runTransaction } from '../prisma/stores/run-transaction';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { moneyScenario, type MoneyScenario } from '../test/support/money-scenario';
import { createActor, type TestActor } from '../test/support/parties';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { recordWorkflowHistory } from '../test/support/workflow-histories';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { workflowIds } from './contracts/workflow-ids';

// Money held in suspense for a payer, refunded to the payer through a payout, on the
// time-skipping server with the bank simulator (docs/ledger.md, "Exceptions"): a credit to the
// collection account of a financing that ended, an over-payment beyond the receivable, and a
// refund the bank fails, which opens the exception again for a second refund. Four eyes, one
// payout per approval, and the money back in suspense whenever a refund does not reach the payer.

type Result = Record<string, any>;

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223' };
const EXCEPTION = `... on InboundException { id status reason resolutionKind heldAmount { amount currency } reopenReason resolvedAt resolution { code entries { direction amount { amount } } }
    refundPayout { id purpose payoutReference status amount { amount currency } beneficiaryName beneficiaryAccount beneficiaryBank failureReason } }`;
const RESULT = `__typename ${EXCEPTION} ... on Error { code message } ... on WrongStateError { currentState }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename ${EXCEPTION} } }`;
const PROPOSE = `mutation ($id: ID!, $input: ProposeInboundExceptionResolutionInput!) { proposeInboundExceptionResolution(id: $id, input: $input) { ${RESULT} } }`;
const APPROVE = `mutation ($id: ID!) { approveInboundExceptionResolution(id: $id) { ${RESULT} } }`;
const REJECT = `mutation ($id: ID!) { rejectInboundExceptionResolution(id: $id) { ${RESULT} } }`;

describe('refunds to the payer, on the time-skipping server', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  let money: MoneyScenario;
  let maker: TestActor;
  let checker: TestActor;
  let supplier: TestActor;

  beforeAll(async () => {
    // The workflow's clock runs days ahead of the database's: postings carry it as their effective time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    await ensurePlatformAccounts(db.prisma);
    maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER'] });
    checker = await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['CHECKER'] });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
    money = moneyScenario(db, stack);
    // The bank's scripts live in the file's database: a test's scripts must not outlive it.
    await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);
  const suspense = () => money.balance(platformAccountCode('SUSPENSE', 'CNY'));

  /** What the bank was asked to pay to an account: [reference, amount, beneficiary name, bank name]. */
  async function bankPayoutsTo(accountNumber: string): Promise<string[][]> {
    const rows = await db.prisma.$queryRaw<{ payout_reference: string; amount: string; beneficiary_account_name: string; beneficiary_bank_name: string }[]>`
      SELECT payout_reference, amount::text AS amount, beneficiary_account_name, beneficiary_bank_name FROM bank_simulator.payout WHERE beneficiary_account_number = ${accountNumber} ORDER BY id`;
    return rows.map((row) => [row.payout_reference, new Decimal(row.amount).toFixed(2), row.beneficiary_account_name, row.beneficiary_bank_name]);
  }

  /** A financing withdrawn before disbursement, and a payer's credit to its closed collection account afterwards (FINANCING_ENDED). */
  async function creditToEndedFinancing(amount: string, payer = PAYER): Promise<{ id: string; financingId: string }> {
    const parties = await createFinancingParties(db.prisma);
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS);
    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(financing.id, 'CNY')))!.virtualAccountNumber!;
    await decideFinancing(db.prisma, financing.id, { kind: 'WITHDRAW', reason: '不再需要' }, { userId: fixture.supplier.userId, partyId: fixture.supplier.partyId }, `test:${financing.id}:withdraw`);
    await bank.receiveInboundCredit({ virtualAccountNumber: collectionVan, amount, currency: 'CNY', ...payer, remittanceInformation: 'invoice 2026-118' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
    const exception = await db.prisma.inboundException.findFirstOrThrow({ where: { financingId: financing.id } });
    expect([exception.reason, exception.status, exception.heldAmount?.toFixed(2)]).toEqual(['FINANCING_ENDED', 'OPEN', amount]);
    return { id: globalId('InboundException', exception.id), financingId: financing.id };
  }

  async function refundEnds(payoutGlobalId: string): Promise<string> {
    return env.client.workflow.getHandle(workflowIds.balancePayout(rowId(payoutGlobalId))).result() as Promise<string>;
  }

  it('refunds a credit to an ended financing\'s collection account to the payer, once, with four eyes', async () => {
    await worker.runUntil(async () => {
      const before = await suspense();
      const { id } = await creditToEndedFinancing('123456.78');
      expect(await suspense()).toBe(new Decimal(before).plus('123456.78').toFixed(2));

      // Exactly one of an account and a refund.
      expect(await call(maker.token, PROPOSE, { id, input: { note: 'x' } })).toMatchObject({ __typename: 'ValidationError', code: 'RESOLUTION_AMBIGUOUS' });
      const anyAccount = globalId('LedgerAccount', (await findAccountByCode(db.prisma, platformAccountCode('FEE_INCOME', 'CNY')))!.id);
      expect(await call(maker.token, PROPOSE, { id, input: { accountId: anyAccount, refund: true, note: 'x' } })).toMatchObject({ __typename: 'ValidationError', code: 'RESOLUTION_AMBIGUOUS' });
      const input = { refund: true, note: '融资已撤回，原路退回付款人 the financing was withdrawn: back to the payer' };
      expect(await call(supplier.token, PROPOSE, { id, input })).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await call(checker.token, PROPOSE, { id, input })).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await call(maker.token, PROPOSE, { id: globalId('InboundException', '00000000-0000-4000-8000-000000000000'), input })).toMatchObject({ __typename: 'NotFoundError' });
      const proposed = await call(maker.token, PROPOSE, { id, input });
      expect(proposed).toMatchObject({ __typename: 'InboundException', status: 'PROPOSED', resolutionKind: 'REFUND', heldAmount: { amount: '123456.78', currency: 'CNY' }, refundPayout: null, resolution: null });
      expect(await call(maker.token, APPROVE, { id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
      expect(await call(supplier.token, APPROVE, { id })).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await db.prisma.payout.count({ where: { purpose: 'REFUND' } })).toBe(0);
      expect(await suspense()).toBe(new Decimal(before).plus('123456.78').toFixed(2));

      const approved = await call(checker.token, APPROVE, { id });
      expect(approved).toMatchObject({
        __typename: 'InboundException',
        status: 'RESOLVED',
        resolutionKind: 'REFUND',
        resolution: { code: 'REFUND', entries: [{ direction: 'DEBIT', amount: { amount: '123456.78' } }, { direction: 'CREDIT', amount: { amount: '123456.78' } }] },
        refundPayout: {
          purpose: 'REFUND',
          payoutReference: expect.stringMatching(/^RFD-\d{4}-\d{8}$/),
          amount: { amount: '123456.78', currency: 'CNY' },
          beneficiaryName: PAYER.payerName,
          beneficiaryAccount: '**** 1223',
        },
      });
      // The same approval again is the same payout; nothing moves twice.
      expect((await call(checker.token, APPROVE, { id })).refundPayout.id).toBe(approved.refundPayout.id);
      expect(await call(checker.token, REJECT, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'RESOLVED' });

      const workflowId = workflowIds.balancePayout(rowId(approved.refundPayout.id));
      expect(await refundEnds(approved.refundPayout.id)).toBe('SETTLED');
      await recordWorkflowHistory(env.client, workflowId, 'balance-payout-refund-settled');
      expect(await suspense()).toBe(before);
      expect(await money.balance(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY'))).toBe('0.00');
      expect(await bankPayoutsTo(PAYER.payerAccountNumber)).toEqual([[approved.refundPayout.payoutReference, '123456.78', PAYER.payerName, approved.refundPayout.beneficiaryBank]]);
      expect(await call(checker.token, NODE, { id })).toMatchObject({ status: 'RESOLVED', reopenReason: null, refundPayout: { status: 'SETTLED' } });
      // The payer is not a party: every operator party is told.
      const notices = await db.prisma.notification.findMany({ where: { kind: 'REFUND_SETTLED', body: { contains: approved.refundPayout.payoutReference } } });
      expect(notices.map((notice) => notice.partyId)).toContain(maker.partyId);
      await money.expectLedgerWhole();
    });
  });

  it('opens the exception again when the bank fails the refund, with the money back in suspense, and a second refund pays it', async () => {
    await worker.runUntil(async () => {
      const before = await suspense();
      const payer = { ...PAYER, payerAccountNumber: '6222020200990099887' };
      const { id } = await creditToEndedFinancing('8800.50', payer);
      await bank.script({ beneficiaryAccountNumber: payer.payerAccountNumber, behaviour: 'FAIL', reason: '户名不符 account name mismatch' });

      // A rejected proposal moves nothing and leaves the exception OPEN.
      await call(maker.token, PROPOSE, { id, input: { refund: true, note: 'first thought' } });
      expect(await call(checker.token, REJECT, { id })).toMatchObject({ __typename: 'InboundException', status: 'OPEN', resolutionKind: null, refundPayout: null });
      expect(await suspense()).toBe(new Decimal(before).plus('8800.50').toFixed(2));

      await call(maker.token, PROPOSE, { id, input: { refund: true, note: '原路退回 back to the payer' } });
      const first = await call(checker.token, APPROVE, { id });
      expect(first).toMatchObject({ status: 'RESOLVED', refundPayout: { amount: { amount: '8800.50' } } });
      const workflowId = workflowIds.balancePayout(rowId(first.refundPayout.id));
      expect(await refundEnds(first.refundPayout.id)).toBe('FAILED');
      await recordWorkflowHistory(env.client, workflowId, 'balance-payout-refund-failed');
      const reopened = await call(checker.token, NODE, { id });
      expect(reopened).toMatchObject({
        status: 'OPEN',
        resolutionKind: null,
        resolution: null,
        resolvedAt: null,
        heldAmount: { amount: '8800.50' },
        reopenReason: expect.stringContaining('户名不符 account name mismatch'),
        refundPayout: { id: first.refundPayout.id, status: 'FAILED' },
      });
      expect(await suspense()).toBe(new Decimal(before).plus('8800.50').toFixed(2));
      expect(await db.prisma.notification.count({ where: { kind: 'REFUND_FAILED', partyId: maker.partyId, body: { contains: first.refundPayout.payoutReference } } })).toBe(1);
      // The old approval does not pay again.
      expect(await call(checker.token, APPROVE, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'OPEN' });

      await call(maker.token, PROPOSE, { id, input: { refund: true, note: '付款人确认账户后再退 the payer confirmed its account' } });
      const second = await call(checker.token, APPROVE, { id });
      expect(second.refundPayout.id).not.toBe(first.refundPayout.id);
      expect(await refundEnds(second.refundPayout.id)).toBe('SETTLED');
      expect(await suspense()).toBe(before);
      expect(await bankPayoutsTo(payer.payerAccountNumber)).toEqual([
        [first.refundPayout.payoutReference, '8800.50', PAYER.payerName, first.refundPayout.beneficiaryBank],
        [second.refundPayout.payoutReference, '8800.50', PAYER.payerName, second.refundPayout.beneficiaryBank],
      ]);
      expect(await call(checker.token, NODE, { id })).toMatchObject({ status: 'RESOLVED', reopenReason: null, refundPayout: { id: second.refundPayout.id, status: 'SETTLED' } });
      await money.expectLedgerWhole();
    });
  });

  it('holds what the payer\'s bank sent back of a refund returned in part, and refunds that again', async () => {
    await worker.runUntil(async () => {
      const before = await suspense();
      const payer = { ...PAYER, payerAccountNumber: '6222020200990055661' };
      const { id } = await creditToEndedFinancing('5000.00', payer);
      await bank.script({ beneficiaryAccountNumber: payer.payerAccountNumber, behaviour: 'RETURN_AFTER', delayMs: 2 * 24 * 60 * 60 * 1000, returnAmount: '4985.00', reason: '账户已销户 account closed' });
      await call(maker.token, PROPOSE, { id, input: { refund: true, note: '原路退回 back to the payer' } });
      const first = await call(checker.token, APPROVE, { id });
      expect(await refundEnds(first.refundPayout.id)).toBe('RETURNED');
      await recordWorkflowHistory(env.client, workflowIds.balancePayout(rowId(first.refundPayout.id)), 'balance-payout-refund-returned-in-part');
      // 15.00 stayed with the payer (the banks' charge on the way back); 4,985.00 is in suspense again, the exception's.
      expect(await call(checker.token, NODE, { id })).toMatchObject({ status: 'OPEN', heldAmount: { amount: '4985.00' }, reopenReason: expect.stringContaining('账户已销户 account closed'), refundPayout: { status: 'RETURNED' } });
      expect(await suspense()).toBe(new Decimal(before).plus('4985.00').toFixed(2));
      expect(await db.prisma.notification.count({ where: { kind: 'REFUND_RETURNED', partyId: maker.partyId, body: { contains: first.refundPayout.payoutReference } } })).toBe(1);

      await call(maker.token, PROPOSE, { id, input: { refund: true, note: '再次退回 again' } });
      const second = await call(checker.token, APPROVE, { id });
      expect(second.refundPayout.amount).toEqual({ amount: '4985.00', currency: 'CNY' });
      expect(await refundEnds(second.refundPayout.id)).toBe('SETTLED');
      expect(await suspense()).toBe(before);
      await money.expectLedgerWhole();
    });
  });

  it('pays one refund when two checkers approve it at the same moment', async () => {
    await worker.runUntil(async () => {
      const before = await suspense();
      const payer = { ...PAYER, payerAccountNumber: '6222020200990077001' };
      const { id } = await creditToEndedFinancing('300.01', payer);
      const second = await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['CHECKER'] });
      await call(maker.token, PROPOSE, { id, input: { refund: true, note: '原路退回 back to the payer' } });
      const answers = await Promise.all([call(checker.token, APPROVE, { id }), call(second.token, APPROVE, { id })]);
      expect(answers.map((answer) => answer.__typename)).toEqual(['InboundException', 'InboundException']);
      expect(answers[1].refundPayout.id).toBe(answers[0].refundPayout.id);
      expect(await refundEnds(answers[0].refundPayout.id)).toBe('SETTLED');
      expect(await db.prisma.payout.count({ where: { inboundException: { id: rowId(id) } } })).toBe(1);
      expect(await db.prisma.ledgerTransaction.count({ where: { code: 'REFUND', metadata: { path: ['exceptionId'], equals: rowId(id) } } })).toBe(1);
      expect((await bankPayoutsTo(payer.payerAccountNumber)).length).toBe(1);
      expect(await suspense()).toBe(before);
      await money.expectLedgerWhole();
    });
  });

  it('refuses a refund of a line the ledger could not hold', async () => {
    await worker.runUntil(async () => {
      const line = { bankReference: 'REFUND-NOT-BOOKABLE', virtualAccountNumber: '1234567890123456789', amount: '5.00', currency: 'GBP', ...PAYER, remittanceInformation: 'x', receivedAt: new Date() };
      const id = globalId('InboundException', (await receiveInboundCredit(db.prisma, line)).exception!.id);
      expect(await call(maker.token, PROPOSE, { id, input: { refund: true, note: 'x' } })).toMatchObject({ __typename: 'WrongStateError', currentState: 'OPEN', message: expect.stringContaining('NOT_BOOKABLE') });
      expect(await call(maker.token, APPROVE, { id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'OPEN' });
    });
  });

  it('parks an over-payment beyond the receivable as an OVERPAID exception for the payer, and refunds it', async () => {
    await worker.runUntil(async () => {
      const run = await money.disbursed();
      const before = await suspense();
      await money.sleepUntil(run.dueDate);
      await money.pay(run.collectionVan, '1010000.00');
      expect((await money.settledWorkflow(run.financingId)).status).toBe('SETTLED');
      const [allocation] = await db.prisma.repaymentAllocation.findMany({ where: { financingId: run.financingId } });
      expect(allocation!.overpaid.toFixed(2)).toBe('10000.00');
      const exception = await db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: `overpaid:${allocation!.id}` } });
      expect([exception.reason, exception.status, exception.amount, exception.heldAmount?.toFixed(2), exception.financingId, exception.payerName, exception.payerAccountNumber, exception.inboundCreditId]).toEqual([
        'OVERPAID',
        'OPEN',
        '10000.00',
        '10000.00',
        run.financingId,
        '广州云海智能制造集团股份有限公司',
        '6222020200112233',
        null,
      ]);
      expect(await suspense()).toBe(new Decimal(before).plus('10000.00').toFixed(2));

      const id = globalId('InboundException', exception.id);
      await call(maker.token, PROPOSE, { id, input: { refund: true, note: '超付部分退回付款人 the over-payment back to the payer' } });
      const approved = await call(checker.token, APPROVE, { id });
      expect(approved).toMatchObject({ status: 'RESOLVED', reason: 'OVERPAID', refundPayout: { amount: { amount: '10000.00' }, beneficiaryAccount: '**** 2233' } });
      expect(await refundEnds(approved.refundPayout.id)).toBe('SETTLED');
      expect(await suspense()).toBe(before);
      expect(await bankPayoutsTo('6222020200112233')).toEqual([[approved.refundPayout.payoutReference, '10000.00', '广州云海智能制造集团股份有限公司', approved.refundPayout.beneficiaryBank]]);
      await money.expectLedgerWhole();

      // Money that came without a payer bank line (an offline repayment, recourse) names no payer: it can be applied, never refunded.
      const unnamed = await runTransaction(db.prisma, async (tx) => {
        const financing = await tx.financing.findUniqueOrThrow({ where: { id: run.financingId } });
        return recordOverpaidException(tx, {
          allocationId: '00000000-0000-4000-8000-0000000000aa',
          financingId: financing.id,
          financingNumber: financing.financingNumber,
          collectionAccountId: financing.collectionAccountId!,
          amount: new Decimal('1.00'),
          currency: 'CNY',
          inboundCreditId: null,
          at: new Date(),
        });
      });
      expect([unnamed.payerName, unnamed.payerAccountNumber, unnamed.detail]).toEqual(['', '', expect.stringContaining('it can be applied, not refunded')]);
      const unnamedId = globalId('InboundException', unnamed.id);
      expect(await call(maker.token, PROPOSE, { id: unnamedId, input: { refund: true, note: 'x' } })).toMatchObject({ __typename: 'ValidationError', code: 'NO_PAYER_ACCOUNT', message: expect.stringContaining('no payer account to refund to') });
      const supplierAccount = globalId('LedgerAccount', (await findAccountByCode(db.prisma, run.supplierCode))!.id);
      expect(await call(maker.token, PROPOSE, { id: unnamedId, input: { accountId: supplierAccount, note: 'the supplier\'s' } })).toMatchObject({ __typename: 'InboundException', status: 'PROPOSED', resolutionKind: 'APPLY' });
    });
  });
});
