import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout is paid when the bank paid it, not when the platform got round to asking.
//
// Day 1: a funder tops up 2,000,000.00 (09:00) and a financing's 787,200.00 is paid out at 22:40.
// The bank takes the instruction but its answer is lost (a timeout); it executes the payout ten
// minutes later, at 22:50, on its own day 1. The payout's workflow asks the bank again at 23:20,
// after the 23:00 cut-off, and learns it was paid. The statement of day 1 shows the payout.
//
// A serious payments product records the payout as paid at 22:50, the bank's time in its own
// answer, and books the settlement in day 1 with the bank's line: the supplier is told when it
// was paid, and day 1's ledger equals day 1's statement. Here the payout is recorded paid at 23:20
// and the settlement posted in day 2, so day 1's report shows the money still in transit though
// the bank paid it that day.

describe('a payout the bank paid before the platform asked', () => {
  it('is settled at the time the bank paid it, in the accounting day the bank paid it', async () => {
    const w = await reconciliationWorld(88);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, status } = await w.disbursed(w.at(d1, 22 + 40 / 60), { behaviour: 'TIMEOUT_THEN_SUCCEED', delayMs: 10 * 60_000 });
      expect(status).toBe('UNKNOWN');
      const paidAt = w.at(d1, 22 + 50 / 60);

      // The workflow asks at 23:20, after the cut-off instant of day 1.
      w.clock.now = w.at(d1, 23 + 20 / 60);
      expect(await w.payouts.checkPayout({ payoutId: payout.id, at: w.clock.now })).toBe('SETTLED');
      const settled = await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } });
      const posting = await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: settled.settledTransactionId! } });
      expect({ settledAt: settled.settledAt?.toISOString(), postedAt: posting.effectiveAt.toISOString() }).toEqual({ settledAt: paidAt.toISOString(), postedAt: paidAt.toISOString() });

      // Day 1's ledger is day 1's statement: nothing in transit, nothing to explain.
      await w.playDay(d1);
      const report = await w.report(d1);
      expect({ balanced: report.balanced, inTransit: report.fixed.PAYOUT_IN_TRANSIT ?? '0.00', items: report.items }).toEqual({ balanced: true, inTransit: '0.00', items: [] });
      await w.playDay(addDays(d1, 1));
      expect(await w.report(addDays(d1, 1))).toMatchObject({ balanced: true, items: [] });
    } finally {
      await w.drop();
    }
  });
});
