import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { addDays, businessDateOf } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { DISTRIBUTION_BATCH_PARTS_MAX, distributedSharesOf, holderPayoutId, type PlannedShare } from '../prisma/stores/voucher-distribution-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { killWorker, spawnWorker } from '../test/support/spawn-worker';
import { createBulkVoucher } from '../test/support/voucher-bulk-fixture';
import { workflowIds } from './contracts/workflow-ids';
import type { DistributeVoucherPaymentResult } from './contracts/voucher-payment';

// A voucher of more parts than one batch holds is paid short at maturity. The worker books the
// credit, starts the distribution, plans it, posts the first batch and dies (SIGKILL) before
// Temporal hears of it. The next worker runs that batch again (a replay), the second batch, the
// finish, and requests every holder's payout twice over: each holder is paid its share exactly
// once, in one payout with a workflow of its own, and the ledger holds.

const PARTS = DISTRIBUTION_BATCH_PARTS_MAX + 100;

describe('the distribution workflow of a voucher payment', () => {
  let db: TestDatabase;
  let api: TestApi;
  let bank: BankSimulator;
  let parties: FinancingParties;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    bank = new BankSimulator({ pool: db.url });
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    if (worker) await killWorker(worker);
    await bank?.close();
    await api?.close();
    await db?.drop();
  });

  async function holder(name: string, withBankAccount: boolean): Promise<TestActor> {
    const actor = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: name });
    await openPartyAccounts(db.prisma, { id: actor.partyId, roles: ['SUPPLIER'] });
    if (withBankAccount) await registerBankAccount(db.prisma, await actorOf(db.prisma, parties.admin), actor.partyId, { accountName: name, accountNumber: `6222 0202 ${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')} 446`, bankName: '中国工商银行佛山分行' }, new Date(Date.now() - 3 * 24 * 3600 * 1000));
    return actor;
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!(await check())) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resume) => setTimeout(resume, 100));
    }
  }

  it('pays every holder its share once although the worker died between batches and payouts were requested twice', { timeout: 300_000 }, async () => {
    const holders = [await holder('佛山二级甲有限公司', true), await holder('东莞三级乙有限公司', true), await holder('中山四级丙有限公司', false)];
    const voucher = await createBulkVoucher(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      holderPartyIds: holders.map((actor) => actor.partyId),
      parts: PARTS,
      branching: 7,
      heldEach: '100.00',
      dueDate: addDays(businessDateOf(new Date()), 30),
    });
    const paid = new Decimal(voucher.amount).times('0.9').toDecimalPlaces(2).toFixed(2);

    worker = await spawnWorker(db.url, api.taskQueue, { BANK_POLL_INTERVAL_MS: '200', KILL_AFTER_ACTIVITY: 'postVoucherPaymentBatch' });
    const exited = once(worker, 'exit');
    const credit = await bank.receiveInboundCredit({ virtualAccountNumber: voucher.collectionVan, amount: paid, currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' });
    await exited;
    worker = undefined;
    const booked = await db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: credit.bankReference } });
    const distribution = await db.prisma.voucherDistribution.findUniqueOrThrow({ where: { inboundCreditId: booked.id } });
    const keys = `voucher:${voucher.voucherId}:distribution:${distribution.number}:`;
    // The parts whose money was posted: each part's share names the money transaction that
    // carried it (a multi-leg VOUCHER_DISTRIBUTION, its holder's parts in the batch sharing a leg).
    const moneyPostings = async () => {
      const transactions = await db.prisma.ledgerTransaction.findMany({ where: { idempotencyKey: { startsWith: keys }, code: 'VOUCHER_DISTRIBUTION' }, select: { id: true } });
      const posted = new Set(transactions.map((transaction) => transaction.id));
      return (await distributedSharesOf(db.prisma, distribution.id)).filter((share) => share.transactionId !== null && posted.has(share.transactionId)).length;
    };
    // Died between the batches: the first is posted, the second not, the plan not finished.
    expect(distribution.status).toBe('PLANNED');
    expect(await moneyPostings()).toBe(DISTRIBUTION_BATCH_PARTS_MAX);

    worker = await spawnWorker(db.url, api.taskQueue, { BANK_POLL_INTERVAL_MS: '200', REPEAT_ACTIVITY: 'requestVoucherHolderPayouts' });
    const result = (await api.temporal.workflow.getHandle(workflowIds.voucherPayment(booked.id)).result()) as DistributeVoucherPaymentResult;
    expect(result).toMatchObject({ distributionId: distribution.id, batches: 2, payouts: 2, keptInSettlement: 1, voucherStatus: 'ACTIVE' });

    const shares = (await db.prisma.voucherDistribution.findUniqueOrThrow({ where: { id: distribution.id } })).shares as unknown as PlannedShare[];
    expect(shares).toHaveLength(PARTS);
    expect(shares.reduce((sum, share) => sum.plus(share.s), new Decimal(0)).toFixed(2)).toBe(paid);
    expect(await moneyPostings()).toBe(PARTS);
    const collection = await findAccountByCode(db.prisma, `voucher:${voucher.voucherId}:COLLECTION:CNY`);
    expect((await getBalance(db.prisma, collection!.id)).posted.toFixed(2)).toBe('0.00');
    for (const [index, actor] of holders.entries()) {
      const owed = shares.filter((share) => share.h === actor.partyId).reduce((sum, share) => sum.plus(share.s), new Decimal(0)).toFixed(2);
      const payouts = await db.prisma.payout.findMany({ where: { partyId: actor.partyId } });
      const settlement = await findAccountByCode(db.prisma, partyAccountCode(actor.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'));
      const left = (await getBalance(db.prisma, settlement!.id)).posted.toFixed(2);
      if (index < 2) {
        // One payout of its whole share, under the id derived from the distribution, followed by its own workflow.
        expect(payouts.map((payout) => [payout.id, new Decimal(payout.amount.toString()).toFixed(2)])).toEqual([[holderPayoutId(distribution.id, actor.partyId), owed]]);
        expect(left).toBe('0.00');
        await until(`the payout workflow of ${actor.partyId}`, async () => (await api.temporal.workflow.getHandle(workflowIds.balancePayout(payouts[0]!.id)).describe().catch(() => null)) !== null, 30_000);
      } else {
        // No bank account registered: the share stays in its settlement account, withdrawable later.
        expect(payouts).toEqual([]);
        expect(left).toBe(owed);
      }
    }
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
