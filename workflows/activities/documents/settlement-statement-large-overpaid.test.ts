import { describe, expect, it } from 'vitest';
import { allRuns } from '../../../test/support/pdf';
import { FINANCING_DOCUMENT, SUPPLIER } from '../../../test/support/financing-document-fixture';
import { renderSettlementStatement, type SettlementStatementData } from './settlement-statement';

// docs/documents.md: each column of the repayments table is as wide as its widest line, so that
// the figures of a statement in the tens of millions still fit on one line.

/**
 * 80,000,000.00 at 6%, ACT/360, 90 days, interest in arrears (1,200,000.00), a 0.1% fee
 * (80,000.00) deducted at disbursement, on a receivable confirmed for 100,000,000.00. The
 * obligor pays 101,000,000.00 thirteen days after the due date: 10 days of penalty at 18% a
 * year (40,000.00 a day) after 3 grace days, interest and principal go to the funder, the rest
 * up to the confirmed amount (18,400,000.00) to the supplier, and the 1,000,000.00 paid beyond
 * it is the payer's.
 */
const overPaid: SettlementStatementData = {
  ...FINANCING_DOCUMENT,
  receivable: {
    ...FINANCING_DOCUMENT.receivable,
    faceAmount: '100000000.00',
    confirmedAmount: '100000000.00',
    invoices: [{ code: '044002300111', number: '22345678', amount: '100000000.00', issueDate: '2026-10-28' }],
  },
  terms: {
    ...FINANCING_DOCUMENT.terms,
    interestMode: 'ARREARS',
    principal: '80000000.00',
    interest: '1200000.00',
    fees: '80000.00',
    netDisbursement: '79920000.00',
    repaymentAtMaturity: '81200000.00',
    effectiveAnnualRate: '0.064954',
  },
  disbursedAt: new Date('2026-11-22T02:10:00Z'),
  settledAt: new Date('2027-03-05T02:30:00Z'),
  issuedAt: new Date('2027-03-05T02:30:00Z'),
  payout: { reference: 'FIN-2026-00000012-P1', beneficiaryName: SUPPLIER, maskedAccountNumber: '**** 6688', bankName: '中国工商银行深圳华强支行', amount: '79920000.00' },
  penaltyDays: 10,
  penaltyCharged: '400000.00',
  allocations: [
    {
      allocatedAt: new Date('2027-03-05T02:30:00Z'),
      valueDate: '2027-03-05',
      source: 'REPAYMENT',
      collected: '101000000.00',
      penalty: '400000.00',
      fees: '0.00',
      interest: '1200000.00',
      principal: '80000000.00',
      surplus: '18400000.00',
      overpaid: '1000000.00',
    },
  ],
  totals: { collected: '101000000.00', penalty: '400000.00', fees: '0.00', interest: '1200000.00', principal: '80000000.00', surplus: '18400000.00', overpaid: '1000000.00' },
  recourseClaimed: '0.00',
};

describe('settlement statement of a financing in the tens of millions that the payer over-paid', () => {
  it('draws every figure of the repayment and of the totals row whole, on one line', async () => {
    const bytes = await renderSettlementStatement(overPaid);
    const drawn = (await allRuns(bytes)).flat().map((run) => run.text);
    const figures = ['101,000,000.00', '400,000.00', '1,200,000.00', '80,000,000.00', '18,400,000.00', '1,000,000.00'];
    // Each figure once in the repayment's row and once in the totals row.
    expect(Object.fromEntries(figures.map((figure) => [figure, drawn.filter((text) => text === figure).length]))).toEqual(Object.fromEntries(figures.map((figure) => [figure, 2])));
  });
});
