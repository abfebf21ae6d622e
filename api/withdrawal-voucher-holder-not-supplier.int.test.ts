import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { addDays, businessDateOf } from '../domain/business-date';
import { ensurePlatformAccounts } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture, issuerPaysVoucher } from '../test/support/voucher-fixture';
import { settlementPosted, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createVoucherPaymentActivities } from '../workflows/activities/voucher-payment-activities';

// A voucher part may be held by any registered party (docs/workflows/voucher.md: the recipient
// is named by its credit code, whatever its roles). At maturity the holder's share is put in its
// settlement account and paid out to its bank; a holder whose share cannot leave (no payout
// account yet) "keeps the money in its settlement account ... for it to withdraw"
// (docs/workflows/voucher-maturity.md). Every yuan has an owner, and its owner can take it out
// (docs/workflows/balance-payout.md). A holder that is itself a core enterprise (a large group
// supplying the issuer) is shown the money as withdrawable and must be able to withdraw it.

const HOLDER_NAME = '佛山美的供应链管理有限公司';
const WITHDRAWABLE = `query { withdrawableBalance(currency: "CNY") { available { amount } withdrawable { amount } } }`;
const WITHDRAW = `mutation ($input: WithdrawalInput!) { requestWithdrawal(input: $input) {
  __typename ... on Payout { purpose status amount { amount } beneficiaryAccount } ... on Error { code message } } }`;

describe("a voucher holder that is not a supplier, keeping its share in its settlement account", () => {
  let db: TestDatabase;
  let bank: BankSimulator;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    await ensurePlatformAccounts(db.prisma);
    bank = new BankSimulator({ pool: db.url });
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await bank?.close();
    await db?.drop();
  });

  it('can withdraw the share it is shown as withdrawable', async () => {
    // The holder is a core enterprise of its own, holding a 400,000.00 part of another core enterprise's voucher.
    const holder = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: HOLDER_NAME });
    const holderAdmin = await createActor(db.prisma, { partyId: holder.partyId, userRoles: ['ADMIN'] });
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'H', holderPartyId: holder.partyId, received: '400000.00' },
    });
    const { plan } = await issuerPaysVoucher(db.prisma, fixture, '400000.00');
    // No payout account yet: the share stays in the holder's settlement account.
    const activities = createVoucherPaymentActivities({ prisma: db.prisma, logger: testLogger });
    const payouts = await activities.requestVoucherHolderPayouts({ distributionId: plan.distributionId, from: 0, count: 50, at: new Date() });
    expect(payouts.map((payout) => [payout.partyId, payout.payoutId])).toEqual([[holder.partyId, null]]);
    expect(await settlementPosted(db.prisma, holder.partyId)).toBe('400000.00');

    // The holder registers its own account and asks for its money.
    await registerBankAccount(db.prisma, await actorOf(db.prisma, holderAdmin), holder.partyId, { accountName: HOLDER_NAME, accountNumber: '6222020200557788991', bankName: '中国工商银行佛山分行' });
    expect(await api.call(holder.token, WITHDRAWABLE)).toEqual({ available: { amount: '400000.00' }, withdrawable: { amount: '400000.00' } });
    const answer = await api.call(holder.token, WITHDRAW, { input: { amount: '400000.00', currency: 'CNY', idempotencyKey: 'voucher-share' } });
    expect(answer).toMatchObject({ __typename: 'Payout', purpose: 'WITHDRAWAL', amount: { amount: '400000.00' }, beneficiaryAccount: '**** 8991' });
    expect(await settlementPosted(db.prisma, holder.partyId)).toBe('0.00');
  });
});
