import { describe, expect, it } from 'vitest';
import { addDays, startOfBusinessDate } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout found returned on a statement is never recorded as coming back after it was found.
//
// Day 1: a funder tops up 1,000,000.00 (09:00) and a supplier's payout of 787,200.00 settles
// (10:00). Day 8, after the workflow's watch: the beneficiary's bank sends it back; the bank
// books the 787,200.00 on day 8 (it is in day 8's closing balance) with a value date three days
// ahead, day 11 (a value date may be up to 31 days from the booking). Day 8's statement is
// imported at 00:30 on day 9, and the import books the return: the ledger's PAYOUT_RETURNED
// posting is dated at the import, since it cannot be dated ahead of it.
//
// On day 9 the money is back in the escrow account and in the supplier's settlement account, and
// the supplier is told to pay it again. A serious payments product never records the payout as
// returned at a time still to come, later than its own posting and than the moment it learnt of
// it. Here returnedAt is 00:00 of day 11, two days after the import that booked it.

describe('a payout return whose value date is after the import that finds it', () => {
  it('is recorded as returned no later than the import that booked it', async () => {
    const w = await reconciliationWorld(67);
    try {
      const d1 = w.day;
      const { payout } = await w.payoutToBeReturnedAfterWatch();

      const d8 = addDays(d1, 7);
      const d11 = addDays(d1, 10);
      for (let n = 1; n <= 7; n += 1) await w.close(addDays(d1, n));
      const importedAt = w.at(addDays(d8, 1), 0.5);
      const imported = await w.importWithReturnsValueDated(d8, d11, importedAt);
      expect(imported.returnsBooked).toBe(1);

      const returned = await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } });
      expect(returned.status).toBe('RETURNED');
      const posting = await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: returned.reversalTransactionId! } });
      expect(posting.effectiveAt.getTime()).toBeLessThanOrEqual(importedAt.getTime());
      expect(startOfBusinessDate(d11).getTime()).toBeGreaterThan(importedAt.getTime());
      expect({ returnedAt: returned.returnedAt?.toISOString(), notAfterImport: returned.returnedAt!.getTime() <= importedAt.getTime() }).toEqual({
        returnedAt: expect.any(String),
        notAfterImport: true,
      });
    } finally {
      await w.drop();
    }
  });
});
