import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDateOfColumn } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../../test/support/financings';
import { collectionAccountCode } from './chart-of-accounts';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { verifyLedgerInvariants } from './ledger/invariants';
import { serviceFinancing } from './servicing-store';

// 800,000.00 financed against a receivable confirmed for 1,000,000.00, due on day 10 (D); penalty
// 0.18 a year on ACT/360 (400.00 a day on 800,000.00) after 3 grace days.
//
// The servicing step of D+4 charges D+1 to D+4 (1,600.00): OVERDUE. The step of D+5 cannot reach
// the database for more than its half hour and waits for an operator (docs/workflows/financing.md,
// "Bounds"); an operator resumes it on D+9, and the workflow runs it again with its arguments:
// the business date of the step, D+5, and the clock of the resume. Meanwhile, on D+8 at 10:00,
// the core enterprise paid 803,200.00, which the feed booked at once: eight days of penalty
// (3,200.00) and the principal, exactly what was owed on D+8.
//
// Money counts from the day the bank received it (DESIGN §4.6): the step allocates it as of D+8,
// the funder receives 803,200.00 and the financing is SETTLED with nothing over. Instead the step
// values the payment on D+5, its own business date, three days before the bank received it: it
// charges penalty only through D+5 (2,000.00), and the 1,200.00 of D+6 to D+8 the funder was owed
// goes to the supplier as surplus.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('a servicing step resumed days after its business date', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('allocates money the bank received after that date on the day it was received', async () => {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -45, 10));
    const collectionVan = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;

    // The step of D+4 (day 14), at the start of the day.
    const overdue = await serviceFinancing(db.prisma, f.id, f.date(14), `test:${f.id}:day-14`, f.at(14, 0, 5));
    expect({ status: overdue.status, charged: overdue.charged.map((day) => day.amount) }).toEqual({ status: 'OVERDUE', charged: ['400.00', '400.00', '400.00', '400.00'] });

    // The step of D+5 (day 15) waits for an operator. On D+8 (day 18) the core enterprise pays.
    const paid = await receiveInboundCredit(db.prisma, { bankReference: `PAY-${f.id}`, virtualAccountNumber: collectionVan, amount: '803200.00', currency: 'CNY', ...PAYER, receivedAt: f.at(18, 10) });
    expect(paid.exception).toBeNull();

    // The operator resumes the step of D+5 on D+9 (day 19) at 10:00.
    await serviceFinancing(db.prisma, f.id, f.date(15), `test:${f.id}:day-15`, f.at(19, 10));

    const after = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const allocations = await db.prisma.repaymentAllocation.findMany({ where: { financingId: f.id } });
    expect({
      status: after.status,
      allocations: allocations.map((row) => ({ valueDate: isoDateOfColumn(row.valueDate), penalty: row.penalty.toFixed(2), principal: row.principal.toFixed(2), surplus: row.surplus.toFixed(2) })),
      repaidPenalty: after.repaidPenalty.toFixed(2),
      surplusReturned: after.surplusReturned.toFixed(2),
    }).toEqual({
      status: 'SETTLED',
      allocations: [{ valueDate: f.date(18), penalty: '3200.00', principal: '800000.00', surplus: '0.00' }],
      repaidPenalty: '3200.00',
      surplusReturned: '0.00',
    });
  });
});
