import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { actorOf } from '../test/support/receivables';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';

// The worker process is killed (SIGKILL: no shutdown, no goodbye) during the disbursement and
// again during the repayment's allocation, then started again. The financing completes, the
// ledger balances, and the bank executed exactly one payout.

type Result = Record<string, any>;
const ROOT = resolve(new URL('..', import.meta.url).pathname);
const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;

describe('a worker killed mid-flight', () => {
  let db: TestDatabase;
  let api: TestApi;
  let bank: BankSimulator;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    bank = new BankSimulator({ pool: db.url });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await bank?.close();
    await api?.close();
    await db?.drop();
  });

  async function startWorker(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'test/support/worker-process.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: api.taskQueue, WORKFLOW_BUNDLE: inject('workflowBundlePath'), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((ready, failed) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker ready')) ready();
      });
      child.once('exit', (code) => failed(new Error(`the worker exited with ${code} before it was ready`)));
    });
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  const statusOf = async (id: string) => (await db.prisma.financing.findUniqueOrThrow({ where: { id } })).status;

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    // A monotonic clock: the machine's wall clock may be stepped while a test waits.
    const deadline = performance.now() + timeoutMs;
    while (!(await check())) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resume) => setTimeout(resume, 25));
    }
  }

  it('completes the financing with one payout and a balanced ledger after two crashes', { timeout: 180_000 }, async () => {
    const parties = await createFinancingParties(db.prisma, { penaltyRate: '0.18' });
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
    const inbound = () => bookInboundCredits({ prisma: db.prisma, bank, temporal: api.temporal, logger: testLogger });
    const funding = await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    await bank.receiveInboundCredit({ virtualAccountNumber: funding!.virtualAccountNumber!, amount: '1000000.00', currency: 'CNY', payerName: '前海恒信', payerAccountNumber: '6222000011112222', remittanceInformation: 'top-up' });
    await inbound();

    worker = await startWorker();
    const applied = await call(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`, {
      input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'crash' },
    });
    await call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
    await call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
    const financingId = rowId(applied.id);

    // Crash 1: the disbursement is committed and the payout is on its way to the bank.
    await until('the disbursement', async () => (await statusOf(financingId)) !== 'APPROVED');
    await kill(worker);
    worker = await startWorker();
    await until('the payout to settle', async () => (await statusOf(financingId)) === 'DISBURSED', 90_000);
    const payouts = await db.prisma.payout.findMany({ where: { financingId } });
    expect(payouts).toHaveLength(1);
    const atBank = await db.query<{ count: string }>('SELECT count(*)::text AS count FROM bank_simulator.payout WHERE payout_reference = $1', [payouts[0]!.payoutReference]);
    expect(atBank.rows[0]!.count).toBe('1');

    // Crash 2: the core enterprise's payment is booked and the workflow is allocating it.
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId }, include: { collectionAccount: true } });
    await bank.receiveInboundCredit({ virtualAccountNumber: financing.collectionAccount!.virtualAccountNumber!, amount: '800000.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222000033334444', remittanceInformation: 'repayment' });
    await inbound();
    await new Promise((resume) => setTimeout(resume, 30));
    await kill(worker);
    worker = await startWorker();
    await until('the settlement', async () => (await statusOf(financingId)) === 'SETTLED', 90_000);

    expect(await db.prisma.repaymentAllocation.count({ where: { financingId } })).toBe(1);
    expect((await db.query<{ count: string }>('SELECT count(*)::text AS count FROM bank_simulator.payout')).rows[0]!.count).toBe('1');
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
