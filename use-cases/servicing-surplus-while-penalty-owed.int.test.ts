import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDateOfColumn } from '../domain/business-date';
import { collectionAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../test/support/financings';

// A program whose waterfall pays principal first and penalty last. 800,000.00 financed against
// a receivable confirmed for 1,000,000.00, due on day 10 (D); penalty 0.18 a year on ACT/360
// (400.00 a day on 800,000.00), 3 grace days.
//
// The core enterprise pays 3,000.00 on D+5 and 801,000.00 on D+10: 804,000.00 in all, the
// principal and the ten days of penalty (D+1 to D+10) the financing charged. The bank reports
// the 3,000.00 only on D+12, after the 801,000.00 was allocated (800,000.00 principal, 1,000.00
// penalty; 3,000.00 of penalty still owed). What is left of a repayment goes back to the supplier
// only once the funder is whole: while the funder is still owed penalty, the payer's money pays it.
//
// Read in order, the 3,000.00 of D+5 pays principal first, so D+6 to D+10 are owed on 797,000.00
// (398.50 a day): 3,992.50 of penalty in all. The 801,000.00 of D+10 pays the 797,000.00 left and
// that penalty, and its last 7.50 goes to the supplier (the receivable's confirmed amount is not
// yet paid). Read late, the 801,000.00 is allocated again as it would have been in order.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('a late-reported repayment under a principal-first waterfall', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('pays the penalty the funder is still owed instead of returning it to the supplier as surplus', async () => {
    const parties = await createFinancingParties(db.prisma, { waterfall: ['PRINCIPAL', 'INTEREST', 'FEES', 'PENALTY'], recourse: false, recourseAfterDays: null });
    // Day 0 is 45 business days ago at 10:00; the receivable is due on day 10.
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -45, 10), { dueDays: 10 });
    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    const pay = (reference: string, amount: string, receivedAt: Date) =>
      receiveInboundCredit(db.prisma, { bankReference: `${reference}-${f.id}`, virtualAccountNumber: collectionVan, amount, currency: 'CNY', ...PAYER, receivedAt });

    // 801,000.00 on D+10 (day 20), allocated by that day's step.
    const onTime = await pay('D10', '801000.00', f.at(20, 9));
    await serviceFinancing(db.prisma, f.id, f.date(20), `test:${f.id}:day-20`, f.at(20, 10));
    const first = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    expect([first.status, first.principalOutstanding.toFixed(2), first.penaltyOutstanding.toFixed(2)]).toEqual(['OVERDUE', '0.00', '3000.00']);

    // The 3,000.00 the bank received at 15:00 on D+5 (day 15), reported on D+12 (day 22).
    const late = await pay('D5', '3000.00', f.at(15, 15));
    expect(late.exception).toBeNull();
    await serviceFinancing(db.prisma, f.id, f.date(22), `test:${f.id}:day-22`, f.at(22, 10));

    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const ofLate = await db.prisma.repaymentAllocation.findUniqueOrThrow({ where: { inboundCreditId: late.credit!.id } });
    const ofOnTime = await db.prisma.repaymentAllocation.findUniqueOrThrow({ where: { inboundCreditId: onTime.credit!.id } });
    expect({
      status: after.status,
      penaltyOutstanding: after.penaltyOutstanding.toFixed(2),
      repaidPenalty: after.repaidPenalty.toFixed(2),
      surplusReturned: after.surplusReturned.toFixed(2),
      lateAllocation: { valueDate: isoDateOfColumn(ofLate.valueDate), penalty: ofLate.penalty.toFixed(2), surplus: ofLate.surplus.toFixed(2) },
      onTimeAllocation: [ofOnTime.principal, ofOnTime.penalty, ofOnTime.surplus].map((value) => value.toFixed(2)),
    }).toEqual({
      status: 'SETTLED',
      penaltyOutstanding: '0.00',
      repaidPenalty: '3992.50',
      surplusReturned: '7.50',
      lateAllocation: { valueDate: f.date(15), penalty: '0.00', surplus: '0.00' },
      onTimeAllocation: ['797000.00', '3992.50', '7.50'],
    });
  });
});
