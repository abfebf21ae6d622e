import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Two payments of the same amount to the same virtual account on one day, both late on the feed
// and both on the day's statement under the feed's own references. Operators park one of them;
// the feed then reports the other first. Its own bank reference is on the statement (its own
// line), so it is not the parked line's money (rule 2 of the matching: a credit "whose own bank
// reference is on no statement").

describe('a feed credit of the same amount and account as a parked statement credit, whose own line is on the statement', () => {
  it('is booked from the bank, and the parked line is explained by its own feed line', async () => {
    const w = await reconciliationWorld(49);
    try {
      const d1 = w.day;
      const first = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '6000.00', '第一期 instalment 1');
      const second = await w.receive(w.at(d1, 12), w.funding.virtualAccountNumber!, '6000.00', '第二期 instalment 2');
      await w.close(d1);
      await w.importDay(d1);
      expect((await w.report(d1)).items).toEqual(expect.arrayContaining([
        ['BANK_ONLY', first.bankReference, '6000.00'],
        ['BANK_ONLY', second.bankReference, '6000.00'],
      ]));

      // Day 2, 09:00: operators park the second payment; the first is still being looked into.
      const d2 = addDays(d1, 1);
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: second.bankReference } });
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { statementLineId: line.id } });
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '6000.00', note: '来源不明，先挂账 unknown for now' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 9));
      const parked = await w.db.prisma.inboundException.findFirstOrThrow({ where: { reason: 'RECONCILIATION' } });
      expect(parked.bankReference).toBe(second.bankReference);

      // 10:00: the feed reports both, the first first.
      await w.feed(w.at(d2, 10));
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('12000.00');
      expect(await w.balance(w.funding.code)).toBe('12000.00');
      // The parked line is the second payment's, which the feed reported under that very reference.
      expect((await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: parked.id } })).feedBankReference).toBe(second.bankReference);
      // The first payment's own line is matched to it, and the next report has nothing open.
      await w.playDay(d2);
      expect((await w.report(d2)).items).toEqual([]);
    } finally {
      await w.drop();
    }
  });
});
