import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { overdueFinancing, readOrderOutcome } from '../test/support/read-orders';

// 800,000.00 financed, due on day 10 (D); penalty 0.18 a year on ACT/360 (400.00 a day on
// 800,000.00) after 3 grace days; penalty first in the waterfall; no recourse. The core
// enterprise pays 300,000.00, received by the bank on D+5, and 104,000.00 on D+10, read at once.
//
// Read in order: the step of D+6 allocates the 300,000.00 as of D+5: the penalty of D+1 to D+5
// (2,000.00) and 298,000.00 of principal. D+6 to D+10 are charged on 502,000.00 (251.00 a day),
// so the 104,000.00 pays 1,255.00 of penalty and 102,745.00 of principal; D+11 to D+13 are
// charged on 399,255.00 (199.63 a day).
//
// Read late: the feed reports the 300,000.00 only on D+12. Meanwhile D+1 to D+10 are charged on
// 800,000.00 and the 104,000.00 pays that penalty (4,000.00) and 100,000.00 of principal. Money
// counts from the day the bank received it (docs/workflows/financing.md, "Servicing"): once the
// 300,000.00 is read, the core enterprise must stand exactly as when it was read in time, not
// having paid 2,745.00 more penalty and that much less principal (and penalty on it since).

describe('a later repayment read before an earlier one paid penalty the earlier one shows was not owed', () => {
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

  it('ends with the figures of the transfers read in order when the earlier one is read after the later one paid the penalty it was shown', async () => {
    const readInOrder = await overdueFinancing(db.prisma);
    await readInOrder.pays('CORE-D5', '300000.00', 15);
    for (let day = 15; day <= 20; day += 1) await readInOrder.step(day);
    await readInOrder.pays('CORE-D10', '104000.00', 20);
    for (let day = 21; day <= 23; day += 1) await readInOrder.step(day);
    const inOrder = await readOrderOutcome(db.prisma, api, readInOrder);
    const row = (valueDate: string, collected: string, penalty: string, principal: string) => ({
      valueDate,
      collected: { amount: collected },
      penalty: { amount: penalty },
      fees: { amount: '0.00' },
      interest: { amount: '0.00' },
      principal: { amount: principal },
      surplus: { amount: '0.00' },
      overpaid: { amount: '0.00' },
    });
    // The reference, checked by hand: 2,000.00 + 1,255.00 of penalty paid, 3 × 199.63 still owed.
    expect(inOrder).toMatchObject({
      status: 'OVERDUE',
      repaid: { penalty: '3255.00', interest: '0.00', principal: '400745.00' },
      outstanding: { principal: '399255.00', interest: '0.00', fees: '0.00', penalty: '598.89' },
      penaltyAccrued: '3853.89',
      collectionAccount: '0.00',
      repayments: [row(readInOrder.date(15), '300000.00', '2000.00', '298000.00'), row(readInOrder.date(20), '104000.00', '1255.00', '102745.00')],
    });

    // Read late: the 104,000.00 of D+10 pays the 4,000.00 of penalty charged on 800,000.00 before
    // the 300,000.00 of D+5 is reported, on D+12.
    const readLate = await overdueFinancing(db.prisma);
    for (let day = 15; day <= 20; day += 1) await readLate.step(day);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } })).penaltyOutstanding.toFixed(2)).toBe('4000.00');
    await readLate.pays('CORE-D10', '104000.00', 20);
    for (let day = 21; day <= 22; day += 1) await readLate.step(day);
    await readLate.pays('CORE-D5', '300000.00', 15);
    await readLate.step(23);

    expect(await readOrderOutcome(db.prisma, api, readLate)).toEqual({ ...inOrder, repayments: [row(readLate.date(15), '300000.00', '2000.00', '298000.00'), row(readLate.date(20), '104000.00', '1255.00', '102745.00')] });
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
