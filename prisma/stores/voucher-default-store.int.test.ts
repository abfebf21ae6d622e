import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import type { TestActor } from '../../test/support/parties';
import { createVoucherFixture, type VoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder } from '../../test/support/voucher-parties';
import { partyAccountCode } from './chart-of-accounts';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { recordPastDueDefaults } from './voucher-default-store';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';

// A voucher's default on its due date (docs/workflows/voucher.md, "Default on the due date"),
// store by store: the daily scan records it dated the due date whichever day it runs, tells every
// holder still owed and the issuer; money counts by its value date, so a distribution that
// finishes after the due date does not make an issuer that paid in time default; a payment after
// the default is still distributed and a late payment in full ends PAID.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };
const HOUR = 60 * 60 * 1000;

describe('a voucher default on its due date', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let credits = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  const holder = (name: string): Promise<TestActor> => createVoucherHolder(db.prisma, name);

  /** T1 keeps 400,000.00 of 1,000,000.00 and passes 600,000.00 to A; due `dueDate` (in the past: its end is what is tested). */
  async function voucherDue(dueDate: IsoDate) {
    const [t1, a] = [await holder('广州云海一级供应商有限公司'), await holder('佛山二级甲有限公司')];
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate,
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '600000.00' }] },
    });
    return { fixture, t1, a };
  }

  async function pay(fixture: VoucherFixture, amount: string, receivedAt: Date): Promise<string> {
    credits += 1;
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-DEFAULT-${fixture.voucherId}-${credits}`, virtualAccountNumber: fixture.collectionVan, amount, currency: 'CNY', ...PAYER, receivedAt });
    expect(booked.exception).toBeNull();
    return booked.credit.id;
  }

  async function distribute(creditId: string, now: Date) {
    const plan = await planVoucherDistribution(db.prisma, creditId, now);
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    return finishVoucherDistribution(db.prisma, plan.distributionId, now);
  }

  const voucherOf = (fixture: VoucherFixture) => db.prisma.voucher.findUniqueOrThrow({ where: { id: fixture.voucherId } });
  const noticesOf = (partyId: string, fixture: VoucherFixture) => db.prisma.notification.findMany({ where: { partyId, kind: 'VOUCHER_DEFAULTED', dedupeKey: { startsWith: `voucher:${fixture.voucherId}:` } } });
  const settled = async (actor: TestActor) => (await getBalance(db.prisma, (await findAccountByCode(db.prisma, partyAccountCode(actor.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!.id)).posted.toFixed(2);

  it('does not default an issuer whose money arrived by the due date, although its distribution finished days later', async () => {
    const today = businessDateOf(new Date());
    const dueDate = addDays(today, -3);
    const { fixture, t1, a } = await voucherDue(dueDate);
    // 90% valued the day before the due date, the rest on the due date itself: paid in full in time.
    const first = await pay(fixture, '900000.00', new Date(startOfBusinessDate(addDays(dueDate, -1)).getTime() + 10 * HOUR));
    const second = await pay(fixture, '100000.00', new Date(startOfBusinessDate(dueDate).getTime() + 15 * HOUR));

    // The first distribution runs three days after the due date, before the second's.
    expect((await distribute(first, new Date())).voucherStatus).toBe('ACTIVE');
    expect((await voucherOf(fixture)).defaultedOn).toBeNull();
    expect(await recordPastDueDefaults(db.prisma, today, null)).toMatchObject({ defaulted: 0 });
    expect((await distribute(second, new Date())).voucherStatus).toBe('PAID');
    expect(await settled(t1)).toBe('400000.00');
    expect(await settled(a)).toBe('600000.00');
    expect(await noticesOf(parties.core.partyId, fixture)).toEqual([]);
    expect(await noticesOf(a.partyId, fixture)).toEqual([]);
  });

  it('defaults an unpaid voucher dated its due date whichever day the scan runs, tells each holder its shortfall and the issuer its debt, once', async () => {
    const today = businessDateOf(new Date());
    const dueDate = addDays(today, -1);
    const { fixture, t1, a } = await voucherDue(dueDate);
    // The day itself: the issuer may still pay until its end.
    expect(await recordPastDueDefaults(db.prisma, dueDate, null)).toMatchObject({ defaulted: 0 });
    expect((await voucherOf(fixture)).status).toBe('ACTIVE');

    // A worker days late (the scan runs as of today + 5) dates the default the due date all the same.
    const late = await recordPastDueDefaults(db.prisma, addDays(today, 5), null);
    expect(late.defaulted).toBeGreaterThanOrEqual(1);
    const voucher = await voucherOf(fixture);
    expect([voucher.status, voucher.defaultedOn?.toISOString().slice(0, 10)]).toEqual(['DEFAULTED', dueDate]);

    const [toT1, toA, toIssuer] = [await noticesOf(t1.partyId, fixture), await noticesOf(a.partyId, fixture), await noticesOf(parties.core.partyId, fixture)];
    expect(toT1.map((notice) => notice.body)).toEqual([expect.stringContaining('400000.00 CNY of 400000.00 CNY is still owed')]);
    expect(toA.map((notice) => notice.body)).toEqual([expect.stringContaining('600000.00 CNY of 600000.00 CNY is still owed')]);
    expect(toIssuer.map((notice) => notice.body)).toEqual([expect.stringContaining('1000000.00 CNY owed, 0.00 CNY received by then, 1000000.00 CNY unpaid')]);
    // The issuer's notice names no holder.
    expect(toIssuer[0]!.body).not.toContain(fixture.parts.A!.partNumber);

    // Asked again: nothing changes, nobody is told twice.
    expect(await recordPastDueDefaults(db.prisma, addDays(today, 6), null)).toMatchObject({ defaulted: 0, notified: 0 });
    expect((await voucherOf(fixture)).defaultedOn?.toISOString().slice(0, 10)).toBe(dueDate);
  });

  it('distributes a payment after the default and ends PAID on a late payment in full, keeping the day it defaulted', async () => {
    const today = businessDateOf(new Date());
    const dueDate = addDays(today, -2);
    const { fixture, t1, a } = await voucherDue(dueDate);
    await recordPastDueDefaults(db.prisma, addDays(dueDate, 1), null);
    expect((await voucherOf(fixture)).status).toBe('DEFAULTED');

    // Half a day after the default, half of it: shared pro rata, still DEFAULTED.
    const half = await pay(fixture, '500000.00', new Date(startOfBusinessDate(addDays(dueDate, 1)).getTime() + 12 * HOUR));
    expect((await distribute(half, new Date())).voucherStatus).toBe('DEFAULTED');
    expect([await settled(t1), await settled(a)]).toEqual(['200000.00', '300000.00']);
    // The rest, today: PAID, and the day it defaulted stays on record.
    const rest = await pay(fixture, '500000.00', new Date());
    expect((await distribute(rest, new Date())).voucherStatus).toBe('PAID');
    expect([await settled(t1), await settled(a)]).toEqual(['400000.00', '600000.00']);
    const voucher = await voucherOf(fixture);
    expect([voucher.status, voucher.defaultedOn?.toISOString().slice(0, 10)]).toEqual(['PAID', dueDate]);
  });

  it('strikes off a default the value date says never happened: the due date\'s last credit booked after the scan', async () => {
    const today = businessDateOf(new Date());
    const dueDate = addDays(today, -1);
    const { fixture, t1, a } = await voucherDue(dueDate);
    await recordPastDueDefaults(db.prisma, today, null);
    expect((await voucherOf(fixture)).status).toBe('DEFAULTED');
    // The bank received it at 23:50 on the due date and reported it after the scan.
    const inTime = await pay(fixture, '1000000.00', new Date(startOfBusinessDate(dueDate).getTime() + 23 * HOUR + 50 * 60 * 1000));
    expect((await distribute(inTime, new Date())).voucherStatus).toBe('PAID');
    expect([await settled(t1), await settled(a)]).toEqual(['400000.00', '600000.00']);
    expect((await voucherOf(fixture)).defaultedOn).toBeNull();
  });
});
