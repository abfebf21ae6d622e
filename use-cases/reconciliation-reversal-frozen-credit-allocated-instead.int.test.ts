import { describe, expect, it } from 'vitest';
import { addDays, isoDateOfColumn } from '../domain/business-date';
import { getBalance } from '../prisma/stores/ledger/balances';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A financing's collection account (回款专户) on day 1: 800,000.00 financed at 10:00. At 11:00 the
// bank books 300,000.00 to its virtual account number in error, and at 12:00 the core enterprise
// pays 100,000.00 of its own. The financing's servicing step does not run that day (the worker is
// down until the next morning). At 15:00 the bank takes the 300,000.00 back (冲正); the statement
// imported after midnight freezes it in the collection account: 300,000.00 of the 400,000.00 there
// is on hold, 100,000.00 — the core enterprise's payment — is available.
//
// The servicing step of day 2 must allocate the core enterprise's 100,000.00 as itself (its bank
// line, its value date), and leave the frozen credit alone for operators to take back. A
// repayment the financing lists must be money the bank holds, named by the bank line that
// brought it: otherwise the 300,000.00 the bank took back is shown as a repayment, and the core
// enterprise's own 100,000.00 stays waiting, to be counted later in place of money it did not bring.

describe('a credit the bank took back, frozen in a collection account', () => {
  it("is not allocated in place of the core enterprise's payment beside it", async () => {
    const w = await reconciliationWorld(88);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const { financing, collectionVan } = await w.disbursed(w.at(d1, 10));
      const inError = await w.credit(w.at(d1, 11), collectionVan, '300000.00', '银行错账 booked in error');
      const repayment = await w.credit(w.at(d1, 12), collectionVan, '100000.00', '货款 repayment');
      const item = await w.reversedOnStatement(inError.bankReference, d1);
      const creditOf = async (bankReference: string) => (await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference } })).id;
      const [inErrorId, repaymentId] = [await creditOf(inError.bankReference), await creditOf(repayment.bankReference)];
      const collection = financing.collectionAccountId!;
      const frozen = await getBalance(w.db.prisma, collection);
      expect([frozen.posted.toFixed(2), frozen.available.toFixed(2)]).toEqual(['400000.00', '100000.00']);

      await serviceFinancing(w.db.prisma, financing.id, d2, `test:${financing.id}:day-2`, w.at(d2, 8));
      const allocations = await w.db.prisma.repaymentAllocation.findMany({ where: { financingId: financing.id }, orderBy: { allocatedAt: 'asc' } });
      const named = (id: string | null) => (id === repaymentId ? "the core enterprise's 100,000.00" : id === inErrorId ? 'the 300,000.00 the bank took back' : String(id));
      expect(allocations.map((row) => ({ credit: named(row.inboundCreditId), collected: row.collected.toFixed(2), principal: row.principal.toFixed(2), valueDate: isoDateOfColumn(row.valueDate) }))).toEqual([
        { credit: "the core enterprise's 100,000.00", collected: '100000.00', principal: '100000.00', valueDate: d1 },
      ]);

      // Operators take the 300,000.00 back from the collection account, with four eyes.
      const checker = await w.operatorChecker();
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'RECOVER', amount: '-300000.00', note: '银行冲正，从回款专户追回 taken back' }, w.at(d2, 9));
      await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(d2, 10));
      const after = await w.db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } });
      const waiting = await w.db.prisma.inboundCredit.count({ where: { id: repaymentId, allocation: null } });
      expect({ collection: await w.balance(`financing:${financing.id}:COLLECTION:CNY`), repaidPrincipal: after.repaidPrincipal.toFixed(2), repaymentStillWaiting: waiting > 0 }).toEqual({
        collection: '0.00',
        repaidPrincipal: '100000.00',
        repaymentStillWaiting: false,
      });
    } finally {
      await w.drop();
    }
  });
});
