import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { CORE_ENTERPRISE_PAYER, financedWithRecourseServicedToD29, lateRecourseStep, recourseOutcome, type FinancedWithRecourse } from '../test/support/late-recourse';

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

describe('recourse claimed by a late step, and the core enterprise’s two transfers of the day after the recourse day', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const disbursedWithRecourse = () => financedWithRecourseServicedToD29(db.prisma);
  const lateStep = (f: FinancedWithRecourse) => lateRecourseStep(db.prisma, f);

  /** The core enterprise's 400,000.00 at 10:00 and 412,400.00 at 15:00, both received by the bank on D+31. */
  async function corePaysInTwo(f: FinancedWithRecourse) {
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-AM-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '400000.00', currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(41, 10) });
    await receiveInboundCredit(db.prisma, { bankReference: `CORE-D31-PM-${f.id}`, virtualAccountNumber: f.collectionVan, amount: '412400.00', currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(41, 15) });
  }

  /** The outcome, and what was parked in suspense. */
  async function outcome(f: FinancedWithRecourse) {
    const parked = await db.prisma.inboundException.findMany({ where: { financingId: f.id }, orderBy: { createdAt: 'asc' } });
    return { ...(await recourseOutcome(db.prisma, f)), parked: parked.map((row) => `${row.reason} ${row.amount}`) };
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
