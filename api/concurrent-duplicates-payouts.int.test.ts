import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
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
// Covered here: requestWithdrawal. sweepFeeIncome takes the same path (use-cases/pay-out-balance.ts,
// the payout's id derived from the caller and the idempotency key, its workflow started with the
// request as its first Update) and is left to that shared path.

const SUPPLIER_NAME = '深圳市华强精密电子有限公司';
// The payout's status moves on while the bank settles it: the copies' answers are compared on what names the payout.
const WITHDRAW = `mutation ($input: WithdrawalInput!) { requestWithdrawal(input: $input) { __typename ... on Payout { id purpose payoutReference amount { amount currency } beneficiaryAccount } ... on Error { code message } } }`;

describe('a withdrawal delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let bank: BankSimulator;
  let worker: TestWorker;
  let running: Promise<void>;

  beforeAll(async () => {
    db = await createTestDatabase();
    bank = new BankSimulator({ pool: db.url });
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    await ensurePlatformAccounts(db.prisma);
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
    expect(await db.prisma.payout.count({ where: { purpose: 'WITHDRAWAL' } })).toBe(1);
    const atBank = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_simulator.payout WHERE payout_reference = $1', [payout.payoutReference]);
    expect(atBank.rows[0]!.n).toBe(1);
    expect(await db.prisma.ledgerTransaction.count({ where: { code: 'WITHDRAWAL', metadata: { path: ['payoutReference'], equals: payout.payoutReference } } })).toBe(1);
    const runs = [];
    for await (const run of api.temporal.workflow.list({ query: `WorkflowId = '${workflowIds.balancePayout(rowId(payout.id))}'` })) runs.push(run);
    expect(runs).toHaveLength(1);
    expect((await getBalance(db.prisma, settlement.id)).posted.toFixed(2)).toBe('20000.00');
  });
});
