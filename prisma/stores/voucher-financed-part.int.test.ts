import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../../test/support/voucher-fixture';
import { VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { openPartyAccounts, partyAccountCode } from './chart-of-accounts';
import { disburse, reserveFunding } from './disbursement-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { serviceFinancing } from './servicing-store';
import { recordPastDueDefaults } from './voucher-default-store';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';
import { prepareVoucherReceivable } from './voucher-financing-store';

// A financed voucher part at and after maturity (docs/workflows/voucher.md, "Financed parts"):
// its financing is due on the voucher's due date and follows its own servicing rules unchanged
// (overdue after the grace days, penalty from the day after the due date), and its share of the
// issuer's payment counts from the day the bank received the issuer's money, not the day the
// distribution reached the financing: a distribution days late charges the funder's penalty to
// nobody.
//
// Figures: the part holds 1,000,000.00 and is financed at 80% (principal 800,000.00, interest
// taken up front, so 800,000.00 is owed at maturity); 3 grace days; penalty 18% a year on
// ACT/360, 400.00 a day on 800,000.00. The postings are days ahead of the database's clock, as
// the time-skipping tests' are.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };
const HOUR = 60 * 60 * 1000;

describe('a financed voucher part at maturity', () => {
  let db: TestDatabase;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  const at = (date: IsoDate, hours: number) => new Date(startOfBusinessDate(date).getTime() + hours * HOUR);
  const financingOf = (id: string) => db.prisma.financing.findUniqueOrThrow({ where: { id } });
  const fixed = (value: { toFixed(places: number): string }) => value.toFixed(2);

  /** A holder's part of 1,000,000.00, due in 30 days, financed at 800,000.00 and disbursed today. */
  async function financedPart(name: string): Promise<{ fixture: VoucherFixture; holder: TestActor; financingId: string; dueDate: IsoDate }> {
    const holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: name });
    await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
    const dueDate = addDays(businessDateOf(new Date()), 30);
    const fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate, root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' } });
    const partId = fixture.parts.P!.id;
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId, programId: parties.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `voucher-${partId}` }, TEST_FINANCING_WINDOWS);
    const as = (who: TestActor) => ({ userId: who.userId, partyId: who.partyId });
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${financing.id}:acknowledge`);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `test:${financing.id}:approve`);
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `test:${financing.id}:confirm`);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    await recordInboundCredit(db.prisma, { bankReference: `TOPUP-${financing.id}`, virtualAccountNumber: funding.virtualAccountNumber!, amount: '800000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, financing.id);
    const disbursed = await financingOf(financing.id);
    expect([fixed(disbursed.principalOutstanding), fixed(disbursed.interestOutstanding), fixed(disbursed.feesOutstanding)]).toEqual(['800000.00', '0.00', '0.00']);
    return { fixture, holder, financingId: financing.id, dueDate };
  }

  /** One servicing step on business date `day`, as the financing workflow's morning wake-up does it. */
  const service = (financingId: string, day: IsoDate) => serviceFinancing(db.prisma, financingId, day, `test:${financingId}:service:${day}`, at(day, 9));

  it("is due on the voucher's due date: unpaid, the financing is overdue after its grace days while the voucher is in default from the end of that date", async () => {
    const { fixture, financingId, dueDate } = await financedPart('江门三级丁有限公司');
    expect((await financingOf(financingId)).dueDate.toISOString().slice(0, 10)).toBe(dueDate);

    await recordPastDueDefaults(db.prisma, addDays(dueDate, 1), null, at(addDays(dueDate, 1), 1));
    const voucher = await db.prisma.voucher.findUniqueOrThrow({ where: { id: fixture.voucherId } });
    expect([voucher.status, voucher.defaultedOn?.toISOString().slice(0, 10)]).toEqual(['DEFAULTED', dueDate]);

    // The grace days: not overdue, no penalty.
    expect((await service(financingId, addDays(dueDate, 3))).overdue).toBe(false);
    expect(fixed((await financingOf(financingId)).penaltyAccrued)).toBe('0.00');
    // The day after them: OVERDUE, penalty for every day from the day after the due date (4 × 400.00).
    expect((await service(financingId, addDays(dueDate, 4))).overdue).toBe(true);
    const overdue = await financingOf(financingId);
    expect([overdue.status, fixed(overdue.penaltyAccrued), fixed(overdue.principalOutstanding)]).toEqual(['OVERDUE', '1600.00', '800000.00']);
  });

  it("values its share on the day the issuer's money arrived, although the distribution reached the financing ten days later", async () => {
    const { fixture, holder, financingId, dueDate } = await financedPart('珠海三级戊有限公司');
    // Nothing has come: the financing goes overdue and is charged day by day (D+1 … D+9: 3,600.00).
    await service(financingId, addDays(dueDate, 4));
    await service(financingId, addDays(dueDate, 9));
    expect(fixed((await financingOf(financingId)).penaltyAccrued)).toBe('3600.00');

    // The issuer paid in full on its due date; the distribution ran on D+10. (Money valued inside
    // the grace days after D is allocated as the financing's own credits are: the waterfall takes
    // the penalty of the days up to its value date that were charged before it was processed.)
    const valueDate = dueDate;
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-LATE-DIST-${fixture.voucherId}`, virtualAccountNumber: fixture.collectionVan, amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: at(valueDate, 10) });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id, at(addDays(dueDate, 10), 8));
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    expect((await finishVoucherDistribution(db.prisma, plan.distributionId, at(addDays(dueDate, 10), 8))).voucherStatus).toBe('PAID');
    const settlement = (await findAccountByCode(db.prisma, partyAccountCode(holder.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!;
    const before = (await getBalance(db.prisma, settlement.id)).posted;

    const step = await service(financingId, addDays(dueDate, 10));
    // Whole by the end of the grace days by value date: every penalty day charged is reversed.
    expect(step.settled).toBe(true);
    const allocations = await db.prisma.repaymentAllocation.findMany({ where: { financingId } });
    expect(allocations.map((row) => [row.valueDate.toISOString().slice(0, 10), fixed(row.collected), fixed(row.penalty), fixed(row.principal), fixed(row.surplus), fixed(row.penaltyReversed)])).toEqual([
      [valueDate, '1000000.00', '0.00', '800000.00', '200000.00', '3600.00'],
    ]);
    const settled = await financingOf(financingId);
    expect([settled.status, fixed(settled.penaltyAccrued), fixed(settled.penaltyOutstanding), fixed(settled.repaidPrincipal), fixed(settled.repaidPenalty)]).toEqual(['SETTLED', '0.00', '0.00', '800000.00', '0.00']);
    // The holder receives the surplus beyond what the funder was owed: 200,000.00 to the cent.
    expect((await getBalance(db.prisma, settlement.id)).posted.minus(before).toFixed(2)).toBe('200000.00');
  });
});
