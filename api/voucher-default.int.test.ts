import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { recordPastDueDefaults } from '../prisma/stores/voucher-default-store';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from '../prisma/stores/voucher-distribution-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';

// What each party sees of a voucher's default over real HTTP (docs/workflows/voucher.md, "Who
// sees the default"): a holder its part's paid and outstanding figures and the issuer's default
// with its date; the holder above it, the issuer and a funder nothing of them; the issuer its
// default on its maturity calendar, which names no holder.

const SETTLEMENT = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { partNumber settlement { paid { amount currency } outstanding { amount } issuerInDefault defaultedOn } } } }`;
const CALENDAR = `query ($from: Date) { voucherMaturityCalendar(from: $from) { dueDate outstanding { amount } vouchers { voucherNumber status defaultedOn paid { amount } } } }`;

describe('a voucher default over the API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let t1: TestActor;
  let a: TestActor;
  let fixture: VoucherFixture;
  const today = businessDateOf(new Date());
  const dueDate = addDays(today, -1);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    t1 = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '广州云海一级供应商有限公司' });
    a = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '佛山二级甲有限公司' });
    for (const holder of [t1, a]) await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
    // T1 keeps 400,000.00 of 1,000,000.00 and passed 600,000.00 to A; due yesterday.
    fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate,
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '600000.00' }] },
    });
    // Half of it came on the due date and was distributed; the rest never did.
    const booked = await recordInboundCredit(db.prisma, {
      bankReference: `VCH-HALF-${fixture.voucherId}`,
      virtualAccountNumber: fixture.collectionVan,
      amount: '500000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: '凭证到期兑付',
      receivedAt: new Date(startOfBusinessDate(dueDate).getTime() + 10 * 60 * 60 * 1000),
    });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id);
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    await finishVoucherDistribution(db.prisma, plan.distributionId);
    await recordPastDueDefaults(db.prisma, today, null);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const partA = () => globalId('VoucherPart', fixture.parts.A!.id);

  it("shows the holder what its part was paid, what it is still owed, and the issuer's default with its date", async () => {
    const response = await api.request(a.token, SETTLEMENT, { id: partA() });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      node: {
        partNumber: fixture.parts.A!.partNumber,
        settlement: { paid: { amount: '300000.00', currency: 'CNY' }, outstanding: { amount: '300000.00' }, issuerInDefault: true, defaultedOn: dueDate },
      },
    });
    const own = await api.request(t1.token, SETTLEMENT, { id: globalId('VoucherPart', fixture.parts.T1!.id) });
    expect((own.data as { node: { settlement: unknown } }).node.settlement).toEqual({ paid: { amount: '200000.00', currency: 'CNY' }, outstanding: { amount: '200000.00' }, issuerInDefault: true, defaultedOn: dueDate });
  });

  it("shows nobody else a part's figures: not the holder that transferred it, not the issuer, not a funder", async () => {
    for (const caller of [t1, parties.core]) {
      const response = await api.request(caller.token, SETTLEMENT, { id: partA() });
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ node: { partNumber: fixture.parts.A!.partNumber, settlement: null } });
    }
    // The funder finances nothing of this voucher: the part is not found at all.
    expect((await api.request(parties.funder.token, SETTLEMENT, { id: partA() })).data).toEqual({ node: null });
  });

  it('shows the issuer its default on its maturity calendar, naming no holder', async () => {
    const response = await api.request(parties.core.token, CALENDAR, { from: dueDate });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      voucherMaturityCalendar: [{ dueDate, outstanding: { amount: '500000.00' }, vouchers: [{ voucherNumber: fixture.voucherNumber, status: 'DEFAULTED', defaultedOn: dueDate, paid: { amount: '500000.00' } }] }],
    });
  });
});
