import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { killWorker, spawnWorker } from '../test/support/spawn-worker';

// A funder tops up while financings wait for funding; the worker process books the credit and
// is killed (SIGKILL) before it has woken a single one of them. The wake-ups were recorded with
// the booking, so the worker started next delivers them at once: the financings go on within
// seconds, not at their hourly look.

type Result = Record<string, any>;
const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;
const FINANCINGS = 4;
/** How soon after the restart the wake-ups must be out: the new worker delivers them at start-up. */
const DELIVERED_WITHIN_MS = 5_000;
/**
 * How soon after the restart the waiting financings must have gone on (their own look is an
 * hour away). It includes Temporal's own recovery: the killed worker's workflow tasks wait out
 * their sticky queue's 10-second timeout before the new worker takes them.
 */
const PROCEED_WITHIN_MS = 30_000;

describe('wake-ups when the worker dies between booking and signalling', () => {
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
    if (worker) await killWorker(worker);
    await bank?.close();
    await api?.close();
    await db?.drop();
  });

  const call = (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(token, query, variables);

  async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    // A monotonic clock: the machine's wall clock may be stepped while a test waits.
    const deadline = performance.now() + timeoutMs;
    while (!(await check())) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resume) => setTimeout(resume, 50));
    }
  }

  it('wakes every financing waiting for funding after a restart, within seconds', { timeout: 180_000 }, async () => {
    const parties = await createFinancingParties(db.prisma);
    // This worker books what the bank reports and hangs on every Signal it sends.
    worker = await spawnWorker(db.url, api.taskQueue, { BANK_POLL_INTERVAL_MS: '200', HOLD_WAKE_UP_SIGNALS: '1' });
    const ids: string[] = [];
    for (let index = 0; index < FINANCINGS; index += 1) {
      const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      const applied = await call(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`, {
        input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '200000.00', idempotencyKey: `wake-${index}` },
      });
      await call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
      await call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
      await call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
      ids.push(rowId(applied.id));
    }
    const statuses = async () => (await db.prisma.financing.findMany({ where: { id: { in: ids } }, select: { status: true } })).map((row) => row.status);
    // The funder's account is empty: every financing waits for a top-up.
    await until('the financings to wait for funding', async () => (await statuses()).every((status) => status === 'FUNDING_PENDING'), 60_000);

    const funding = await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    const topUp = await bank.receiveInboundCredit({ virtualAccountNumber: funding!.virtualAccountNumber!, amount: '1000000.00', currency: 'CNY', payerName: '前海恒信', payerAccountNumber: '6222000011112222', remittanceInformation: 'top-up' });
    await until('the top-up to be booked', async () => (await db.prisma.inboundCredit.findUnique({ where: { bankReference: topUp.bankReference } })) !== null, 30_000);
    // Booked, and the worker is now stuck sending the first Signal: it dies there.
    await new Promise((resume) => setTimeout(resume, 300));
    await killWorker(worker);
    expect(await statuses()).toEqual(Array.from({ length: FINANCINGS }, () => 'FUNDING_PENDING'));
    const wakeUps = () => db.prisma.financingWakeUp.findMany({ where: { cause: `inbound:${topUp.bankReference}` } });
    expect((await wakeUps()).map((row) => [row.signal, row.deliveredAt])).toEqual(Array.from({ length: FINANCINGS }, () => ['FUNDING_AVAILABLE', null]));

    worker = await spawnWorker(db.url, api.taskQueue, { BANK_POLL_INTERVAL_MS: '200' });
    const restarted = Date.now();
    await until('the wake-ups to be delivered', async () => (await wakeUps()).every((row) => row.deliveredAt !== null && row.workflowRunning), DELIVERED_WITHIN_MS);
    await until('every waiting financing to go on', async () => (await statuses()).every((status) => status !== 'FUNDING_PENDING'), PROCEED_WITHIN_MS);
    expect(Date.now() - restarted).toBeLessThan(PROCEED_WITHIN_MS);
    expect(await db.prisma.inboundCredit.count({ where: { bankReference: topUp.bankReference } })).toBe(1);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
