import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { recordPayoutOutcome } from '../prisma/stores/payout-store';
import { claimRecourse, serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../test/support/financings';

// docs/workflows/financing.md, "Recourse and money the bank received before it", the late step:
// 800,000.00 financed, due on D, recourse after 30 days; the worker is down from D+30, so the
// wake-up of D+30 runs at 00:30 on D+32 and claims 812,000.00 as of D+30. The core enterprise's
// 812,400.00 reaches the bank at 15:00 on D+31 and is read after the claim; the claim goes back
// in full. The RECOURSE_RETURNED notice tells the supplier, the funder and the core enterprise
// why: the money reached the bank before the claim was made. It must name the day the claim was
// made (D+32), not tell them the money of D+31 came "before the recourse claim of D+30".

const CORE = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('the notice of recourse returned after a late step’s claim', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  it('says the money reached the bank before the claim made on D+32, not before a claim of D+30', async () => {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    // Day 0 is 50 days ago at 10:00, the receivable due on day 10 (D): D+30 is day 40.
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10), { payoutAccount: true });
    const payout = f.payout!;
    const view = { payoutReference: payout.payoutReference, amount: payout.amount.toFixed(2), currency: 'CNY', bankReference: `BNK-${f.id}`, failureReason: null, failedAt: null, settledAt: f.at(0, 11), returnedAt: null, returnReason: null };
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED' } }, f.at(0, 11));
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY')), amount: '900000.00', currency: 'CNY', ...CORE, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    for (let day = 11; day <= 39; day += 1) await serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
    // The wake-up of D+30, run at 00:30 on D+32.
    await serviceFinancing(db.prisma, f.id, f.date(42), `test:${f.id}:day-42`, f.at(42, 0, 30));
    await claimRecourse(db.prisma, f.id, f.at(42, 0, 30));
    // The core enterprise's 812,400.00, received at 15:00 on D+31, read after the claim.
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-${f.id}`, virtualAccountNumber: await vanOf(collectionAccountCode(f.id, 'CNY')), amount: '812400.00', currency: 'CNY', ...CORE, receivedAt: f.at(41, 15) });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } })).recourseClaimed.toFixed(2)).toBe('0.00');

    const notices = await db.prisma.notification.findMany({ where: { financingId: f.id, kind: 'RECOURSE_RETURNED' } });
    expect(notices).toHaveLength(3);
    for (const notice of notices) {
      expect(notice.body).toContain(`reached the bank on ${f.date(41)}`);
      expect({ namesTheClaimsDay: notice.body.includes(f.date(42)), moneyOfD31BeforeAClaimOfD30: notice.body.includes(`before the recourse claim of ${f.date(40)}`) }).toEqual({
        namesTheClaimsDay: true,
        moneyOfD31BeforeAClaimOfD30: false,
      });
    }
  });
});
