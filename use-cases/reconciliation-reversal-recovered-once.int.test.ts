import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A credit the bank reverses twice is taken back from its owner once.
//
// Day 1: a funder tops up 1,000,000.00 (09:00) and 50,000.00 more (11:00), both reported by the
// feed and booked to its funding account (1,050,000.00). At 15:00 the bank reverses the
// 50,000.00 (冲正), and by its own mistake lists the reversal a second time under another bank
// reference: the statement shows 1,050,000.00 in and 100,000.00 out, closing at 950,000.00. Both
// reversal lines are BANK_ONLY items of −50,000.00, each naming the same credit.
//
// The funder received 50,000.00 once. Recovering that credit from its account is right once
// (1,000,000.00 left, its own top-up); the second reversal is the bank's error, a shortage to
// pursue with the bank or write off, never a second 50,000.00 taken from the funder's own money.
// A serious payments product ties a recovery to the credit it takes back and refuses to recover
// one credit twice; here the second RECOVER is approved and the funder is left with 950,000.00.

describe("the bank's reversal of one credit listed twice", () => {
  it('recovers the credit from its owner once: the second reversal does not take the owner’s own money', async () => {
    const w = await reconciliationWorld(81);
    try {
      const d1 = w.day;
      const wrong = await w.creditReversed(d1);
      await w.close(d1);
      await w.importDay(d1, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const reversal = rows.find((row) => row.includes(',INBOUND_CREDIT_REVERSAL,'))!;
        const again = reversal.replace(reversal.split(',')[8]!, 'SIMREVERSALAGAIN81');
        rows[1] = rows[1]!.replace(',0.00,1000000.00,', ',0.00,950000.00,');
        return rows.join('\r\n').replace(`${reversal}\r\n`, `${reversal}\r\n${again}\r\n`);
      });
      expect(await w.report(d1)).toMatchObject({ balanced: true, fixed: { BANK_DEBITS: '-100000.00', BANK_CLOSING: '950000.00', FUNDER_FUNDING: '1050000.00' } });
      const items = await w.db.prisma.reconciliationItem.findMany({ where: { kind: 'INBOUND_CREDIT_REVERSAL' }, orderBy: { createdAt: 'asc' } });
      expect(items.map((item) => [item.outcome, item.status])).toEqual([
        ['BANK_ONLY', 'OPEN'],
        ['BANK_ONLY', 'OPEN'],
      ]);
      // The first takes back the credit; the second finds it taken.
      expect(items[0]!.detail).toContain(`the ledger booked ${wrong.bankReference} of that amount`);
      expect(items[1]!.detail).toContain('the ledger has no credit of that amount to that account left to take back');

      const next = addDays(d1, 1);
      const checker = await w.operatorChecker();
      // The first reversal: taken back from the funder, who received the credit.
      await proposeItemResolution(w.db.prisma, w.operatorActor, items[0]!.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正，向资金方追回' }, w.at(next, 9));
      await decideItemResolution(w.db.prisma, checker, items[0]!.id, true, w.at(next, 10));
      expect(await w.balance(w.funding.code)).toBe('1000000.00');

      // The second reversal of the same credit: an operator tries to recover it too.
      const second = await proposeItemResolution(w.db.prisma, w.operatorActor, items[1]!.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正，向资金方追回' }, w.at(next, 11))
        .then(() => decideItemResolution(w.db.prisma, checker, items[1]!.id, true, w.at(next, 12)))
        .then(
          () => 'APPROVED',
          (error: unknown) => (error as { code?: string }).code ?? 'REFUSED',
        );

      // The funder keeps its own 1,000,000.00: the one credit it received was taken back once.
      expect({ second, funding: await w.balance(w.funding.code) }).toEqual({ second: expect.not.stringMatching(/^APPROVED$/), funding: '1000000.00' });
    } finally {
      await w.drop();
    }
  });
});
