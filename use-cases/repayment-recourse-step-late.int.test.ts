import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDateOfColumn } from '../domain/business-date';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { claimRecourse, serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt, type FinancingParties } from '../test/support/financings';

// Recourse to the supplier is owed on D + recourseAfterDays, for what the core enterprise had
// not paid by then. 800,000.00 financed against a receivable confirmed for 1,000,000.00; 6% up
// front, ACT/360; penalty 0.18 a year (400.00 a day), 3 grace days, recourse after 30 days. The
// supplier keeps 900,000.00 of its own in its settlement account, so the claim can take all
// that is owed: 800,000.00 of principal and 30 × 400.00 = 12,000.00 of penalty.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('recourse claimed by a servicing step that runs late', () => {
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

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  /** Day 0 is 50 business days ago at 10:00; the receivable is due on day 10 (D); disbursed on day 0. The supplier holds 900,000.00 of its own. */
  async function disbursedWithRecourse(parties: FinancingParties) {
    const { id, supplier, dueDate, at, date } = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10));
    const supplierCode = partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${id}`, virtualAccountNumber: await vanOf(supplierCode), amount: '900000.00', currency: 'CNY', ...PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: at(1, 10) });
    expect(isoDateOfColumn((await db.prisma.financing.findUniqueOrThrow({ where: { id } })).dueDate)).toBe(dueDate);
    return { id, supplierCode, at, date };
  }

  /** The daily step of `day` (its wake-up at 00:30), and recourse after it when `day` is on or after D+30, as the workflow does. */
  async function wakeUp(f: Awaited<ReturnType<typeof disbursedWithRecourse>>, day: number) {
    await serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
    return day >= 40 ? claimRecourse(db.prisma, f.id, f.at(day, 0, 30)) : null;
  }

  async function figures(f: Awaited<ReturnType<typeof disbursedWithRecourse>>) {
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    return {
      status: financing.status,
      recourseClaimed: financing.recourseClaimed.toFixed(2),
      penaltyAccrued: financing.penaltyAccrued.toFixed(2),
      // The supplier's settlement account: its 900,000.00, the disbursement's proceeds (no payout account is registered), less what recourse took.
      supplierKeeps: await balance(f.supplierCode),
    };
  }

  it('takes from the supplier what was owed on the recourse day, not the penalty of the days the step was late', async () => {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });

    // On time: the wake-ups of every day up to D+30 (day 40), where recourse takes 812,000.00 and settles.
    const onTime = await disbursedWithRecourse(parties);
    for (let day = 11; day <= 39; day += 1) await wakeUp(onTime, day);
    const claimedOnTime = await wakeUp(onTime, 40);
    expect(claimedOnTime?.claimed).toBe('812000.00');
    const settledOnTime = await figures(onTime);
    expect(settledOnTime).toMatchObject({ status: 'SETTLED', recourseClaimed: '812000.00', penaltyAccrued: '12000.00' });

    // The same financing whose worker was down from D+30: the wake-up of D+30 runs only on D+32
    // (day 42). Nothing changed for the supplier or the core enterprise in those two days; the
    // supplier's money was in its account all along.
    const late = await disbursedWithRecourse(parties);
    for (let day = 11; day <= 39; day += 1) await wakeUp(late, day);
    const claimedLate = await wakeUp(late, 42);

    expect({ claimed: claimedLate?.claimed, ...(await figures(late)) }).toEqual({ claimed: '812000.00', ...settledOnTime });
  });
});
