import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, settlementPosted, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { platformAccountCode } from './chart-of-accounts';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';

// The issuer pays a voucher of 1,000,000.00 in full; every holder is paid and the voucher is
// PAID. Its treasury then sends the same 1,000,000.00 again (a duplicate transfer). The
// collection account takes it (the bank credited the virtual account): the money is the payer's
// and, as any payment beyond what the voucher owes (docs/workflows/voucher.md, "paid beyond the
// total held"), it is parked in suspense as OVERPAID for a refund, and no holder receives any of
// it.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };

describe('a payment of a voucher already paid in full', () => {
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

  it('is parked in suspense for a refund to the payer, and no holder is paid twice', async () => {
    const t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const a = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 30),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '600000.00' }] },
    });
    const pay = async (reference: string) => {
      const booked = await recordInboundCredit(db.prisma, { bankReference: reference, virtualAccountNumber: fixture.collectionVan, amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
      expect(booked.exception).toBeNull();
      return booked.credit.id;
    };
    const distribute = async (creditId: string) => {
      const plan = await planVoucherDistribution(db.prisma, creditId);
      for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
      return { plan, finished: await finishVoucherDistribution(db.prisma, plan.distributionId) };
    };

    const first = await distribute(await pay(`VCH-PAY-${fixture.voucherId}-1`));
    expect(first.finished.voucherStatus).toBe('PAID');
    expect({ T1: await settlementPosted(db.prisma, t1.partyId), A: await settlementPosted(db.prisma, a.partyId) }).toEqual({ T1: '400000.00', A: '600000.00' });
    const suspenseBefore = await balanceOf(platformAccountCode('SUSPENSE', 'CNY'));

    // The same amount again: the bank credits the voucher's collection account.
    const again = await distribute(await pay(`VCH-PAY-${fixture.voucherId}-2`));
    expect(again.plan.number).toBe(2);
    expect(again.finished.voucherStatus).toBe('PAID');
    expect(again.finished.holderPayouts).toEqual([]);
    // All of it is the payer's: in suspense for a refund, none of it left in the voucher's account, no holder paid again.
    expect(await balanceOf(`voucher:${fixture.voucherId}:COLLECTION:CNY`)).toBe('0.00');
    expect((await getBalance(db.prisma, (await findAccountByCode(db.prisma, platformAccountCode('SUSPENSE', 'CNY')))!.id)).posted.minus(suspenseBefore).toFixed(2)).toBe('1000000.00');
    expect(await db.prisma.inboundException.findUniqueOrThrow({ where: { bankReference: `overpaid:voucher:${again.plan.distributionId}` } })).toMatchObject({ reason: 'OVERPAID' });
    expect({ T1: await settlementPosted(db.prisma, t1.partyId), A: await settlementPosted(db.prisma, a.partyId) }).toEqual({ T1: '400000.00', A: '600000.00' });
  });
});
