import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { retryPayout } from '../prisma/stores/disbursement-store';
import { decideOfflineRepayment, proposeOfflineRepayment } from '../prisma/stores/offline-receipt-store';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// The reconciliation scenarios of money the ledger does not (yet) hold, played day by day with
// the bank simulator (docs/reconciliation.md, "Scenarios"), each ending with the day's report to
// the cent: the fixed lines by code (those not 0.00), then each itemised difference as
// [code, reference, amount]. test/support/reconciliation-days.ts plays the days.
//
// Most start the same way: at 10:00 a funder tops up 1,000,000.00 through the bank and a supplier
// finances 800,000.00 at once; the net 787,200.00 is paid out through the bank. The funder's
// account gives 800,000.00 and gets its 12,000.00 of interest back (212,000.00 left), the platform
// earns the 800.00 fee, and the bank holds 1,000,000.00 − 787,200.00 = 212,800.00.

const DAY_MS = 24 * 60 * 60 * 1000;

describe('reconciliation scenarios of expected, returned, unknown and repeated money, each ending with the report', () => {
  it('an offline receipt recorded by operators, then the same money on the bank feed: nothing on its own, bank-only until the feed books it, then booked once', async () => {
    const w = await reconciliationWorld(60);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 10), w.funding.virtualAccountNumber!, '1000000.00');
      const { financing, collectionVan } = await w.disbursed(w.at(d1, 10));
      // 11:00: the core enterprise says it repaid 100,000.00; one operator records it, another approves.
      const maker = await createActor(w.db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      const checker = await createActor(w.db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'] });
      const recorded = await proposeOfflineRepayment(w.db.prisma, await actorOf(w.db.prisma, maker), { financingId: financing.id, amount: '100000.00', bankReference: 'CORE20261210REPAY', note: '网银回单 online banking receipt' });
      expect((await decideOfflineRepayment(w.db.prisma, await actorOf(w.db.prisma, checker), recorded.id, true)).status).toBe('APPROVED');

      // Day 1 closes before the bank has the money: the receipt is expected, not money, so the
      // report knows nothing of it.
      await w.playDay(d1);
      expect(await w.report(d1)).toEqual({
        balanced: true,
        fixed: {
          BANK_CREDITS: '1000000.00', // the top-up
          BANK_DEBITS: '-787200.00', // the payout of the net proceeds
          BANK_CLOSING: '212800.00',
          FUNDER_FUNDING: '212000.00', // 1,000,000.00 − 800,000.00 + 12,000.00 interest
          FEE_INCOME: '800.00', // the 0.1% fee
          LEDGER_ESCROW_BANK: '212800.00', // = the parts; no 100,000.00 from the receipt
          EXPLAINED_CLOSING: '212800.00',
        },
        items: [],
      });

      // Day 2, 15:00: the money reaches the bank, but the feed is down until day 3.
      const d2 = addDays(d1, 1);
      await w.receive(w.at(d2, 15), collectionVan, '100000.00', '还款 repayment', recorded.bankReference);
      await w.playDay(d2);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '212800.00',
          BANK_CREDITS: '100000.00', // the repayment the receipt announced
          BANK_CLOSING: '312800.00',
          FUNDER_FUNDING: '212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '212800.00', // the ledger has not booked it
          EXPLAINED_CLOSING: '312800.00', // 212,800.00 + the bank-only 100,000.00
        },
        // The statement found the receipt, but the receipt is no booking: the bank has money the ledger has not.
        items: [['BANK_ONLY', recorded.bankReference, '100000.00']],
      });
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { accountNumber: w.bank.escrowAccountNumber, amount: '100000.00' } });
      expect([item.outcome, item.status, item.rule, item.offlineRepaymentId]).toEqual(['BANK_ONLY', 'OPEN', 'EXPECTED_PAYMENT', recorded.id]);

      // Day 3, 09:00: the feed books the money into the collection account and matches the receipt to it.
      const d3 = addDays(d1, 2);
      await w.feed(w.at(d3, 9));
      // The feed read from the start again (a lost cursor) books nothing a second time.
      await w.db.prisma.bankCursor.update({ where: { name: 'inbound-credits' }, data: { cursor: null } });
      await w.feed(w.at(d3, 9.5));
      const credits = await w.db.prisma.inboundCredit.findMany({ where: { bankReference: recorded.bankReference } });
      expect(credits).toHaveLength(1);
      const receipt = await w.db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: recorded.id } });
      expect([receipt.status, receipt.matchedCreditId]).toEqual(['MATCHED', credits[0]!.id]);
      await w.playDay(d3);
      expect(await w.report(d3)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '312800.00',
          BANK_CLOSING: '312800.00',
          FUNDER_FUNDING: '212000.00',
          COLLECTION: '100000.00', // the repayment, booked once, in the financing's collection account
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '312800.00', // = the bank: not 412,800.00
          EXPLAINED_CLOSING: '312800.00',
        },
        items: [],
      });
      const matched = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: item.id } });
      expect([matched.outcome, matched.status, matched.rule, matched.inboundCreditId]).toEqual(['MATCHED', 'RESOLVED', 'BANK_REFERENCE', credits[0]!.id]);
    } finally {
      await w.drop();
    }
  });

  it('a payout the bank returns 7 days after it settled: found by the statement, booked back to the supplier, paid again, every day balanced', async () => {
    const w = await reconciliationWorld(61);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 10), w.funding.virtualAccountNumber!, '1000000.00');
      const { financing, payout, status, supplierActor, supplierCode } = await w.disbursed(w.at(d1, 10), { behaviour: 'RETURN_AFTER', delayMs: 7 * DAY_MS, reason: '收款人户名不符 name does not match' });
      expect(status).toBe('SETTLED');
      const settled = {
        BANK_CLOSING: '212800.00',
        FUNDER_FUNDING: '212000.00', // 1,000,000.00 − 800,000.00 + 12,000.00 interest
        FEE_INCOME: '800.00',
        LEDGER_ESCROW_BANK: '212800.00',
        EXPLAINED_CLOSING: '212800.00',
      };
      await w.playDay(d1);
      expect(await w.report(d1)).toEqual({ balanced: true, fixed: { BANK_CREDITS: '1000000.00', BANK_DEBITS: '-787200.00', ...settled }, items: [] });
      // Days 2 to 7: nothing moves; the workflow's 5-day watch ends with the payout settled.
      for (let n = 1; n < 7; n += 1) {
        await w.playDay(addDays(d1, n));
        expect(await w.report(addDays(d1, n))).toEqual({ balanced: true, fixed: { BANK_OPENING: '212800.00', ...settled }, items: [] });
      }

      // Day 8, 10:00: the beneficiary's bank sends the money back. The ledger does not know it
      // until the statement of day 8 is imported, after the day's cut-off; the import makes the
      // day's report, then books the return (in day 9's ledger). So on day 8 the return is money
      // the bank has and the ledger had not: bank-only, though the item is already resolved.
      const d8 = addDays(d1, 7);
      const returned = await w.playDay(d8);
      expect(returned.returnsBooked).toBe(1);
      const returnLine = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT_RETURN' } });
      const returnReference = (await w.db.prisma.bankStatementLine.findUniqueOrThrow({ where: { id: returnLine.statementLineId! } })).bankReference;
      expect([returnLine.outcome, returnLine.status, returnLine.rule]).toEqual(['BANK_ONLY', 'RESOLVED', 'RETURN_BOOKED']);
      expect(await w.report(d8)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '212800.00',
          BANK_CREDITS: '787200.00', // the return
          BANK_CLOSING: '1000000.00',
          FUNDER_FUNDING: '212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '212800.00', // the return is booked after the cut-off
          EXPLAINED_CLOSING: '1000000.00', // 212,800.00 + the bank-only return
        },
        items: [['BANK_ONLY', returnReference, '787200.00']],
      });
      expect((await w.db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('RETURNED');
      expect((await w.db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status).toBe('PAYOUT_FAILED');

      // Day 9: the supplier's money is back in its settlement account, where a person pays it again.
      const d9 = addDays(d1, 8);
      await w.playDay(d9);
      expect(await w.report(d9)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '1000000.00',
          BANK_CLOSING: '1000000.00',
          SUPPLIER_SETTLEMENT: '787200.00', // the returned payout, owed to the supplier
          FUNDER_FUNDING: '212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '1000000.00',
          EXPLAINED_CLOSING: '1000000.00',
        },
        items: [],
      });

      // Day 10, 10:00: the payout is retried to a corrected account and the bank pays it.
      const d10 = addDays(d1, 9);
      w.clock.now = w.at(d10, 10);
      const retried = await retryPayout(w.db.prisma, supplierActor, financing.id, `retry-${financing.id}`, w.clock.now);
      expect([retried.attempt, retried.amount.toFixed(2)]).toEqual([2, '787200.00']);
      expect(await w.payouts.submitPayout({ payoutId: retried.id, at: w.clock.now })).toBe('SETTLED');
      await w.playDay(d10);
      expect(await w.report(d10)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '1000000.00',
          BANK_DEBITS: '-787200.00', // the second attempt
          BANK_CLOSING: '212800.00',
          FUNDER_FUNDING: '212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '212800.00', // the supplier's settlement account is 0.00 again
          EXPLAINED_CLOSING: '212800.00',
        },
        items: [],
      });
      expect(await w.balance(supplierCode)).toBe('0.00');
    } finally {
      await w.drop();
    }
  });

  it('an unknown inbound credit: bank-only on its day, parked in suspense by the feed and matched the next day', async () => {
    const w = await reconciliationWorld(62);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 10), w.funding.virtualAccountNumber!, '1000000.00');
      // 15:00: money to a virtual account number nobody has; the feed reads it only the next morning.
      const unknown = await w.receive(w.at(d1, 15), '9558800000009999999', '1234.56', 'unknown');
      await w.playDay(d1);
      expect(await w.report(d1)).toEqual({
        balanced: true,
        fixed: {
          BANK_CREDITS: '1001234.56', // the top-up and the unknown credit
          BANK_CLOSING: '1001234.56',
          FUNDER_FUNDING: '1000000.00',
          LEDGER_ESCROW_BANK: '1000000.00',
          EXPLAINED_CLOSING: '1001234.56', // 1,000,000.00 + the bank-only 1,234.56
        },
        items: [['BANK_ONLY', unknown.bankReference, '1234.56']],
      });

      // Day 2, 09:00: the feed parks the credit in suspense (an inbound exception for a person).
      const d2 = addDays(d1, 1);
      await w.feed(w.at(d2, 9));
      expect((await w.db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: unknown.bankReference } })).outcome).toBe('SUSPENSE');
      await w.playDay(d2);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '1001234.56',
          BANK_CLOSING: '1001234.56',
          FUNDER_FUNDING: '1000000.00',
          SUSPENSE: '1234.56', // the unknown credit, held for a person to assign or refund
          LEDGER_ESCROW_BANK: '1001234.56',
          EXPLAINED_CLOSING: '1001234.56',
        },
        items: [],
      });
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { accountNumber: w.bank.escrowAccountNumber, amount: '1234.56' } });
      expect([item.outcome, item.status, item.rule]).toEqual(['MATCHED', 'RESOLVED', 'BANK_REFERENCE']);
      // The day before keeps its line: its report is what it was.
      expect((await w.report(d1)).items).toEqual([['BANK_ONLY', unknown.bankReference, '1234.56']]);
    } finally {
      await w.drop();
    }
  });

  it('a statement imported twice, in either format and after the next day’s: nothing changes, the same report, the same version', async () => {
    const w = await reconciliationWorld(63);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 10), w.funding.virtualAccountNumber!, '1000000.00');
      // An unknown credit the feed reads only the next day: an item the next day's import resolves.
      const unknown = await w.receive(w.at(d1, 15), '9558800000009999999', '1234.56', 'unknown');
      const first = await w.playDay(d1);
      expect(first.created).toBe(true);
      const expected = {
        balanced: true,
        fixed: {
          BANK_CREDITS: '1001234.56', // the top-up and the unknown credit
          BANK_CLOSING: '1001234.56',
          FUNDER_FUNDING: '1000000.00',
          LEDGER_ESCROW_BANK: '1000000.00',
          EXPLAINED_CLOSING: '1001234.56',
        },
        items: [['BANK_ONLY', unknown.bankReference, '1234.56']],
      };
      expect(await w.report(d1)).toEqual(expected);
      const stored = await w.storedReport(d1);
      expect(stored.version).toBe(1);
      const counts = async () => [await w.db.prisma.bankStatement.count(), await w.db.prisma.bankStatementLine.count(), await w.db.prisma.reconciliationItem.count(), await w.db.prisma.reconciliationReport.count()];
      const before = await counts();

      // The same day again, as CSV and as camt.053: the stored statement answers, nothing is written.
      for (const format of ['CSV', 'CAMT053'] as const) {
        const again = await w.importDay(d1, format);
        expect([format, again.created, again.statement.id]).toEqual([format, false, first.statement.id]);
        expect(await counts()).toEqual(before);
        expect(await w.storedReport(d1)).toEqual(stored);
      }

      // The next day resolves the item (the feed parks the credit in suspense); the first day
      // imported once more still answers its report as it was made.
      const d2 = addDays(d1, 1);
      await w.feed(w.at(d2, 9));
      await w.playDay(d2);
      const next = await w.storedReport(d2);
      const again = await w.importDay(d1);
      expect(again.created).toBe(false);
      expect(await w.report(d1)).toEqual(expected);
      expect(await w.storedReport(d1)).toEqual(stored);
      expect(await w.storedReport(d2)).toEqual(next);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: { BANK_OPENING: '1001234.56', BANK_CLOSING: '1001234.56', FUNDER_FUNDING: '1000000.00', SUSPENSE: '1234.56', LEDGER_ESCROW_BANK: '1001234.56', EXPLAINED_CLOSING: '1001234.56' },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });
});
