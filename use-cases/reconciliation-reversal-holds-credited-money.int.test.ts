import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { getBalance } from '../prisma/stores/ledger/balances';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Money the bank has taken back cannot be spent while operators decide what to do about it.
//
// Day 1: a funder tops up 1,000,000.00 (09:00) and 50,000.00 (11:00), both booked to its funding
// account; at 15:00 the bank reverses the 50,000.00 (冲正). The statement, imported after
// midnight, shows the reversal: the ledger still credits the funder with 1,050,000.00, of which
// the bank holds 1,000,000.00. Until operators recover the 50,000.00 (four eyes, the next
// morning), the funder could reserve it for a financing: money that is not there would be lent
// out, and the recovery then refused for want of a balance and written off as the platform's loss.
//
// A serious payments product freezes (冻结) the reversed amount in the credited account when it
// learns of the reversal: the funder's available balance is 1,000,000.00 from the import on, the
// recovery takes the frozen money, and a write-off releases it.

describe("the bank's reversal of a credit the ledger booked", () => {
  it('holds the reversed amount in the credited account from the import until it is recovered', async () => {
    const w = await reconciliationWorld(83);
    try {
      const d1 = w.day;
      const reversed = await w.creditReversed(d1);
      const item = await w.reversedOnStatement(reversed.bankReference, d1);
      expect([item.outcome, item.status, item.inboundCreditId]).toEqual(['BANK_ONLY', 'OPEN', expect.any(String)]);

      const funding = async () => {
        const balance = await getBalance(w.db.prisma, w.funding.id);
        return { posted: balance.posted.toFixed(2), available: balance.available.toFixed(2) };
      };
      // Frozen from the import on: the funder can no longer commit the bank's 50,000.00.
      expect(await funding()).toEqual({ posted: '1050000.00', available: '1000000.00' });
      // An import of the next day (the item rolls forward) freezes nothing more.
      const d2 = addDays(d1, 1);
      await w.playDay(d2);
      expect(await funding()).toEqual({ posted: '1050000.00', available: '1000000.00' });

      const checker = await w.operatorChecker();
      const d3 = addDays(d1, 2);
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正，向资金方追回' }, w.at(d3, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d3, 10));
      // The frozen money is what was taken back: nothing is left pending.
      expect(await funding()).toEqual({ posted: '1000000.00', available: '1000000.00' });
    } finally {
      await w.drop();
    }
  });

  it('releases the frozen amount when operators write the shortage off instead', async () => {
    const w = await reconciliationWorld(84);
    try {
      const d1 = w.day;
      const reversed = await w.creditReversed(d1);
      const item = await w.reversedOnStatement(reversed.bankReference, d1);
      expect((await getBalance(w.db.prisma, w.funding.id)).available.toFixed(2)).toBe('1000000.00');

      const checker = await w.operatorChecker();
      const d2 = addDays(d1, 1);
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'WRITE_OFF', amount: '-50000.00', note: '银行冲正，平台承担' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 10));
      const balance = await getBalance(w.db.prisma, w.funding.id);
      expect({ posted: balance.posted.toFixed(2), available: balance.available.toFixed(2) }).toEqual({ posted: '1050000.00', available: '1050000.00' });
    } finally {
      await w.drop();
    }
  });
});
