import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout the beneficiary's bank sends back after the financing's workflow stopped watching it
// is found on the bank's statement, and the import books it (docs/reconciliation.md, "Payout
// returns after the watch"): the 787,200.00 goes back to the supplier's settlement account, the
// line's item is RESOLVED as RETURN_BOOKED, and the supplier, whom no workflow tells any more, is
// told once that its payout came back and can be paid again (retryPayout).
//
// The import does that after its own transaction, one booking at a time; when it fails part way
// (here the inbox write fails once, just after the return was booked), the same statement is
// imported again and must finish what the failed import left: the supplier told, the item resolved.

const FAIL_NOTICE = `
  CREATE FUNCTION test_inbox_unavailable() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'the inbox is unavailable'; END $$`;
const FAIL_NOTICE_TRIGGER = `
  CREATE TRIGGER test_inbox_unavailable BEFORE INSERT ON notification
  FOR EACH ROW WHEN (NEW.kind = 'PAYOUT_RETURNED') EXECUTE FUNCTION test_inbox_unavailable()`;

describe('a statement showing a late return, imported again after the import failed', () => {
  it('tells the supplier its payout came back and resolves the line, as one clean import would', async () => {
    const w = await reconciliationWorld(40);
    try {
      const { payout, financing, supplierCode } = await w.payoutToBeReturnedAfterWatch();
      // Day 8: the beneficiary's bank sends the 787,200.00 back.
      const d8 = addDays(w.day, 7);

      await w.db.prisma.$executeRawUnsafe(FAIL_NOTICE);
      await w.db.prisma.$executeRawUnsafe(FAIL_NOTICE_TRIGGER);
      const failed = await w.importDay(d8).then(
        () => 'imported',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(failed).toContain('the inbox is unavailable');
      await w.db.prisma.$executeRawUnsafe('DROP TRIGGER test_inbox_unavailable ON notification');

      // The same statement, imported again.
      await w.importDay(d8);

      const returned = await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } });
      expect([returned.status, returned.returnedAmount?.toFixed(2)]).toEqual(['RETURNED', '787200.00']);
      expect(await w.balance(supplierCode)).toBe('787200.00');
      const told = await w.db.prisma.notification.findMany({ where: { partyId: financing.supplierPartyId, kind: 'PAYOUT_RETURNED' }, select: { body: true } });
      expect(told.map((notice) => notice.body.includes('787200.00 CNY'))).toEqual([true]);
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT_RETURN' } });
      expect([item.outcome, item.status, item.rule, item.bookedTransactionId]).toEqual(['BANK_ONLY', 'RESOLVED', 'RETURN_BOOKED', returned.reversalTransactionId]);
    } finally {
      await w.drop();
    }
  });
});
