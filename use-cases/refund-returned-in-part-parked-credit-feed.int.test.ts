import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { approveExceptionRefund, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A statement credit parked in suspense by operators (docs/reconciliation.md, "When the feed
// reports parked money"), refunded to its payer, and sent back in part by the payer's bank: the
// exception is OPEN again holding only what came back (docs/workflows/balance-payout.md, "A
// refund's approval"). When the feed then reports the original credit, suspense holds only that
// part of it for this bank line: the rest reached the payer and must not be booked a second time.

describe('a parked statement credit refunded, returned in part, then reported by the feed', () => {
  it('books no more out of suspense than came back of the refund', async () => {
    const w = await reconciliationWorld(47);
    try {
      const d1 = w.day;
      // 7,000.00 reaches the funder's virtual account; the feed is late, the statement is not.
      const received = await w.receive(w.at(d1, 16), w.funding.virtualAccountNumber!, '7000.00');
      await w.close(d1);
      await w.importDay(d1);

      // Day 2, 09:00: operators park it in suspense, with four eyes.
      const d2 = addDays(d1, 1);
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY', kind: 'INBOUND_CREDIT', status: 'OPEN' } });
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '7000.00', note: '来源不明，先挂账 unknown for now' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 9));
      const parked = await w.db.prisma.inboundException.findFirstOrThrow({ where: { reason: 'RECONCILIATION' } });
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('7000.00');

      // 09:30 proposed as a refund to the payer, 09:45 approved: 7,000.00 into transit.
      const proposed = await proposeExceptionResolution(w.db.prisma, w.operatorActor, parked.id, { refund: true, note: '原路退回 back to the payer' }, w.at(d2, 9.5));
      const { payout } = await approveExceptionRefund(w.db.prisma, checker, parked.id, proposed.refundPayoutId!, w.at(d2, 9.75));
      // The payer's bank pays 7,000.00 and sends 3,000.00 of it back an hour later.
      await w.bank.script({ payoutReference: payout.payoutReference, behaviour: 'RETURN_AFTER', delayMs: 60 * 60 * 1000, returnAmount: '3000.00', reason: '部分退汇 part returned' });
      w.clock.now = w.at(d2, 10);
      expect(await w.payouts.submitPayout({ payoutId: payout.id, at: w.at(d2, 10) })).toBe('SETTLED');
      w.clock.now = w.at(d2, 11.5);
      expect(await w.payouts.checkPayout({ payoutId: payout.id, at: w.at(d2, 11.5) })).toBe('RETURNED');
      // 4,000.00 reached the payer; the 3,000.00 that came back is parked again under the same exception.
      expect(await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: parked.id } })).toMatchObject({ status: 'OPEN' });
      expect((await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: parked.id } })).heldAmount?.toFixed(2)).toBe('3000.00');
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('3000.00');
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('3000.00');
      expect(await w.balance(w.funding.code)).toBe('0.00');

      // 12:00: the feed reports the original 7,000.00 to the funder's account.
      const results = await w.feed(w.at(d2, 12));
      expect(results.map((result) => result.bankReference)).toEqual([received.bankReference]);

      // The bank holds 3,000.00 of this money: the funder's account may get at most that, and
      // suspense never owes more than it holds for the line.
      const suspense = await w.balance(w.platform.SUSPENSE.code);
      const funder = await w.balance(w.funding.code);
      const figures = `funder ${funder}, suspense ${suspense}`;
      expect({ escrow: await w.balance(w.platform.ESCROW_BANK.code), suspenseShort: Number(suspense) < 0, funderCreditedBeyondWhatCameBack: Number(funder) > 3000 }, figures).toEqual({
        escrow: '3000.00',
        suspenseShort: false,
        funderCreditedBeyondWhatCameBack: false,
      });
      expect(Number(funder) + Number(suspense), figures).toBe(3000);
      // What came back stays parked under its exception, which names the feed's line, for a person;
      // every operator party is told once, and the feed reading the line again changes nothing.
      expect(await w.db.prisma.inboundException.findUniqueOrThrow({ where: { id: parked.id } })).toMatchObject({ status: 'OPEN', feedBankReference: received.bankReference });
      const notices = () => w.db.prisma.notification.findMany({ where: { kind: 'PARKED_CREDIT_REPORTED_PART_REFUNDED' } });
      const operatorParties = await w.db.prisma.party.count({ where: { roles: { has: 'PLATFORM' } } });
      expect((await notices()).length).toBe(operatorParties);
      expect((await notices())[0]?.body).toContain('3000.00 CNY came back');
      await w.feed(w.at(d2, 13));
      expect({ suspense: await w.balance(w.platform.SUSPENSE.code), funder: await w.balance(w.funding.code), notices: (await notices()).length }).toEqual({ suspense: '3000.00', funder: '0.00', notices: operatorParties });
    } finally {
      await w.drop();
    }
  });
});
