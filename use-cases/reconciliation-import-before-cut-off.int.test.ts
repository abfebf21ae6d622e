import { describe, expect, it } from 'vitest';
import { produceReconciliationReportsOfDay } from '../prisma/stores/reconciliation-report-store';
import { testLogger } from '../test/support/logger';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The report is made after the day's cut-off and the day's statement import, whichever comes
// last (docs/reconciliation.md, "When it is made"). When the statement comes first, the day is
// still open: the feed may yet book a credit of the day, dated at the bank's receipt, into the
// day's own ledger. The day's ledger then holds the money its statement shows, so the report
// made at the cut-off has no difference for it ("Which items": a line matched to a booking before
// the cut-off is no difference on the day).

describe("a day's statement imported before the day's cut-off", () => {
  it('balances with no item when the feed books a credit of the day between the import and the cut-off', async () => {
    const w = await reconciliationWorld(73);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      // 10:00: a top-up reaches the bank; the feed is behind and has not read it.
      await w.receive(w.at(d1, 10), w.funding.virtualAccountNumber!, '50000.00');
      // 00:30 of the next day: the statement is fetched and imported; the cut-off has not run yet.
      await w.importDay(d1);
      // 00:40: the feed catches up and books the top-up at the bank's receipt, in the open day.
      await w.feed(w.at(d1, 24 + 40 / 60));
      expect(await w.balance(w.funding.code)).toBe('1050000.00');
      // Then the cut-off closes the day and makes its report.
      await w.close(d1);
      await produceReconciliationReportsOfDay(w.db.prisma, testLogger, d1, w.at(d1, 25));
      expect(await w.report(d1)).toEqual({
        balanced: true,
        fixed: { BANK_CREDITS: '1050000.00', BANK_CLOSING: '1050000.00', FUNDER_FUNDING: '1050000.00', LEDGER_ESCROW_BANK: '1050000.00', EXPLAINED_CLOSING: '1050000.00' },
        items: [],
      });
      // The cut-off run again changes nothing: the same report, the items as they were.
      const items = await w.db.prisma.reconciliationItem.findMany({ orderBy: { id: 'asc' } });
      const [again] = await produceReconciliationReportsOfDay(w.db.prisma, testLogger, d1, w.at(d1, 26));
      expect(again).toMatchObject({ outcome: 'UNCHANGED', report: { version: 1 } });
      expect(await w.db.prisma.reconciliationItem.findMany({ orderBy: { id: 'asc' } })).toEqual(items);
    } finally {
      await w.drop();
    }
  });

  it('imported after the cut-off, keeps the line bank-only on its day when the feed books it after the import', async () => {
    const w = await reconciliationWorld(74);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      await w.receive(w.at(d1, 10), w.funding.virtualAccountNumber!, '50000.00');
      await w.playDay(d1);
      const before = await w.report(d1);
      expect(before).toMatchObject({ balanced: true, items: [['BANK_ONLY', expect.any(String), '50000.00']] });
      // The feed books the top-up in the next open day; the day's close run again reconciles nothing again.
      await w.feed(w.at(d1, 24 + 40 / 60));
      const items = await w.db.prisma.reconciliationItem.findMany({ orderBy: { id: 'asc' } });
      const [again] = await produceReconciliationReportsOfDay(w.db.prisma, testLogger, d1, w.at(d1, 25));
      expect(again).toMatchObject({ outcome: 'UNCHANGED', report: { version: 1 } });
      expect(await w.db.prisma.reconciliationItem.findMany({ orderBy: { id: 'asc' } })).toEqual(items);
      expect(await w.report(d1)).toEqual(before);
    } finally {
      await w.drop();
    }
  });
});
