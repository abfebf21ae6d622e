import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { overdueFinancing, readOrderOutcome } from '../test/support/read-orders';
import { formatShanghaiTime } from '../domain/business-date';

// 800,000.00 financed on a receivable of 1,000,000.00 (confirmed), due on day 10 (D); penalty
// 0.18 a year on ACT/360 (400.00 a day on 800,000.00) after 3 grace days; penalty first in the
// waterfall; no recourse. The core enterprise pays 300,000.00, received by the bank on D+5, and
// 804,000.00 on D+10, read at once.
//
// Read in order: the step of D+6 allocates the 300,000.00 as of D+5: the penalty of D+1 to D+5
// (2,000.00) and 298,000.00 of principal. D+6 to D+10 are charged on 502,000.00 (251.00 a day,
// 1,255.00), so the 804,000.00 pays 1,255.00 of penalty and 502,000.00 of principal and settles
// the financing on D+10; of the 300,745.00 left, 200,000.00 goes to the supplier (the receivable's
// 1,000,000.00 less the 800,000.00 of principal paid) and 100,745.00 is held for the payer.
//
// Read late: the feed reports the 300,000.00 only on D+12. Meanwhile D+1 to D+10 are charged on
// 800,000.00 and the 804,000.00 pays that penalty (4,000.00) and the 800,000.00 of principal,
// settling the financing. Money counts from the day the bank received it (docs/workflows/
// financing.md, "Servicing"; docs/ledger.md, "Repayment reallocated"): the 300,000.00 was in the
// bank five days before the financing was whole, so once it is read every party must stand
// exactly as when it was read in time. The funder must not keep 745.00 of penalty charged on
// principal the 300,000.00 had already repaid, and the 300,745.00 it was paid beyond what it was
// owed must go where the waterfall sends it, not just the 300,000.00 parked as unapplied cash.

describe('a later repayment read first that settled the financing, and the earlier transfer read after it', () => {
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

  it('ends with the figures of the transfers read in order when the earlier one is read after the later one settled the financing', async () => {
    const readInOrder = await overdueFinancing(db.prisma);
    await readInOrder.pays('CORE-D5', '300000.00', 15);
    for (let day = 15; day <= 20; day += 1) await readInOrder.step(day);
    await readInOrder.pays('CORE-D10', '804000.00', 20);
    await readInOrder.step(21);
    const inOrder = await readOrderOutcome(db.prisma, api, readInOrder);
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
    // The reference, checked by hand: 2,000.00 + 1,255.00 of penalty paid, 200,000.00 to the
    // supplier, 100,745.00 held for the payer, settled when the bank received the 804,000.00.
    expect(inOrder).toMatchObject({
      status: 'SETTLED',
      settledAt: readInOrder.at(20, 10).toISOString(),
      repaid: { penalty: '3255.00', interest: '0.00', principal: '800000.00' },
      outstanding: { principal: '0.00', interest: '0.00', fees: '0.00', penalty: '0.00' },
      penaltyAccrued: '3255.00',
      surplusReturned: '200000.00',
      overpaymentHeld: '100745.00',
      collectionAccount: '0.00',
      heldForPayer: ['OVERPAID 100745.00'],
      repayments: [
        row(readInOrder.date(15), '300000.00', '2000.00', '298000.00', '0.00', '0.00'),
        row(readInOrder.date(20), '804000.00', '1255.00', '502000.00', '200000.00', '100745.00'),
      ],
    });

    // Read late: the 804,000.00 of D+10 pays the 4,000.00 of penalty charged on 800,000.00 and
    // settles the financing before the 300,000.00 of D+5 is reported, on D+12.
    const readLate = await overdueFinancing(db.prisma);
    for (let day = 15; day <= 20; day += 1) await readLate.step(day);
    await readLate.pays('CORE-D10', '804000.00', 20);
    expect((await readLate.step(21)).status).toBe('SETTLED');
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } })).repaidPenalty.toFixed(2)).toBe('4000.00');
    await readLate.pays('CORE-D5', '300000.00', 15);
    await readLate.step(22);

    expect(await readOrderOutcome(db.prisma, api, readLate)).toEqual({
      ...inOrder,
      repayments: [
        row(readLate.date(15), '300000.00', '2000.00', '298000.00', '0.00', '0.00'),
        row(readLate.date(20), '804000.00', '1255.00', '502000.00', '200000.00', '100745.00'),
      ],
    });
    // The financing stays settled, once: the parties are told what changed, once, in figures.
    expect(await db.prisma.financingTransition.count({ where: { financingId: readLate.id, toStatus: 'SETTLED' } })).toBe(1);
    const told = await db.prisma.notification.findMany({ where: { financingId: readLate.id, kind: 'SETTLED_REPAYMENTS_REALLOCATED' } });
    // The program's assignment is open: the core enterprise, the payer, is told too.
    const { supplierPartyId } = await db.prisma.financing.findUniqueOrThrow({ where: { id: readLate.id } });
    expect(told.map((notice) => notice.partyId).sort()).toEqual([supplierPartyId, readLate.parties.funder.partyId, readLate.parties.core.partyId].sort());
    for (const notice of told) {
      expect(notice.body).toContain(`the funder is paid 745.00 CNY less penalty, 200000.00 CNY goes to the supplier and 100745.00 CNY is held for a refund to the payer`);
      expect(notice.body).toContain(`as of ${formatShanghaiTime(readLate.at(20, 10))} (UTC+08:00)`);
    }
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
