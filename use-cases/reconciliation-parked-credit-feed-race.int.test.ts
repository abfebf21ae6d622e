import { describe, expect, it } from 'vitest';
import type { InboundCredit } from '../bank/bank-adapter';
import { addDays } from '../domain/business-date';
import { WrongStateError } from '../domain/errors';
import { Decimal } from '../domain/money';
import { receiveInboundCredit } from '../prisma/stores/inbound-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The feed's booking of a credit and an operator's approval of parking the statement line that is
// the same money under another bank reference (a bank whose statement references differ from its
// feed's) take no common lock of a bank reference. They meet on the lock of the money (virtual
// account, currency, amount): whichever comes second finds the other's, and the bank money is
// booked once.

const ROUNDS = 6;

describe('the feed and the approval of a parking racing for the same bank money', () => {
  it('book it once, whichever wins', async () => {
    const w = await reconciliationWorld(57);
    try {
      const d1 = w.day;
      const amounts = Array.from({ length: ROUNDS }, (_, round) => `${5001 + round}.00`);
      const received: InboundCredit[] = [];
      for (const amount of amounts) received.push(await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, amount));
      await w.close(d1);
      const statementReference = (round: number) => `STMTRACE00000${String(round).padStart(3, '0')}`;
      await w.importDay(d1, 'CSV', (content) => received.reduce((edited, credit, round) => edited.replaceAll(credit.bankReference, statementReference(round)), content));
      expect((await w.report(d1)).items).toHaveLength(ROUNDS);

      const d2 = addDays(d1, 1);
      const checker = await actorOf(w.db.prisma, await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] }));
      let parkedFirst = 0;
      for (const [round, credit] of received.entries()) {
        const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: statementReference(round) } });
        const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { statementLineId: line.id } });
        await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: amounts[round]!, note: '来源不明，先挂账 unknown for now' }, w.at(d2, 9));
        const feed = () => receiveInboundCredit(w.db.prisma, credit);
        const approval = () => decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 9));
        // Both started together, in turn one first and the other.
        const [fed, approved] = await (round % 2 === 0
          ? (() => { const fedFirst = feed(); return Promise.allSettled([fedFirst, approval()] as const); })()
          : (() => { const approvedFirst = approval(); return Promise.allSettled([feed(), approvedFirst] as const); })());
        expect(fed.status).toBe('fulfilled');
        if (approved.status === 'rejected') {
          expect(approved.reason).toBeInstanceOf(WrongStateError);
          expect((approved.reason as Error).message).toContain(credit.bankReference);
        } else {
          parkedFirst += 1;
        }
        const booked = await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: credit.bankReference } });
        expect(booked.outcome).toBe('MATCHED');
      }

      // Every payment is in the escrow account once and in the account it was paid to; none is
      // left in suspense, whichever of the two came first.
      const total = amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0)).toFixed(2);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe(total);
      expect(await w.balance(w.platform.SUSPENSE.code)).toBe('0.00');
      expect(await w.balance(w.funding.code)).toBe(total);
      const parkings = await w.db.prisma.reconciliationResolution.count({ where: { status: 'APPROVED' } });
      expect(parkings).toBe(parkedFirst);
    } finally {
      await w.drop();
    }
  });
});
