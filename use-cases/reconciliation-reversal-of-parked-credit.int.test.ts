import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The bank's reversal of a credit that never reached its virtual account's owner is not taken
// from that owner.
//
// Day 1: a funder tops up 1,000,000.00 (09:00, reported by the feed, booked to its funding
// account). At 11:00 the bank receives 50,000.00 more for the funder's virtual account, which the
// feed never reports: on the statement it is a BANK_ONLY credit of +50,000.00. Day 2: operators
// park it in suspense (SUSPENSE, four eyes): DR escrow, CR suspense 50,000.00. The funder's account
// still holds exactly its own 1,000,000.00; the 50,000.00 sits in suspense, whoever it is for. At
// 15:00 the bank reverses that credit (冲正): day 2's statement shows a BANK_ONLY reversal of
// −50,000.00 to the funder's virtual account.
//
// The money the bank took back is the money parked in suspense. A serious payments product takes a
// reversed credit back from where the ledger put it; it never debits an owner who did not receive
// it. Here RECOVER debits the funder's funding account (the account of the line's virtual account
// number) by 50,000.00 of the funder's own money, while the 50,000.00 stays parked in suspense.

describe("the bank's reversal of a credit parked in suspense", () => {
  it('does not take the money back from the virtual account’s owner, who never received it', async () => {
    const w = await reconciliationWorld(82);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const d3 = addDays(d1, 2);
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const unreported = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '50000.00');
      await w.playDay(d1);
      const creditItem = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { kind: 'INBOUND_CREDIT', outcome: 'BANK_ONLY' } });
      expect(creditItem.status).toBe('OPEN');

      const checker = await w.operatorChecker();
      await proposeItemResolution(w.db.prisma, w.operatorActor, creditItem.id, { kind: 'SUSPENSE', amount: '50000.00', note: '来账未入账，挂账' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, creditItem.id, true, w.at(d2, 10));
      expect({ funding: await w.balance(w.funding.code), suspense: await w.balance(w.platform.SUSPENSE.code) }).toEqual({ funding: '1000000.00', suspense: '50000.00' });

      const reversal = await w.reversedOnStatement(unreported.bankReference, d2);
      expect([reversal.outcome, reversal.status]).toEqual(['BANK_ONLY', 'OPEN']);

      // An operator proposes to recover the reversed credit, and another approves.
      const recovered = await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正追回' }, w.at(d3, 9))
        .then(() => decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(d3, 10)))
        .then(
          () => 'APPROVED',
          (error: unknown) => (error as { code?: string }).code ?? 'REFUSED',
        );

      // The funder never received the 50,000.00: its own 1,000,000.00 is untouched.
      expect({ recovered, funding: await w.balance(w.funding.code) }).toMatchObject({ funding: '1000000.00' });
    } finally {
      await w.drop();
    }
  });
});
