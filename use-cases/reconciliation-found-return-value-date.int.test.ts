import { describe, expect, it } from 'vitest';
import { cutOffInstant, DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { addDays, startOfBusinessDate } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout return the bank's statement shows after the payout's workflow stopped watching
// (docs/reconciliation.md, "Payout returns after the watch"), imported days after the bank made
// it. Time in money is business time: the payout came back on the bank's value date of the return
// line, whenever the import happened to find it; the booking itself still goes into an open
// accounting day, since the days in between are closed.

describe('a payout return found on a statement imported days later', () => {
  it("records the bank's value date as when the payout came back, and books it in an open day", async () => {
    const w = await reconciliationWorld(65);
    try {
      const d1 = w.day;
      const { payout } = await w.payoutToBeReturnedAfterWatch();

      // Day 8: the beneficiary's bank sends the money back (booked on day 8, value-dated day 7);
      // the statement of day 8 is imported only on day 11, after days 8 to 10 closed.
      const d7 = addDays(d1, 6);
      const d8 = addDays(d1, 7);
      for (let n = 1; n <= 9; n += 1) await w.close(addDays(d1, n));
      const importedAt = w.at(addDays(d8, 3), 9);
      const imported = await w.importWithReturnsValueDated(d8, d7, importedAt);
      expect(imported.returnsBooked).toBe(1);
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT_RETURN' } });
      expect([item.outcome, item.status, item.rule]).toEqual(['BANK_ONLY', 'RESOLVED', 'RETURN_BOOKED']);
      const line = await w.db.prisma.bankStatementLine.findUniqueOrThrow({ where: { id: item.statementLineId! } });
      expect(line.valueDate.toISOString().slice(0, 10)).toBe(d7);

      const returned = await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } });
      expect(returned.status).toBe('RETURNED');
      // Came back on the bank's value date, not when the import ran.
      expect(returned.returnedAt?.toISOString()).toBe(startOfBusinessDate(d7).toISOString());
      // The booking is in the first open accounting day (day 10 is the last closed one), never in a closed day.
      const posting = await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: returned.reversalTransactionId! } });
      expect(posting.effectiveAt.getTime()).toBeGreaterThanOrEqual(cutOffInstant(addDays(d8, 2), DEFAULT_CUT_OFF).getTime());
      expect(posting.effectiveAt.getTime()).toBeLessThanOrEqual(importedAt.getTime());
    } finally {
      await w.drop();
    }
  });
});
