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
});
