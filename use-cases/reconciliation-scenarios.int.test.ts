import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { requestBalancePayout } from '../prisma/stores/balance-payout-store';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { postTransaction } from '../prisma/stores/ledger/postings';
import { recordPayoutOutcome } from '../prisma/stores/payout-store';
import { testLogger } from '../test/support/logger';
import { reconciliationWorld } from '../test/support/reconciliation-days';
import { createPayoutActivities } from '../workflows/activities/payout-activities';

// Reconciliation scenarios with the bank simulator (docs/reconciliation.md, "Scenarios"), each
// on a database and escrow account of its own, each ending with the day's report to the cent:
// the fixed lines by code, then each itemised difference as [code, reference, amount]
// (test/support/reconciliation-days.ts plays the days). Expected payments, returns after the
// watch, unknown credits and statements imported twice are in reconciliation-exception-scenarios.

const HOUR_MS = 60 * 60 * 1000;

describe('reconciliation scenarios, each ending with the report', () => {
  it('a credit exactly at the cut-off instant is on the day’s statement and in the next day’s ledger: itemised as in transit over the cut-off, both days balance', async () => {
    const w = await reconciliationWorld(20);
    try {
      await w.credit(w.at(w.day, 10), w.funding.virtualAccountNumber!, '1000000.00');
      // 23:00:00.000 exactly: the posting belongs to the next accounting day (effective_at < cut-off is the day).
      const late = await w.credit(w.at(w.day, 23), w.funding.virtualAccountNumber!, '250000.00');
      await w.close(w.day);
      await w.importDay(w.day);
      expect(await w.report(w.day)).toEqual({
        balanced: true,
        fixed: { BANK_CREDITS: '1250000.00', BANK_CLOSING: '1250000.00', FUNDER_FUNDING: '1000000.00', LEDGER_ESCROW_BANK: '1000000.00', EXPLAINED_CLOSING: '1250000.00' },
        items: [['CUT_OFF_TIMING', late.bankReference, '250000.00']],
      });
      const next = addDays(w.day, 1);
      w.clock.now = w.at(next, 12);
      await w.close(next);
      await w.importDay(next);
      expect(await w.report(next)).toEqual({
        balanced: true,
        fixed: { BANK_OPENING: '1250000.00', BANK_CLOSING: '1250000.00', FUNDER_FUNDING: '1250000.00', LEDGER_ESCROW_BANK: '1250000.00', EXPLAINED_CLOSING: '1250000.00' },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });

  it('a camt.053 file and the CSV of the same day give the same report', async () => {
    const reports = [];
    for (const format of ['CAMT053', 'CSV'] as const) {
      const w = await reconciliationWorld(21);
      try {
        await w.credit(w.at(w.day, 10), w.funding.virtualAccountNumber!, '1000000.00');
        await w.credit(w.at(w.day, 11), '9558800000009999999', '1234.56', 'unknown');
        await w.credit(w.at(w.day, 23.5), w.coreRepayment.virtualAccountNumber!, '300000.00', '还款');
        await w.close(w.day);
        await w.importDay(w.day, format);
        reports.push(await w.report(w.day));
      } finally {
        await w.drop();
      }
    }
    expect(reports[0]).toEqual({
      balanced: true,
      fixed: { BANK_CREDITS: '1301234.56', BANK_CLOSING: '1301234.56', FUNDER_FUNDING: '1000000.00', SUSPENSE: '1234.56', LEDGER_ESCROW_BANK: '1001234.56', EXPLAINED_CLOSING: '1301234.56' },
      items: [['CUT_OFF_TIMING', expect.stringMatching(/^SIM\d{16}$/), '300000.00']],
    });
    expect(reports[1]).toEqual(reports[0]);
  });

  it('a payout the ledger booked settled and the bank never executed is a shortage the report itemises (ledger only), and still balances', async () => {
    const w = await reconciliationWorld(22);
    try {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const t = w.at(w.day, 10);
      await postTransaction(w.db.prisma, { idempotencyKey: 'scenario:fees', code: 'DISBURSEMENT_FEES', effectiveAt: t, entries: [{ accountId: w.funding.id, direction: 'DEBIT', amount: '12800.00', currency: 'CNY' }, { accountId: w.platform.FEE_INCOME.id, direction: 'CREDIT', amount: '12800.00', currency: 'CNY' }] });
      await registerBankAccount(w.db.prisma, w.operatorActor, w.operatorActor.partyId, { accountName: '深圳前海供应链平台运营有限公司', accountNumber: '6222000000009999', bankName: '中国工商银行' }, t);
      const { payout } = await requestBalancePayout(w.db.prisma, w.operatorActor, { purpose: 'FEE_SWEEP', amount: null, currency: 'CNY', idempotencyKey: 'sweep-1' }, t);
      // The bank never receives it; a faulty booking records it settled anyway.
      await w.bank.script({ payoutReference: payout.payoutReference, behaviour: 'TIMEOUT_NOT_RECEIVED' });
      w.clock.now = t;
      expect(await createPayoutActivities({ prisma: w.db.prisma, logger: testLogger, bank: w.bank }).submitPayout({ payoutId: payout.id, at: t })).toBe('UNKNOWN');
      await recordPayoutOutcome(w.db.prisma, payout.id, { kind: 'BANK', view: { payoutReference: payout.payoutReference, status: 'SETTLED', amount: '12800.00', currency: 'CNY', bankReference: null, failureReason: null, settledAt: t, failedAt: null, returnedAt: null, returnReason: null } }, new Date(t.getTime() + HOUR_MS));
      await w.close(w.day);
      await w.importDay(w.day);
      expect(await w.report(w.day)).toEqual({
        balanced: true,
        fixed: { BANK_CREDITS: '1000000.00', BANK_CLOSING: '1000000.00', FUNDER_FUNDING: '987200.00', LEDGER_ESCROW_BANK: '987200.00', EXPLAINED_CLOSING: '1000000.00' },
        items: [['LEDGER_ONLY', payout.payoutReference, '12800.00']],
      });
    } finally {
      await w.drop();
    }
  });

  it('a line the bank lists twice is counted once, and the report balances', async () => {
    const w = await reconciliationWorld(23);
    try {
      await w.credit(w.at(w.day, 10), w.funding.virtualAccountNumber!, '1000000.00');
      const second = await w.credit(w.at(w.day, 11), w.funding.virtualAccountNumber!, '50000.00');
      await w.close(w.day);
      const imported = await w.importDay(w.day, 'CSV', (content) => {
        const row = content.split('\r\n').find((each) => each.includes(second.bankReference))!;
        return content.replace(`${row}\r\n`, `${row}\r\n${row}\r\n`);
      });
      expect(imported.statement.duplicateCount).toBe(1);
      expect(await w.report(w.day)).toEqual({
        balanced: true,
        fixed: { BANK_CREDITS: '1050000.00', BANK_CLOSING: '1050000.00', FUNDER_FUNDING: '1050000.00', LEDGER_ESCROW_BANK: '1050000.00', EXPLAINED_CLOSING: '1050000.00' },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });

  it('an inbound repayment with a wrong memo and another statement reference is matched by its virtual account, and the report balances', async () => {
    const w = await reconciliationWorld(24);
    try {
      await w.credit(w.at(w.day, 10), w.funding.virtualAccountNumber!, '1000000.00');
      const repayment = await w.credit(w.at(w.day, 14), w.coreRepayment.virtualAccountNumber!, '300000.00', '货款 invoice 7781 for another buyer');
      await w.close(w.day);
      await w.importDay(w.day, 'CSV', (content) => content.replaceAll(repayment.bankReference, 'STMTREF000000042'));
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { accountNumber: w.bank.escrowAccountNumber, amount: '300000.00' } });
      expect([item.outcome, item.rule]).toEqual(['MATCHED', 'ACCOUNT_AMOUNT_VALUE_DATE']);
      expect(await w.report(w.day)).toEqual({
        balanced: true,
        fixed: { BANK_CREDITS: '1300000.00', BANK_CLOSING: '1300000.00', FUNDER_FUNDING: '1000000.00', CORE_REPAYMENT: '300000.00', LEDGER_ESCROW_BANK: '1300000.00', EXPLAINED_CLOSING: '1300000.00' },
        items: [],
      });
    } finally {
      await w.drop();
    }
  });
});
