import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Two payments of the same amount to the same virtual account, a few minutes apart across
// midnight (docs/reconciliation.md, "Matching"). The feed reports the later one first; the
// earlier one's line is on the day's statement before the feed reports it, so rule 2 (virtual
// account, amount, value date) lends it the later payment's credit. When the later payment's own
// line comes on the next statement, and the feed reports the earlier payment under its own bank
// reference, each bank line has a credit of its own bank reference: a credit whose own line is
// on a statement is that line's money. Every line ends matched to its own credit and no
// difference remains.

describe('two payments of one amount to one virtual account, the later reported by the feed first', () => {
  it('ends with each line matched to the credit of its own bank reference and no difference', async () => {
    const w = await reconciliationWorld(72);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const van = w.funding.virtualAccountNumber!;
      await w.credit(w.at(d1, 9), van, '1000000.00');
      await w.close(d1);
      // 00:10 of day 2: a payment of 50,000.00, reported by the feed at once.
      const later = await w.credit(w.at(d2, 0.17), van, '50000.00');
      // The bank had received the same amount at 10:00 of day 1; its feed reports it late.
      const earlier = await w.receive(w.at(d1, 10), van, '50000.00');
      await w.importDay(d1);
      // Day 2, 09:00: the feed reports the earlier payment.
      await w.feed(w.at(d2, 9));
      await w.playDay(d2);

      const itemOf = async (bankReference: string) => {
        const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference } });
        const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
        const credit = item.inboundCreditId ? await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { id: item.inboundCreditId } }) : null;
        return [item.outcome, credit?.bankReference ?? null];
      };
      expect.soft(await itemOf(earlier.bankReference)).toEqual(['MATCHED', earlier.bankReference]);
      expect.soft(await itemOf(later.bankReference)).toEqual(['MATCHED', later.bankReference]);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: { BANK_OPENING: '1050000.00', BANK_CREDITS: '50000.00', BANK_CLOSING: '1100000.00', FUNDER_FUNDING: '1100000.00', LEDGER_ESCROW_BANK: '1100000.00', EXPLAINED_CLOSING: '1100000.00' },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });
});
