import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// Rule 2 of the matching (docs/reconciliation.md, "Matching"): a statement credit whose bank
// reference the feed never used takes a credit to the same virtual account, of the same amount,
// received within 2 days of the line's value date, "the nearest in time first". A credit the
// bank received on the line's value date is nearer to it than one received the day before.
//
// A funder tops up 500,000.00 on day 1 at 12:00 and again on day 2 at 15:00; the feed books both
// at once. The bank's statements carry references of their own (not the feed's). The platform
// starts reconciling with the statement of day 2 (the first a fetch imports is yesterday's): its
// one line is day 2's top-up. It must be matched to the credit received on day 2; day 1's credit
// is day 1's statement's money. Measured from the midnight that starts day 2, day 1's 12:00 (12
// hours before) looks nearer than day 2's 15:00 (15 hours after), so the line takes day 1's
// credit, day 2's credit is listed as ledger-only, and day 2's report, whose ledger and bank
// agree to the cent, says 500,000.00 is unexplained.

describe('a statement credit matched by virtual account, amount and value date', () => {
  it("takes the credit received on its value date before one of the day before, and the day's report balances", async () => {
    const w = await reconciliationWorld(112);
    try {
      const d1 = w.day;
      const d2 = addDays(d1, 1);
      const van = w.funding.virtualAccountNumber!;
      await w.credit(w.at(d1, 12), van, '500000.00');
      const onValueDate = await w.credit(w.at(d2, 15), van, '500000.00');
      await w.close(d1);
      await w.close(d2);
      await w.importDay(d2, 'CSV', (content) => content.replaceAll(onValueDate.bankReference, 'STMTREF000000777'));

      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '500000.00',
          BANK_CREDITS: '500000.00',
          BANK_CLOSING: '1000000.00',
          FUNDER_FUNDING: '1000000.00',
          LEDGER_ESCROW_BANK: '1000000.00',
          EXPLAINED_CLOSING: '1000000.00',
        },
        items: [],
      });
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'STMTREF000000777' } });
      const item = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      const credit = item.inboundCreditId ? await w.db.prisma.inboundCredit.findUnique({ where: { id: item.inboundCreditId } }) : null;
      expect({ outcome: item.outcome, rule: item.rule, credit: credit?.bankReference }).toEqual({
        outcome: 'MATCHED',
        rule: 'ACCOUNT_AMOUNT_VALUE_DATE',
        credit: onValueDate.bankReference,
      });
    } finally {
      await w.drop();
    }
  });
});
