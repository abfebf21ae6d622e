import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { recordPayoutOutcome } from '../prisma/stores/payout-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A payout's return is ledger activity like its settlement (docs/reconciliation.md, "Ledger-only
// activity"): the ledger books the money back into the source account when the bank says the
// payout came back. When the bank's statement shows that return only on a later day (or never),
// the day the ledger booked it holds money the bank does not show: a LEDGER_ONLY difference the
// report itemises, as it does a payout the ledger settled before the bank paid it.

describe('a payout return the ledger booked before the statement shows it', () => {
  it('is itemised as ledger-only on the day it was booked, and that day balances', async () => {
    const w = await reconciliationWorld(71);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, supplierCode } = await w.disbursed(w.at(d1, 10));
      await w.playDay(d1);

      // Day 2, 10:00: the bank's answer says the payout came back; the ledger books the return.
      const d2 = addDays(d1, 1);
      const at = w.at(d2, 10);
      await recordPayoutOutcome(
        w.db.prisma,
        payout.id,
        { kind: 'BANK', view: { payoutReference: payout.payoutReference, status: 'RETURNED', amount: '787200.00', currency: 'CNY', bankReference: null, failureReason: null, settledAt: w.at(d1, 10), failedAt: null, returnedAt: at, returnReason: '收款人户名不符', returnedAmount: '787200.00' } },
        at,
      );
      expect(await w.balance(supplierCode)).toBe('787200.00');
      // The bank's statement of day 2 shows no return.
      await w.playDay(d2);
      expect(await w.report(d2)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '1212800.00',
          BANK_CLOSING: '1212800.00',
          SUPPLIER_SETTLEMENT: '787200.00',
          FUNDER_FUNDING: '1212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '2000000.00',
          EXPLAINED_CLOSING: '1212800.00',
        },
        items: [['LEDGER_ONLY', payout.payoutReference, '-787200.00']],
      });
    } finally {
      await w.drop();
    }
  });

  it('is the part that came back, and the statement that shows it later matches it and resolves the item', async () => {
    const w = await reconciliationWorld(72);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, supplierCode } = await w.disbursed(w.at(d1, 10));
      await w.playDay(d1);

      // Day 2: the beneficiary's bank sends back 500,000.00 of the 787,200.00; the statement of day 2 does not show it.
      const d2 = addDays(d1, 1);
      const at = w.at(d2, 10);
      await recordPayoutOutcome(
        w.db.prisma,
        payout.id,
        { kind: 'BANK', view: { payoutReference: payout.payoutReference, status: 'RETURNED', amount: '787200.00', currency: 'CNY', bankReference: null, failureReason: null, settledAt: w.at(d1, 10), failedAt: null, returnedAt: at, returnReason: '部分退汇', returnedAmount: '500000.00' } },
        at,
      );
      expect(await w.balance(supplierCode)).toBe('500000.00');
      await w.playDay(d2);
      expect(await w.report(d2)).toMatchObject({ balanced: true, items: [['LEDGER_ONLY', payout.payoutReference, '-500000.00']] });
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT_RETURN' } });
      expect([item.outcome, item.status, item.amount.toFixed(2)]).toEqual(['LEDGER_ONLY', 'OPEN', '500000.00']);

      // Day 3: the statement shows the return; its line matches the return, and the item is resolved.
      const d3 = addDays(d1, 2);
      await w.close(d3);
      await w.importDay(d3, 'CSV', (content) =>
        w.withReturns(content, d3, payout.payoutReference, '500000.00', ['SIMRETURN000000072'], { from: ',1212800.00,1212800.00,', to: ',1212800.00,1712800.00,' }),
      );
      const line = await w.db.prisma.bankStatementLine.findFirstOrThrow({ where: { bankReference: 'SIMRETURN000000072' } });
      const matched = await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { statementLineId: line.id } });
      expect([matched.outcome, matched.rule, matched.payoutId]).toEqual(['MATCHED', 'PAYOUT_REFERENCE', payout.id]);
      expect((await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: item.id } })).status).toBe('RESOLVED');
      expect(await w.report(d3)).toEqual({
        balanced: true,
        fixed: {
          BANK_OPENING: '1212800.00',
          BANK_CREDITS: '500000.00',
          BANK_CLOSING: '1712800.00',
          SUPPLIER_SETTLEMENT: '500000.00',
          FUNDER_FUNDING: '1212000.00',
          FEE_INCOME: '800.00',
          LEDGER_ESCROW_BANK: '1712800.00',
          EXPLAINED_CLOSING: '1712800.00',
        },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });
});
