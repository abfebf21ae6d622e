import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';
import { derivedId } from '../use-cases/derived-id';
import { createActivities, type Activities } from './activities';
import { workflowIds } from './contracts/workflow-ids';

// Money in transit never exists without the workflow that follows it to the bank
// (docs/workflows/balance-payout.md). Two requests under one idempotency key join one run of
// the payout's workflow: when the one that is refused is answered first, the other one, still
// being checked, must either be refused too or be followed to the bank. A payout put in transit
// by a run that has already ended is sent to no bank: the supplier's money sits in
// PAYOUT_IN_TRANSIT for ever, neither paid nor back in its account.

type Result = Record<string, any>;

const SUPPLIER_NAME = '深圳市华强精密电子有限公司';
const WITHDRAW = `mutation ($input: WithdrawalInput!) { requestWithdrawal(input: $input) {
  __typename ... on Payout { id payoutReference status amount { amount } } ... on Error { code message } } }`;

describe('two withdrawals under one idempotency key, the first answered a refusal', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let stack: TimeSkippingStack;
  let worker: TestWorker;
  /** Requests for 100.00 wait here until the test lets them through. */
  const held: string[] = [];
  let release = (): void => undefined;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    await ensurePlatformAccounts(db.prisma);
  });
  beforeEach(async () => {
    stack = await startTimeSkippingStack(db);
    ({ env, bank, api } = stack);
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const requestBalancePayout: Activities['requestBalancePayout'] = async (input) => {
      if (input.input.amount === '100.00') {
        held.push(input.payoutId);
        await released;
      }
      return real.requestBalancePayout(input);
    };
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank, activities: { requestBalancePayout } });
  });
  afterEach(async () => {
    release();
    await stack?.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function posted(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  it('never leaves the accepted one in transit with no workflow sending it to the bank', async () => {
    await worker.runUntil(async () => {
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: SUPPLIER_NAME, userRoles: ['MAKER'] });
      await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
      const admin = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['ADMIN'] });
      await registerBankAccount(db.prisma, await actorOf(db.prisma, admin), supplier.partyId, { accountName: SUPPLIER_NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
      const settlement = partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
      const virtualAccountNumber = (await findAccountByCode(db.prisma, settlement))!.virtualAccountNumber!;
      await bank.receiveInboundCredit({ virtualAccountNumber, amount: '1000.00', currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200112233', remittanceInformation: '货款' });
      await bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
      expect(await posted(settlement)).toBe('1000.00');

      const idempotencyKey = 'payroll-2026-05';
      // 100.00 is asked for first and is still being checked when 5,000.00 is asked for under the same key.
      const accepted = api.call(supplier.token, WITHDRAW, { input: { amount: '100.00', currency: 'CNY', idempotencyKey } });
      await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
      const refused: Result = await api.call(supplier.token, WITHDRAW, { input: { amount: '5000.00', currency: 'CNY', idempotencyKey } });
      expect(refused).toMatchObject({ __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE' });
      release();
      await accepted;

      // The run of this key has ended; whatever it answered, no money may be left in transit unfollowed.
      const payoutId = derivedId('balance-payout', 'WITHDRAWAL', supplier.partyId, idempotencyKey);
      await env.client.workflow.getHandle(workflowIds.balancePayout(payoutId)).result();
      const payouts = await db.prisma.payout.findMany({ where: { partyId: supplier.partyId } });
      const atBank = await Promise.all(payouts.map(async (payout) => (await bank.queryPayout(payout.payoutReference))?.status ?? 'NEVER SENT'));
      expect({
        payouts: payouts.map((payout, index) => [payout.amount.toFixed(2), payout.status, atBank[index]]),
        inTransit: await posted(platformAccountCode('PAYOUT_IN_TRANSIT', 'CNY')),
        settlementPlusPaid: (Number(await posted(settlement)) + payouts.filter((payout) => payout.status === 'SETTLED').reduce((sum, payout) => sum + Number(payout.amount), 0)).toFixed(2),
      }).toEqual({
        payouts: payouts.length === 0 ? [] : [['100.00', 'SETTLED', 'SETTLED']],
        inTransit: '0.00',
        settlementPlusPaid: '1000.00',
      });
    });
  });
});
