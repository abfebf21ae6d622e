import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode, platformAccountCode, type PlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { postTransaction } from '../prisma/stores/ledger/postings';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery, type Result } from '../test/support/duplicate-delivery';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { workflowIds } from '../workflows/contracts/workflow-ids';

// Duplicate delivery over real HTTP of a balance payout, the costliest duplicate there is: a
// withdrawal sent three times at once with one idempotency key and one request id, then a fourth
// time (test/support/duplicate-delivery.ts). The effect is counted where it lives: one payout
// row, one payout at the bank simulator, one WITHDRAWAL posting, one workflow.
//
// Covered here: requestWithdrawal and sweepFeeIncome (both use-cases/pay-out-balance.ts: the
// payout's id derived from the caller and the idempotency key, its workflow started with the
// request as its first Update).

const SUPPLIER_NAME = '深圳市华强精密电子有限公司';
// The payout's status moves on while the bank settles it: the copies' answers are compared on what names the payout.
const PAYOUT = `__typename ... on Payout { id purpose payoutReference amount { amount currency } beneficiaryAccount } ... on Error { code message }`;
const WITHDRAW = `mutation ($input: WithdrawalInput!) { requestWithdrawal(input: $input) { ${PAYOUT} } }`;
const SWEEP = `mutation ($input: FeeSweepInput!) { sweepFeeIncome(input: $input) { ${PAYOUT} } }`;

describe('a withdrawal delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let bank: BankSimulator;
  let worker: TestWorker;
  let running: Promise<void>;
  let platform: PlatformAccounts;

  beforeAll(async () => {
    db = await createTestDatabase();
    bank = new BankSimulator({ pool: db.url });
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    platform = await ensurePlatformAccounts(db.prisma);
  });

  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await bank?.close();
    await db?.drop();
  });

  const { deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  /** One payout row of its purpose, one payout at the bank, one posting of its purpose's code, one workflow. */
  async function expectPaidOnce(payout: Result, purpose: 'WITHDRAWAL' | 'FEE_SWEEP'): Promise<void> {
    expect(await db.prisma.payout.count({ where: { purpose } })).toBe(1);
    const atBank = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payout.payoutReference]);
    expect(atBank.rows[0]!.n).toBe(1);
    expect(await db.prisma.ledgerTransaction.count({ where: { code: purpose, metadata: { path: ['payoutReference'], equals: payout.payoutReference } } })).toBe(1);
    const runs = [];
    for await (const run of api.temporal.workflow.list({ query: `WorkflowId = '${workflowIds.balancePayout(rowId(payout.id))}'` })) runs.push(run);
    expect(runs).toHaveLength(1);
  }

  it('requestWithdrawal: one payout, paid once at the bank, posted once, one workflow', async () => {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: SUPPLIER_NAME, userRoles: ['MAKER'] });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    const admin = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['ADMIN'] });
    await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), supplier.partyId, { accountName: SUPPLIER_NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
    const settlement = (await findAccountByCode(db.prisma, partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
    await bank.receiveInboundCredit({ virtualAccountNumber: settlement.virtualAccountNumber!, amount: '50000.00', currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: '货款' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: api.temporal, logger: testLogger });
    expect((await getBalance(db.prisma, settlement.id)).posted.toFixed(2)).toBe('50000.00');

    const payout = await deliveredThrice(supplier.token, WITHDRAW, { input: { amount: '30000.00', currency: 'CNY', idempotencyKey: `dup-withdraw-${randomUUID()}` } });
    expect(payout).toMatchObject({ __typename: 'Payout', purpose: 'WITHDRAWAL', amount: { amount: '30000.00', currency: 'CNY' } });
    await expectPaidOnce(payout, 'WITHDRAWAL');
    expect((await getBalance(db.prisma, settlement.id)).posted.toFixed(2)).toBe('20000.00');
  });

  it('sweepFeeIncome: one payout of all the fee income, paid once at the bank, posted once, one workflow', async () => {
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳市链融科技有限公司' });
    const operatorAdmin = await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['ADMIN'] });
    await registerBankAccount(db.prisma, await actorOf(db.prisma, operatorAdmin), operator.partyId, { accountName: '深圳市链融科技有限公司', accountNumber: '755900112233440001', bankName: '招商银行深圳分行' });
    // Fee income held in the escrow bank account, as a disbursement's fee leaves it.
    await postTransaction(db.prisma, {
      idempotencyKey: `dup-sweep-fee:${randomUUID()}`,
      code: 'FEE_CHARGED',
      entries: [
        { accountId: platform.ESCROW_BANK.id, direction: 'DEBIT', amount: '800.00', currency: 'CNY' },
        { accountId: platform.FEE_INCOME.id, direction: 'CREDIT', amount: '800.00', currency: 'CNY' },
      ],
    });
    const feeIncome = (await findAccountByCode(db.prisma, platformAccountCode('FEE_INCOME', 'CNY')))!;

    // Without an amount: all the fee income there is, which a second sweep would find gone.
    const swept = await deliveredThrice(operator.token, SWEEP, { input: { currency: 'CNY', idempotencyKey: `dup-sweep-${randomUUID()}` } });
    expect(swept).toMatchObject({ __typename: 'Payout', purpose: 'FEE_SWEEP', amount: { amount: '800.00', currency: 'CNY' } });
    await expectPaidOnce(swept, 'FEE_SWEEP');
    expect((await getBalance(db.prisma, feeIncome.id)).posted.toFixed(2)).toBe('0.00');
  });
});
