import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A statement credit parked in suspense under its own bank reference (the feed's, too), which
// another feed line of the same amount and account, on no statement yet, took by rule 2 before
// the feed reported the parked line's own reference. The parked money is booked out of suspense
// already: the feed line of the parked line's own reference is kept and operators are told, never
// booked from the bank a second time on the ledger's own guess.

describe('a feed line whose parked statement line another feed line took by rule 2', () => {
  it('is kept, not booked again, and operators are told', async () => {
    const w = await reconciliationWorld(59);
    try {
      const d1 = w.day;
      const own = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '6000.00', '第一期 instalment 1');
      await w.playDay(d1);
      expect((await w.report(d1)).items).toEqual([['BANK_ONLY', own.bankReference, '6000.00']]);

      const d2 = addDays(d1, 1);
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY', kind: 'INBOUND_CREDIT' } });
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '6000.00', note: '来源不明，先挂账 unknown for now' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 9));

      // 09:30: another payment of the same amount to the same account, on no statement yet, is
      // reported first and matches the parked line by rule 2: booked out of suspense.
      const other = await w.receive(w.at(d2, 9.5), w.funding.virtualAccountNumber!, '6000.00', '第二期 instalment 2');
      const took = await receiveInboundCredit(w.db.prisma, other);
      expect(took.credit?.outcome).toBe('MATCHED');
      const parked = await w.db.prisma.inboundException.findFirstOrThrow({ where: { reason: 'RECONCILIATION' } });
      expect(parked.feedBankReference).toBe(other.bankReference);

      // Then the parked line's own reference: kept, nothing booked again, operators told.
      const kept = await receiveInboundCredit(w.db.prisma, own);
      expect(kept.credit).toBeNull();
      expect(kept.exception?.id).toBe(parked.id);
      expect(await w.db.prisma.inboundCredit.findUnique({ where: { bankReference: own.bankReference } })).toBeNull();
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('6000.00');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('0.00');
      const platforms = await w.db.prisma.party.count({ where: { roles: { has: 'PLATFORM' } } });
      expect(await w.db.prisma.notification.count({ where: { kind: 'PARKED_CREDIT_CLAIMED_BY_ANOTHER_LINE' } })).toBe(platforms);
      // Reported again, it is kept again and told once.
      expect((await receiveInboundCredit(w.db.prisma, own)).credit).toBeNull();
      expect(await w.db.prisma.notification.count({ where: { kind: 'PARKED_CREDIT_CLAIMED_BY_ANOTHER_LINE' } })).toBe(platforms);
    } finally {
      await w.drop();
    }
  });
});
