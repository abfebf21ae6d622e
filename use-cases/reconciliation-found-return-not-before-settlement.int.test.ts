import { describe, expect, it } from 'vitest';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout never comes back before it was paid, in the payout's record or in the ledger.
//
// Day 1: a funder tops up 1,000,000.00 (09:00); at 10:00 a supplier's financing of 800,000.00 is
// disbursed and its payout of 787,200.00 settles (the ledger books PAYOUT_SETTLED at 10:00). At
// 15:00 the beneficiary's bank sends the 787,200.00 back (value date day 1). The statement of day
// 1 is fetched and imported at 00:30 the day after, before day 1's cut-off has run (the day is
// still open), and the import books the return it finds (the payout is SETTLED in the ledger).
//
// The return's value date is day 1, the day the payout was paid. A serious payments product
// records the payout returned no earlier than it settled, and dates the return's posting no
// earlier than the settlement's: the ledger must never show the supplier's 787,200.00 back in
// its settlement account, and the escrow holding it again, for the hours before it was paid out.
// Here the return is dated at the start of its value date, 00:00 of day 1: returnedAt and the
// PAYOUT_RETURNED posting are ten hours before the payout settled.

describe('a payout return found on the statement of the day it was paid', () => {
  it('is recorded and posted no earlier than the payout settled', async () => {
    const w = await reconciliationWorld(86);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const { payout, status } = await w.disbursed(w.at(d1, 10), { behaviour: 'RETURN_AFTER', delayMs: 5 * 60 * 60 * 1000, reason: '收款人户名不符 name does not match' });
      expect(status).toBe('SETTLED');

      // Day 1's statement imported at 00:30 of day 2, day 1 not yet cut off.
      const imported = await w.importDay(d1);
      expect(imported.returnsBooked).toBe(1);

      const returned = await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } });
      expect(returned.status).toBe('RETURNED');
      const settlement = await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: returned.settledTransactionId! } });
      const back = await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: returned.reversalTransactionId! } });
      const times = `settled ${returned.settledAt!.toISOString()} (posted ${settlement.effectiveAt.toISOString()}), returned ${returned.returnedAt!.toISOString()} (posted ${back.effectiveAt.toISOString()})`;
      expect({
        returnedAtOrAfterSettled: returned.returnedAt!.getTime() >= returned.settledAt!.getTime(),
        postedAtOrAfterSettlement: back.effectiveAt.getTime() >= settlement.effectiveAt.getTime(),
      }, times).toEqual({ returnedAtOrAfterSettled: true, postedAtOrAfterSettlement: true });
    } finally {
      await w.drop();
    }
  });
});
