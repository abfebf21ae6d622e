import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { testLogger } from '../../test/support/logger';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture, issuerPaysVoucher } from '../../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { createVoucherPaymentActivities } from '../../workflows/activities/voucher-payment-activities';
import { requestBalancePayout } from './balance-payout-store';
import { partyAccountCode } from './chart-of-accounts';
import { registerBankAccount } from './disbursement-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';

// The holders' payouts of a voucher's maturity payment (docs/workflows/voucher-maturity.md,
// "Payouts"): the distribution workflow asks for a slice of holders' payouts in one step, then
// starts each payout's own workflow, which sends it to the bank. Money in transit never exists
// without the workflow that follows it to the bank (docs/workflows/balance-payout.md). A holder
// who has already taken its share out of its settlement account itself must not keep the other
// holders' shares, already put in transit, from being sent.

describe("a voucher's holder payouts when one holder has already withdrawn its share", () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  async function balanceOf(code: string): Promise<string> {
    const account = await findAccountByCode(db.prisma, code);
    return account ? (await getBalance(db.prisma, account.id)).posted.toFixed(2) : '0.00';
  }

  it('answers for every holder of the slice, so each share put in transit is followed to the bank', async () => {
    // T1 keeps 400,000.00 of a 1,000,000.00 voucher and passes 600,000.00 to A.
    const t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const a = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '600000.00' }] },
    });
    const admin = await actorOf(db.prisma, parties.admin);
    await registerBankAccount(db.prisma, admin, t1.partyId, { accountName: '广州云海一级供应商有限公司', accountNumber: '6222020200112233001', bankName: '中国工商银行广州分行' });
    await registerBankAccount(db.prisma, admin, a.partyId, { accountName: '佛山二级甲有限公司', accountNumber: '6222020200112233002', bankName: '中国工商银行佛山分行' });

    // The issuer pays in full; the plan, its batches and its end are posted.
    const { plan, finished } = await issuerPaysVoucher(db.prisma, fixture, '1000000.00');
    expect(finished.holderPayouts.map((row) => [row.partyId, row.amount])).toEqual([
      [t1.partyId, '400000.00'],
      [a.partyId, '600000.00'],
    ]);

    // Before the holders' payouts are asked for, A withdraws what it sees in its settlement account.
    const aMaker = await actorOf(db.prisma, a);
    await requestBalancePayout(db.prisma, aMaker, { purpose: 'WITHDRAWAL', amount: '600000.00', currency: 'CNY', idempotencyKey: 'a-withdraws-its-share' });
    expect(await balanceOf(partyAccountCode(a.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'))).toBe('0.00');

    // The distribution's step: T1's share goes into transit first, then A's is asked for.
    const activities = createVoucherPaymentActivities({ prisma: db.prisma, logger: testLogger });
    const answer = await activities.requestVoucherHolderPayouts({ distributionId: plan.distributionId, from: 0, count: 50, at: new Date() }).then(
      (payouts) => ({ answered: payouts.map((payout) => payout.partyId) }),
      (error: unknown) => ({ failed: `${(error as { code?: string }).code ?? ''} ${(error as Error).message}` }),
    );
    const t1Payouts = await db.prisma.payout.findMany({ where: { partyId: t1.partyId }, select: { amount: true, status: true } });
    // T1's 400,000.00 is in transit; the step must answer for it, or no workflow ever sends it.
    expect({ t1Payouts: t1Payouts.map((payout) => [payout.amount.toFixed(2), payout.status]), answer }).toEqual({
      t1Payouts: [['400000.00', 'SUBMITTED']],
      answer: { answered: expect.arrayContaining([t1.partyId]) },
    });
    // A's share already left with its own withdrawal: A is answered as keeping what its settlement account holds (nothing), and nothing more leaves it.
    const again = await activities.requestVoucherHolderPayouts({ distributionId: plan.distributionId, from: 0, count: 50, at: new Date() });
    expect(again.map((payout) => [payout.partyId, payout.payoutId === null ? 'KEPT' : 'IN_TRANSIT'])).toEqual([
      [t1.partyId, 'IN_TRANSIT'],
      [a.partyId, 'KEPT'],
    ]);
    expect(await db.prisma.payout.count({ where: { partyId: a.partyId } })).toBe(1);
    expect(await balanceOf(partyAccountCode(a.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'))).toBe('0.00');
  });
});
