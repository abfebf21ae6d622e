import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from '../prisma/stores/voucher-distribution-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder, settlementPosted } from '../test/support/voucher-parties';

// The issuer of a voucher of 1,000,000.00 pays 600,000.00 ahead of the due date, but to a
// virtual account number one digit off: the platform parks the money, and operators apply it
// (four eyes) to the voucher's collection account, which makes it a payment of the voucher like
// one the feed booked there (docs/workflows/voucher-maturity.md, "The maturity payment"): it is
// shared out to the holder at once. The issuer's maturity calendar, which says what it still owes
// and where to pay it, then shows the 600,000.00 as paid and 400,000.00 outstanding, not the
// whole voucher as still to pay.

const CALENDAR = `query ($from: Date) { voucherMaturityCalendar(from: $from) { dueDate owed { amount } paid { amount } outstanding { amount } vouchers { voucherNumber status paid { amount } } } }`;

describe("a voucher instalment applied from suspense, on the issuer's maturity calendar", () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let fixture: VoucherFixture;
  const dueDate = addDays(businessDateOf(new Date()), 20);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳前海供应链平台运营有限公司' });
    const maker = await actorOf(db.prisma, operator);
    const checker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] }));
    const t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate, root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00' } });

    const booked = await receiveInboundCredit(db.prisma, {
      bankReference: `VCH-WRONG-VAN-${fixture.voucherId}`,
      virtualAccountNumber: `${fixture.collectionVan.slice(0, -1)}${fixture.collectionVan.endsWith('9') ? '0' : '9'}`,
      amount: '600000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: `凭证提前兑付 ${fixture.voucherNumber}`,
      receivedAt: new Date(),
    });
    expect(booked.exception).toMatchObject({ reason: 'UNKNOWN_ACCOUNT' });
    await proposeExceptionResolution(db.prisma, maker, booked.exception!.id, { accountId: fixture.collectionAccountId, note: '付款人账号填错，凭证提前兑付款 paid to a mistyped number' });
    await decideExceptionResolution(db.prisma, checker, booked.exception!.id, true);
    const plan = await planVoucherDistribution(db.prisma, booked.credit!.id);
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    expect((await finishVoucherDistribution(db.prisma, plan.distributionId)).voucherStatus).toBe('ACTIVE');
    // The holder has been paid the instalment.
    expect(await settlementPosted(db.prisma, t1.partyId)).toBe('600000.00');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('shows the instalment as paid and only the rest as outstanding', async () => {
    const response = await api.request(parties.core.token, CALENDAR, { from: dueDate });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      voucherMaturityCalendar: [
        {
          dueDate,
          owed: { amount: '1000000.00' },
          paid: { amount: '600000.00' },
          outstanding: { amount: '400000.00' },
          vouchers: [{ voucherNumber: fixture.voucherNumber, status: 'ACTIVE', paid: { amount: '600000.00' } }],
        },
      ],
    });
  });
});
