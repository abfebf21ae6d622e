import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { CORE_ENTERPRISE_PAYER, financedWithRecourseServicedToD29, lateRecourseStep, recourseOutcome, type FinancedWithRecourse } from '../test/support/late-recourse';

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

describe('recourse claimed by a late step, and the core enterprise’s money of the day after the recourse day', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const disbursedWithRecourse = (own?: string) => financedWithRecourseServicedToD29(db.prisma, own);
  const lateStep = (f: FinancedWithRecourse) => lateRecourseStep(db.prisma, f);
  const outcome = (f: FinancedWithRecourse) => recourseOutcome(db.prisma, f);

  /** The core enterprise's money (812,400.00 unless told), received by the bank at 15:00 on D+31. */
  async function corePays(f: FinancedWithRecourse, amount = '812400.00') {
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-${f.id}`, virtualAccountNumber: f.collectionVan, amount, currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(41, 15) });
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
