import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CUT_OFF } from '../../domain/accounting-day';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { partyAccountCode } from './chart-of-accounts';
import { recordInboundCredit } from './inbound-store';
import { closeAccountingDay } from './ledger/accounting-days';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';

// The issuer pays a voucher at 22:50 (Asia/Shanghai), the feed books the credit at once, and the
// 23:00 cut-off closes the day before the distribution's batch runs a few minutes later.

const HOUR_MS = 60 * 60 * 1000;

describe('a voucher payment received shortly before the cut-off', () => {
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

  it('is distributed to the holders after the cut-off closed the day the bank received it', async () => {
    const t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const a = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    const yesterday = addDays(businessDateOf(new Date()), -1);
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 30),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '600000.00' }] },
    });
    // Received yesterday at 22:50 Shanghai and booked before the cut-off.
    const receivedAt = new Date(startOfBusinessDate(yesterday).getTime() + 22 * HOUR_MS + 50 * 60 * 1000);
    const booked = await recordInboundCredit(db.prisma, {
      bankReference: `VCH-LATE-${fixture.voucherId}`,
      virtualAccountNumber: fixture.collectionVan,
      amount: '1000000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: '凭证到期兑付',
      receivedAt,
    });
    expect(booked.exception).toBeNull();
    // 23:00: the day closes. The distribution runs after it.
    await closeAccountingDay(db.prisma, { businessDate: yesterday, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id, new Date());
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    const settlement = async (partyId: string) => (await getBalance(db.prisma, (await findAccountByCode(db.prisma, partyAccountCode(partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!.id)).posted.toFixed(2);
    expect({ T1: await settlement(t1.partyId), A: await settlement(a.partyId) }).toEqual({ T1: '400000.00', A: '600000.00' });
  });
});
