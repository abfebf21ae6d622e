import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';

// 800,000.00 financed, due on day 10 (D), 3 grace days, penalty 400.00 a day. The core
// enterprise pays it all on D+2; the bank reports the line only on D+10, after the wake-up of
// D+4 had charged D+1 to D+4 and marked the financing OVERDUE. By value date the financing was
// whole at the end of its grace days: every charge is reversed and it settles. It was never
// overdue, and its figures must say so to everyone who reads them.

const FIGURES = `query ($id: ID!) { financing(id: $id) { status overdueSince penaltyDays penaltyAccrued { amount } } }`;

describe('a financing repaid within its grace days, reported late', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is not shown as overdue once the repayment counted from its value date reverses every penalty day', async () => {
    const parties = await createFinancingParties(db.prisma);
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -45, 10), { payoutAccount: true });
    // The wake-up of D+4 (day 14): not whole at the end of D+3 as far as anyone knows yet.
    const charged = await serviceFinancing(db.prisma, f.id, f.date(14), `test:${f.id}:day-14`, f.at(14, 0, 5));
    expect(charged.overdue).toBe(true);
    // The bank received 800,000.00 on D+2 (day 12); the feed reads it on D+10 (day 20).
    const van = (await findAccountByCode(db.prisma, collectionAccountCode(f.id, 'CNY')))!.virtualAccountNumber!;
    await receiveInboundCredit(db.prisma, {
      bankReference: `ON-TIME-${f.id}`,
      virtualAccountNumber: van,
      amount: '800000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'repayment',
      receivedAt: f.at(12, 15),
    });
    await serviceFinancing(db.prisma, f.id, f.date(20), `test:${f.id}:day-20`, f.at(20, 0, 5));

    const financing = await api.call(f.supplier.token, FIGURES, { id: globalId('Financing', f.id) });
    expect(financing).toEqual({ status: 'SETTLED', overdueSince: null, penaltyDays: 0, penaltyAccrued: { amount: '0.00' } });
  });
});
