import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { recordPayoutOutcome } from '../prisma/stores/payout-store';
import { claimRecourse, serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { businessTimeAfter, createFinancingParties, disbursedAt } from '../test/support/financings';

// 800,000.00 financed, due on D, penalty 400.00 a day after 3 grace days, recourse after 30 days;
// the supplier holds 900,000.00 of its own. The worker is down from D+30: the wake-up of D+30
// runs only at 00:30 on D+32 and claims 812,000.00 as of D+30. The core enterprise pays what it
// owes on D+31, 812,400.00 (800,000.00 and 31 days of penalty), in two transfers the bank
// receives that day, 400,000.00 at 10:00 and 412,400.00 at 15:00, both before the late claim.
//
// Money counts from the day the bank received it, never from when the feed read it
// (docs/workflows/financing.md, "Recourse and money the bank received before it": "A second
// credit before the claim sets aside what the first left"). Read in time, the two transfers
// settle the financing and recourse takes nothing. Read after the claim, the first sets the claim
// aside and it keeps 412,400.00; the second, received before the claim too, must take that
// place as well: the supplier keeps its 900,000.00, not 487,600.00 with the core enterprise's
// 412,400.00 parked in suspense for a refund to the core enterprise.

const CORE = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('recourse claimed by a late step, and the core enterprise’s two transfers of the day after the recourse day', () => {
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

  /** Day 0 is 50 days ago at 10:00, the receivable due on day 10 (D): D+30 is day 40. Paid out and settled at the bank; the supplier holds 900,000.00 of its own. */
  async function disbursedWithRecourse() {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10), { payoutAccount: true });
    const payout = f.payout!;
    const view = { payoutReference: payout.payoutReference, amount: payout.amount.toFixed(2), currency: 'CNY', bankReference: `BNK-${f.id}`, failureReason: null, failedAt: null, settledAt: f.at(0, 11), returnedAt: null, returnReason: null };
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED' } }, f.at(0, 11));
    const supplierCode = partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(supplierCode), amount: '900000.00', currency: 'CNY', ...CORE, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    // The wake-ups up to D+29, on time.
    for (let day = 11; day <= 39; day += 1) await serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
    return { ...f, supplierCode, collectionVan: await vanOf(collectionAccountCode(f.id, 'CNY')) };
  }

  type Financed = Awaited<ReturnType<typeof disbursedWithRecourse>>;

  /** The core enterprise's 400,000.00 at 10:00 and 412,400.00 at 15:00, both received by the bank on D+31. */
  async function corePaysInTwo(f: Financed) {
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-AM-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '400000.00', currency: 'CNY', ...CORE, receivedAt: f.at(41, 10) });
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-PM-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '412400.00', currency: 'CNY', ...CORE, receivedAt: f.at(41, 15) });
  }

  /** The wake-up of D+30, run at 00:30 on D+32: the step, then recourse, as the workflow does. */
  async function lateStep(f: Financed) {
    await serviceFinancing(db.prisma, f.id, f.date(42), `test:${f.id}:day-42`, f.at(42, 0, 30));
    await claimRecourse(db.prisma, f.id, f.at(42, 0, 30));
  }

  async function outcome(f: Financed) {
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    const parked = await db.prisma.inboundException.findMany({ where: { financingId: f.id }, orderBy: { createdAt: 'asc' } });
    return {
      status: financing.status,
      funderReceived: financing.repaidPenalty.plus(financing.repaidInterest).plus(financing.repaidPrincipal).toFixed(2),
      penaltyAccrued: financing.penaltyAccrued.toFixed(2),
      recourseClaimed: financing.recourseClaimed.toFixed(2),
      surplusReturned: financing.surplusReturned.toFixed(2),
      supplierHolds: (await getBalance(db.prisma, (await findAccountByCode(db.prisma, f.supplierCode))!.id)).posted.toFixed(2),
      parked: parked.map((row) => `${row.reason} ${row.amount}`),
    };
  }

  it('leaves the supplier its 900,000.00 whether the feed read the two transfers before or after the late claim', async () => {
    // Read at 10:05 and 15:05 on D+31: the late step allocates both first.
    const readInTime = await disbursedWithRecourse();
    await corePaysInTwo(readInTime);
    await lateStep(readInTime);
    const inTime = await outcome(readInTime);
    expect(inTime).toEqual({ status: 'SETTLED', funderReceived: '812400.00', penaltyAccrued: '12400.00', recourseClaimed: '0.00', surplusReturned: '0.00', supplierHolds: '900000.00', parked: [] });

    // Read at 01:30 on D+32, an hour after the late step claimed 812,000.00 and settled the financing.
    const readLate = await disbursedWithRecourse();
    await lateStep(readLate);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } })).recourseClaimed.toFixed(2)).toBe('812000.00');
    await corePaysInTwo(readLate);

    expect(await outcome(readLate)).toEqual(inTime);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
