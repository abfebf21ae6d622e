import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { CORE_ENTERPRISE_PAYER, financedWithRecourseServicedToD29, lateRecourseStep } from '../test/support/late-recourse';

// docs/workflows/financing.md, "Recourse and money the bank received before it", the late step:
// 800,000.00 financed, due on D, recourse after 30 days; the worker is down from D+30, so the
// wake-up of D+30 runs at 00:30 on D+32 and claims 812,000.00 as of D+30. The core enterprise's
// 812,400.00 reaches the bank at 15:00 on D+31 and is read after the claim; the claim goes back
// in full. The RECOURSE_RETURNED notice tells the supplier, the funder and the core enterprise
// why: the money reached the bank before the claim was made. It must name the day the claim was
// made (D+32), not tell them the money of D+31 came "before the recourse claim of D+30".

describe('the notice of recourse returned after a late step’s claim', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('says the money reached the bank before the claim made on D+32, not before a claim of D+30', async () => {
    const f = await financedWithRecourseServicedToD29(db.prisma);
    // The wake-up of D+30, run at 00:30 on D+32.
    await lateRecourseStep(db.prisma, f);
    // The core enterprise's 812,400.00, received at 15:00 on D+31, read after the claim.
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '812400.00', currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(41, 15) });
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
