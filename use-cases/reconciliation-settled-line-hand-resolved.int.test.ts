import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout whose line the statement showed while the ledger still had it in flight, and which the
// bank's answer then settled at the line's amount: the next import matches the line to it
// (docs/reconciliation.md, "Matching": a line of a payout in transit is matched once the ledger
// settles it). Only a payout "SETTLED at another amount" is over for a hand resolution; writing
// this line off as a shortage books the payout's money out of the escrow account a second time.

describe('a bank-only payout line whose payout has since settled at the same amount', () => {
  it('is left to the next import, not written off by hand', async () => {
    const w = await reconciliationWorld(55);
    try {
      const { payout, item } = await w.payoutInFlightOnStatement();

      // Day 2, 08:00: the payout's own process asks the bank again and books it settled.
      const next = addDays(w.day, 1);
      w.clock.now = w.at(next, 8);
      expect(await w.payouts.checkPayout({ payoutId: payout.id, at: w.at(next, 8) })).toBe('SETTLED');
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1212800.00');

      // 09:00: an operator working from day 1's report writes the line off; the proposal must be refused.
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const writtenOff = (async () => {
        await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'WRITE_OFF', amount: '-787200.00', note: '银行已付 the bank paid it' }, w.at(next, 9));
        await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(next, 9.5));
      })();
      await writtenOff.catch(() => undefined);
      // The bank paid 787,200.00 once: the ledger must hold what the bank holds.
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1212800.00');
      await w.playDay(next);
      expect(await w.report(next)).toMatchObject({ balanced: true, items: [] });
    } finally {
      await w.drop();
    }
  });
});
