import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A statement credit the feed reports after the statement was imported but before operators park
// it, under the feed's own reference (a bank whose statement references differ from its feed's):
// the feed books it from the bank, so parking the statement line in suspense would take the same
// bank money into the ledger a second time.

describe('a bank-only statement credit the feed books under its own reference before it is parked', () => {
  it('cannot be parked in suspense as well: the bank money is booked once', async () => {
    const w = await reconciliationWorld(47);
    try {
      const d1 = w.day;
      const received = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '5000.00');
      await w.close(d1);
      await w.importDay(d1, 'CSV', (content) => content.replaceAll(received.bankReference, 'STMTREF000000931'));
      expect((await w.report(d1)).items).toEqual([['BANK_ONLY', 'STMTREF000000931', '5000.00']]);

      const d2 = addDays(d1, 1);
      // 08:00: the feed reports the money under its own reference, and books it from the bank.
      const results = await w.feed(w.at(d2, 8));
      expect(results.map((result) => [result.bankReference, result.credit?.outcome])).toEqual([[received.bankReference, 'MATCHED']]);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('5000.00');

      // 09:00: operators, working from day 1's report, park the bank-only line in suspense.
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY', kind: 'INBOUND_CREDIT' } });
      const parked = (async () => {
        await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '5000.00', note: '来源不明，先挂账 unknown for now' }, w.at(d2, 9));
        await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 9));
      })();
      await parked.catch(() => undefined);

      // The bank holds 5,000.00 once; the ledger must not hold it twice.
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('5000.00');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('0.00');
    } finally {
      await w.drop();
    }
  });
});
