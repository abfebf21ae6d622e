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
// runs only at 00:30 on D+32. The core enterprise pays 812,400.00 (800,000.00 and 31 days of
// penalty) and the bank receives it at 15:00 on D+31, the day after the recourse day, before the
// late step runs.
//
// Money counts from the day the bank received it, never from when the feed read it
// (docs/workflows/financing.md, "Servicing"): read at 15:05 on D+31, the late step allocates it
// as of D+31 (31 × 400.00 = 12,400.00 of penalty and the principal), the financing settles and
// recourse takes nothing. Read an hour after the late step's claim instead, it is money the bank
// received before the claim and takes the claim's place (the claim gives back what the core
// enterprise's money pays): the funder must end with the same 812,400.00 and the supplier with
// its 900,000.00, not with 400.00 of the core enterprise's penalty paid to it as surplus.

const CORE = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

describe('recourse claimed by a late step, and the core enterprise’s money of the day after the recourse day', () => {
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

  /** Day 0 is 50 days ago at 10:00, the receivable due on day 10 (D): D+30 is day 40. Paid out and settled at the bank; the supplier holds `own` of its own. */
  async function disbursedWithRecourse(own = '900000.00') {
    const parties = await createFinancingParties(db.prisma, { recourse: true, recourseAfterDays: 30 });
    const f = await disbursedAt(db.prisma, parties, businessTimeAfter(new Date(), -50, 10), { payoutAccount: true });
    const payout = f.payout!;
    const view = { payoutReference: payout.payoutReference, amount: payout.amount.toFixed(2), currency: 'CNY', bankReference: `BNK-${f.id}`, failureReason: null, failedAt: null, settledAt: f.at(0, 11), returnedAt: null, returnReason: null };
    await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED' } }, f.at(0, 11));
    const supplierCode = partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    await receiveInboundCredit(db.prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await vanOf(supplierCode), amount: own, currency: 'CNY', ...CORE, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
    // The wake-ups up to D+29, on time.
    for (let day = 11; day <= 39; day += 1) await serviceFinancing(db.prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
    return { ...f, supplierCode, collectionVan: await vanOf(collectionAccountCode(f.id, 'CNY')) };
  }

  /** The core enterprise's money (812,400.00 unless told), received by the bank at 15:00 on D+31. */
  async function corePays(f: Awaited<ReturnType<typeof disbursedWithRecourse>>, amount = '812400.00') {
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-${f.id}`, virtualAccountNumber: f.collectionVan, amount, currency: 'CNY', ...CORE, receivedAt: f.at(41, 15) });
  }

  /** The wake-up of D+30, run at 00:30 on D+32: the step, then recourse, as the workflow does. */
  async function lateStep(f: Awaited<ReturnType<typeof disbursedWithRecourse>>) {
    await serviceFinancing(db.prisma, f.id, f.date(42), `test:${f.id}:day-42`, f.at(42, 0, 30));
    await claimRecourse(db.prisma, f.id, f.at(42, 0, 30));
  }

  async function outcome(f: Awaited<ReturnType<typeof disbursedWithRecourse>>) {
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
    return {
      status: financing.status,
      funderReceived: financing.repaidPenalty.plus(financing.repaidInterest).plus(financing.repaidPrincipal).toFixed(2),
      penaltyAccrued: financing.penaltyAccrued.toFixed(2),
      recourseClaimed: financing.recourseClaimed.toFixed(2),
      surplusReturned: financing.surplusReturned.toFixed(2),
      supplierHolds: (await getBalance(db.prisma, (await findAccountByCode(db.prisma, f.supplierCode))!.id)).posted.toFixed(2),
    };
  }

  it('gives the funder the penalty of D+31 whether the feed read the money before or after the late claim', async () => {
    // Read at 15:05 on D+31: the late step allocates it first.
    const readInTime = await disbursedWithRecourse();
    await corePays(readInTime);
    await lateStep(readInTime);
    const inTime = await outcome(readInTime);
    expect(inTime).toEqual({ status: 'SETTLED', funderReceived: '812400.00', penaltyAccrued: '12400.00', recourseClaimed: '0.00', surplusReturned: '0.00', supplierHolds: '900000.00' });

    // Read at 01:30 on D+32, an hour after the late step claimed 812,000.00 and settled the financing.
    const readLate = await disbursedWithRecourse();
    await lateStep(readLate);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } })).recourseClaimed.toFixed(2)).toBe('812000.00');
    await corePays(readLate);

    expect(await outcome(readLate)).toEqual(inTime);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  // The supplier holds only 500,000.00: the late claim takes it all (12,000.00 penalty, 488,000.00
  // principal) and D+31 and D+32 are charged on the 312,000.00 left (156.00 each). The core
  // enterprise pays 500,000.00 at 15:00 on D+31. Read in time, it pays 31 days of penalty
  // (12,400.00) and 487,600.00 of principal, and the claim takes the 312,400.00 left. Read after
  // the claim, the next wake-up allocates it in the claim's place: D+31 is owed on the 800,000.00
  // the core enterprise owed that day (400.00, not the 156.00 charged on what the claim left).
  it('charges D+31 on what the core enterprise owed, not on what the claim left, when the supplier could cover only part of it', async () => {
    const readInTime = await disbursedWithRecourse('500000.00');
    await corePays(readInTime, '500000.00');
    await lateStep(readInTime);
    const inTime = await outcome(readInTime);
    expect(inTime).toEqual({ status: 'SETTLED', funderReceived: '812400.00', penaltyAccrued: '12400.00', recourseClaimed: '312400.00', surplusReturned: '0.00', supplierHolds: '187600.00' });

    const readLate = await disbursedWithRecourse('500000.00');
    await lateStep(readLate);
    expect(await outcome(readLate)).toMatchObject({ status: 'OVERDUE', recourseClaimed: '500000.00', penaltyAccrued: '12312.00' });
    await corePays(readLate, '500000.00');
    // The wake-up of D+33, on time.
    await serviceFinancing(db.prisma, readLate.id, readLate.date(43), `test:${readLate.id}:day-43`, readLate.at(43, 0, 30));

    expect(await outcome(readLate)).toEqual(inTime);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
