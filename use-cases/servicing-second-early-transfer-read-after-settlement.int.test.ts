import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import type { FinancingParties } from '../test/support/financings';
import { overdueFinancing, readOrderOutcome } from '../test/support/read-orders';

// 800,000.00 financed on a receivable of 1,000,000.00 (confirmed), due on day 10 (D); penalty
// 0.18 a year on ACT/360 (400.00 a day on 800,000.00) after 3 grace days; penalty first in the
// waterfall; no recourse. The core enterprise pays 100,000.00, received by the bank on D+3,
// 300,000.00 on D+5 and 804,000.00 on D+10.
//
// Read in order: the 100,000.00 of D+3, inside the grace days, pays principal only (700,000.00
// left); D+1 to D+3 are charged on 800,000.00 (1,200.00), D+4 and D+5 on 700,000.00 (700.00), so
// the 300,000.00 pays 1,900.00 of penalty and 298,100.00 of principal (401,900.00 left); D+6 to
// D+10 are charged on 401,900.00 (200.95 a day, 1,004.75), and the 804,000.00 pays 1,004.75 of
// penalty and 401,900.00 of principal and settles the financing; of the 401,095.25 left,
// 200,000.00 goes to the supplier and 201,095.25 is held for the payer. The funder is paid
// 2,904.75 of penalty.
//
// Read late: the 804,000.00 is read first and settles the financing; then the 300,000.00 of D+5
// is read and the 804,000.00 is allocated again after it (docs/ledger.md, "Repayment
// reallocated"); then the 100,000.00 of D+3 is read. It too reached the bank before the financing
// was settled and before the repayments that settled it, which paid penalty charged on a
// principal it lowers: money counts from the day the bank received it (docs/workflows/
// financing.md, "Servicing"), so every party must end exactly as read in order. Parked as
// FINANCING_SETTLED instead, it leaves the funder 350.25 of penalty never owed (3,255.00 against
// 2,904.75), which the payer can never get back from a refund of its 100,000.00.

describe('two transfers received before the repayment that settled the financing, each read after it', () => {
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

  /** Serviced on time through D+2. */
  const due = () => overdueFinancing(db.prisma, { through: 2 });

  /** Where the money ended; what is held for the payer in all, since reading late holds it under more exceptions. */
  async function outcome(f: { id: string; parties: FinancingParties }) {
    const { heldForPayer: _exceptions, heldForPayerInAll, ...rest } = await readOrderOutcome(db.prisma, api, f);
    return { ...rest, heldForPayer: heldForPayerInAll };
  }

  /** A repayment as the API shows it (no fees or interest in these terms). */
  const row = (valueDate: string, collected: string, penalty: string, principal: string, surplus: string, overpaid: string) => ({
    valueDate,
    collected: { amount: collected },
    penalty: { amount: penalty },
    fees: { amount: '0.00' },
    interest: { amount: '0.00' },
    principal: { amount: principal },
    surplus: { amount: surplus },
    overpaid: { amount: overpaid },
  });

  it('ends as read in order when the second early transfer is read after the first one was allocated into the settled financing', async () => {
    const readInOrder = await due();
    await readInOrder.pays('CORE-D3', '100000.00', 13);
    for (let day = 13; day <= 14; day += 1) await readInOrder.step(day);
    await readInOrder.pays('CORE-D5', '300000.00', 15);
    for (let day = 15; day <= 20; day += 1) await readInOrder.step(day);
    await readInOrder.pays('CORE-D10', '804000.00', 20);
    await readInOrder.step(21);
    const inOrder = await outcome(readInOrder);
    // The reference, checked by hand (above).
    expect(inOrder).toMatchObject({
      status: 'SETTLED',
      settledAt: readInOrder.at(20, 10).toISOString(),
      repaid: { penalty: '2904.75', interest: '0.00', principal: '800000.00' },
      penaltyAccrued: '2904.75',
      surplusReturned: '200000.00',
      overpaymentHeld: '201095.25',
      collectionAccount: '0.00',
      heldForPayer: '201095.25',
      repayments: [
        row(readInOrder.date(13), '100000.00', '0.00', '100000.00', '0.00', '0.00'),
        row(readInOrder.date(15), '300000.00', '1900.00', '298100.00', '0.00', '0.00'),
        row(readInOrder.date(20), '804000.00', '1004.75', '401900.00', '200000.00', '201095.25'),
      ],
    });

    // Read late: the 804,000.00 of D+10 settles the financing, the 300,000.00 of D+5 is read on
    // D+12 and allocated before it, and the 100,000.00 of D+3 is read after that.
    const readLate = await due();
    for (let day = 13; day <= 20; day += 1) await readLate.step(day);
    await readLate.pays('CORE-D10', '804000.00', 20);
    expect((await readLate.step(21)).status).toBe('SETTLED');
    await readLate.pays('CORE-D5', '300000.00', 15);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } })).repaidPenalty.toFixed(2)).toBe('3255.00');
    const second = await readLate.pays('CORE-D3', '100000.00', 13);
    await readLate.step(22);

    expect(await outcome(readLate)).toEqual({
      ...inOrder,
      repayments: [
        row(readLate.date(13), '100000.00', '0.00', '100000.00', '0.00', '0.00'),
        row(readLate.date(15), '300000.00', '1900.00', '298100.00', '0.00', '0.00'),
        row(readLate.date(20), '804000.00', '1004.75', '401900.00', '200000.00', '201095.25'),
      ],
    });
    // The 100,000.00 reached the settled financing, allocated on its value date, not parked.
    expect(second.exception?.reason ?? null).toBeNull();
    expect(await db.prisma.financingTransition.count({ where: { financingId: readLate.id, toStatus: 'SETTLED' } })).toBe(1);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  // 300,000.00 received on D+5 and 810,000.00 on D+10. Read in order, the 300,000.00 pays 2,000.00
  // of penalty (D+1 to D+5 on 800,000.00) and 298,000.00 of principal; the 810,000.00 pays 1,255.00
  // (D+6 to D+10 on 502,000.00) and 502,000.00 of principal, and of the 306,745.00 left 200,000.00
  // goes to the supplier (up to the receivable's 1,000,000.00) and 106,745.00 is held for the payer.
  // Read late, the 810,000.00 settles the financing alone: 4,000.00 of penalty, 800,000.00 of
  // principal and 6,000.00 to the supplier. The 300,000.00 read after it must still end as in
  // order: the supplier gets more, not less, so nothing is taken back from anyone.
  it('ends as read in order when the repayment that settled the financing already paid the supplier', async () => {
    const readInOrder = await due();
    for (let day = 13; day <= 14; day += 1) await readInOrder.step(day);
    await readInOrder.pays('CORE-D5', '300000.00', 15);
    for (let day = 15; day <= 20; day += 1) await readInOrder.step(day);
    await readInOrder.pays('CORE-D10', '810000.00', 20);
    await readInOrder.step(21);
    const inOrder = await outcome(readInOrder);
    expect(inOrder).toMatchObject({
      status: 'SETTLED',
      settledAt: readInOrder.at(20, 10).toISOString(),
      repaid: { penalty: '3255.00', interest: '0.00', principal: '800000.00' },
      penaltyAccrued: '3255.00',
      surplusReturned: '200000.00',
      overpaymentHeld: '106745.00',
      collectionAccount: '0.00',
      heldForPayer: '106745.00',
      repayments: [
        row(readInOrder.date(15), '300000.00', '2000.00', '298000.00', '0.00', '0.00'),
        row(readInOrder.date(20), '810000.00', '1255.00', '502000.00', '200000.00', '106745.00'),
      ],
    });

    const readLate = await due();
    for (let day = 13; day <= 20; day += 1) await readLate.step(day);
    await readLate.pays('CORE-D10', '810000.00', 20);
    expect((await readLate.step(21)).status).toBe('SETTLED');
    expect(await outcome(readLate)).toMatchObject({
      repaid: { penalty: '4000.00', interest: '0.00', principal: '800000.00' },
      surplusReturned: '6000.00',
      repayments: [row(readLate.date(20), '810000.00', '4000.00', '800000.00', '6000.00', '0.00')],
    });
    const late = await readLate.pays('CORE-D5', '300000.00', 15);
    await readLate.step(22);

    expect(late.exception?.reason ?? null).toBeNull();
    expect(await outcome(readLate)).toEqual({
      ...inOrder,
      repayments: [
        row(readLate.date(15), '300000.00', '2000.00', '298000.00', '0.00', '0.00'),
        row(readLate.date(20), '810000.00', '1255.00', '502000.00', '200000.00', '106745.00'),
      ],
    });
    expect(await db.prisma.financingTransition.count({ where: { financingId: readLate.id, toStatus: 'SETTLED' } })).toBe(1);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  // 810,000.00 received on D+10 settles the financing and pays the supplier 6,000.00; then
  // 800,000.00 the bank received on D+1, inside the grace days, is read. Read in time it would have
  // settled the financing alone, and the 810,000.00 would have found it settled: all the payer's,
  // nothing to the supplier. Run again that way, the supplier's 6,000.00 would be taken back from
  // its settlement account, which it may have withdrawn: the 800,000.00 is parked as
  // FINANCING_SETTLED for an operator instead, and nothing already paid moves.
  it('parks the early transfer when allocating it first would take surplus back from the supplier', async () => {
    const f = await due();
    for (let day = 13; day <= 20; day += 1) await f.step(day);
    await f.pays('CORE-D10', '810000.00', 20);
    expect((await f.step(21)).status).toBe('SETTLED');
    const settled = await outcome(f);
    const early = await f.pays('CORE-D1', '800000.00', 11);
    await f.step(22);

    expect(early.exception?.reason).toBe('FINANCING_SETTLED');
    expect(await outcome(f)).toEqual({ ...settled, heldForPayer: '800000.00' });
    expect(settled).toMatchObject({ surplusReturned: '6000.00', heldForPayer: '0.00' });
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
