import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The bank's reversal of a statement credit operators parked in suspense and then applied to its
// account by hand is recovered from that account.
//
// Day 1: the funder tops up 1,000,000.00 (09:00, booked by the feed). At 11:00 the bank receives
// 50,000.00 more for the funder's virtual account, which the feed never reports: a BANK_ONLY
// credit of +50,000.00 on the statement. Day 2, 09:00-10:00: operators park it in suspense
// (SUSPENSE, four eyes); 11:00-12:00: they apply the parked 50,000.00 to the funder's funding
// account (four eyes): the funder holds 1,050,000.00, suspense 0.00. At 15:00 the bank reverses
// that credit (冲正): day 2's statement shows a BANK_ONLY reversal of −50,000.00.
//
// The money the bank took back is in the funder's account, where operators put it. As for a
// credit the feed parked and operators applied, RECOVER must take it back from there: DR funding
// 50,000.00, CR escrow, leaving funding 1,000,000.00, suspense 0.00 and escrow 1,000,000.00, the
// bank's balance. Refusing it ("the ledger holds no credit ... write the shortage off") leaves the
// funder 50,000.00 the bank no longer holds and sends the platform to book the loss.

describe("the bank's reversal of a statement credit parked and then applied by hand", () => {
  it('is recovered from the account operators applied it to', async () => {
    const w = await reconciliationWorld(79);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const d3 = addDays(d1, 2);
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const unreported = await w.receive(w.at(d1, 11), w.funding.virtualAccountNumber!, '50000.00');
      await w.playDay(d1);
      const creditItem = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { kind: 'INBOUND_CREDIT', outcome: 'BANK_ONLY' } });

      const checker = await w.operatorChecker();
      await proposeItemResolution(w.db.prisma, w.operatorActor, creditItem.id, { kind: 'SUSPENSE', amount: '50000.00', note: '来账未入账，挂账' }, w.at(d2, 9));
      const parked = await decideItemResolution(w.db.prisma, checker, creditItem.id, true, w.at(d2, 10));
      const resolution = await w.db.prisma.reconciliationResolution.findUniqueOrThrow({ where: { id: parked.item.resolutionId! } });
      await proposeExceptionResolution(w.db.prisma, w.operatorActor, resolution.exceptionId!, { accountId: w.funding.id, note: '资金方来账，划入资金方 applied to the funder' }, w.at(d2, 11));
      await decideExceptionResolution(w.db.prisma, checker, resolution.exceptionId!, true, w.at(d2, 12));
      expect({ funding: await w.balance(w.funding.code), suspense: await w.balance(w.platform.SUSPENSE.code) }).toEqual({ funding: '1050000.00', suspense: '0.00' });

      const reversal = await w.reversedOnStatement(unreported.bankReference, d2);
      expect([reversal.outcome, reversal.status]).toEqual(['BANK_ONLY', 'OPEN']);

      const recovered = await proposeItemResolution(w.db.prisma, w.operatorActor, reversal.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正追回' }, w.at(d3, 9))
        .then(() => decideItemResolution(w.db.prisma, checker, reversal.id, true, w.at(d3, 10)))
        .then(
          () => 'APPROVED',
          (error: unknown) => `${(error as { code?: string }).code ?? 'REFUSED'}: ${(error as Error).message}`,
        );

      expect({
        recovered,
        funding: await w.balance(w.funding.code),
        suspense: await w.balance(w.platform.SUSPENSE.code),
        escrow: await w.balance(w.platform.ESCROW_BANK.code),
      }).toEqual({ recovered: 'APPROVED', funding: '1000000.00', suspense: '0.00', escrow: '1000000.00' });
    } finally {
      await w.drop();
    }
  });
});
