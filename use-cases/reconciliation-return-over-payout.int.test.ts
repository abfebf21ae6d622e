import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A return line of a settled payout for more than the payout (docs/reconciliation.md, "Matching":
// "the bank returned … more than its …"). The import never books it as the payout coming back
// (bookFoundReturns books a return of at most the payout's amount), so no process of the payout
// will ever explain it: it must be resolvable by hand.

describe('a return of a settled payout for more than the payout', () => {
  it('is never booked by the import, so it can be resolved by hand', async () => {
    const w = await reconciliationWorld(51);
    try {
      const { payout, next } = await w.payoutSettledOnStatement();
      const imported = await w.importDay(next, 'CSV', (content) =>
        w.withReturns(content, next, payout.payoutReference, '787300.00', ['SIMRETURN000000051'], { from: ',1212800.00,1212800.00,', to: ',1212800.00,2000100.00,' }),
      );
      expect(imported.returnsBooked).toBe(0);
      // The next day's import does not book it either: the payout stays settled.
      const after = addDays(next, 1);
      await w.close(after);
      await w.importDay(after, 'CSV', (content) => content.replaceAll(',1212800.00,1212800.00,', ',2000100.00,2000100.00,'));
      expect((await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('SETTLED');
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'SIMRETURN000000051' } });
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([item.outcome, item.status]).toEqual(['BANK_ONLY', 'OPEN']);

      // Nothing will ever book it: operators park the money in suspense for a person to ask the bank.
      const proposed = await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '787300.00', note: '退汇金额大于出款 returned more than paid' }, w.at(addDays(after, 1), 9));
      expect(proposed.id).toBe(item.id);
    } finally {
      await w.drop();
    }
  });
});
