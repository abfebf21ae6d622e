import { describe, expect, it } from 'vitest';
import { Decimal } from './money';
import { computeReconciliationReport, REPORT_ITEM_LINES_MAX, type ReconciliationReportInput } from './reconciliation-report';

const d = (value: string) => new Decimal(value);

// The worked example of docs/reconciliation.md ("The identity, every day").
function example(overrides: Partial<ReconciliationReportInput> = {}): ReconciliationReportInput {
  return {
    businessDate: '2026-12-10',
    currency: 'CNY',
    statement: { openingBalance: d('0'), credits: d('1000000'), debits: d('0'), closingBalance: d('1000000') },
    accounts: [
      { purpose: 'ESCROW_BANK', debitsPosted: d('1000000'), creditsPosted: d('787200') },
      { purpose: 'FUNDER_FUNDING', debitsPosted: d('800000'), creditsPosted: d('1000000') },
      { purpose: 'SUPPLIER_SETTLEMENT', debitsPosted: d('787200'), creditsPosted: d('787200') },
      { purpose: 'FEE_INCOME', debitsPosted: d('0'), creditsPosted: d('12800') },
      { purpose: 'PAYOUT_IN_TRANSIT', debitsPosted: d('787200'), creditsPosted: d('787200') },
    ],
    items: [{ itemId: 'i1', outcome: 'LEDGER_ONLY', kind: 'PAYOUT', amount: d('787200'), reference: 'F2026120001-P1', firstStatementDate: '2026-12-10' }],
    ...overrides,
  };
}

describe('computeReconciliationReport', () => {
  it('balances a payout the ledger settled and the bank never paid once it is itemised', () => {
    const report = computeReconciliationReport(example());
    expect(report).toMatchObject({
      closingBalance: '1000000.00',
      customerBalance: '200000.00',
      platformBalance: '12800.00',
      inTransitBalance: '0.00',
      suspenseBalance: '0.00',
      ledgerEscrowBalance: '212800.00',
      ledgerEscrowEqualsParts: true,
      ledgerOnlyTotal: '787200.00',
      bankOnlyTotal: '0.00',
      explainedClosingBalance: '1000000.00',
      unexplainedDifference: '0.00',
      balanced: true,
    });
    const item = report.lines.find((line) => line.code === 'LEDGER_ONLY')!;
    expect(item).toMatchObject({ amount: '787200.00', reference: 'F2026120001-P1', ageDays: 0 });
    expect(report.lines.map((line) => line.code)).toEqual([
      'BANK_OPENING', 'BANK_CREDITS', 'BANK_DEBITS', 'BANK_CLOSING', 'SUPPLIER_SETTLEMENT', 'FUNDER_FUNDING', 'CORE_REPAYMENT', 'COLLECTION',
      'FEE_INCOME', 'PLATFORM_OTHER', 'PAYOUT_IN_TRANSIT', 'INBOUND_CLEARING', 'SUSPENSE', 'LEDGER_ESCROW_BANK', 'LEDGER_ONLY', 'EXPLAINED_CLOSING', 'UNEXPLAINED_DIFFERENCE',
    ]);
  });

  it('does not balance without the item, and names the difference to the cent', () => {
    const report = computeReconciliationReport(example({ items: [] }));
    expect(report.balanced).toBe(false);
    expect(report.unexplainedDifference).toBe('787200.00');
  });

  it('adds an unknown bank credit and subtracts a payout the bank made before the ledger heard of it', () => {
    const report = computeReconciliationReport(
      example({
        statement: { openingBalance: d('0'), credits: d('1000000.01'), debits: d('787200'), closingBalance: d('212800.01') },
        items: [
          { itemId: 'a', outcome: 'BANK_ONLY', kind: 'INBOUND_CREDIT', amount: d('0.01'), reference: 'SIM9', firstStatementDate: '2026-12-08' },
        ],
      }),
    );
    expect(report.bankOnlyTotal).toBe('0.01');
    expect(report.lines.find((line) => line.code === 'BANK_ONLY')!.ageDays).toBe(2);
    expect(report.unexplainedDifference).toBe('0.00');
    expect(report.balanced).toBe(true);
    const paid = computeReconciliationReport(
      example({
        statement: { openingBalance: d('0'), credits: d('1000000'), debits: d('787200'), closingBalance: d('212800') },
        accounts: [
          { purpose: 'ESCROW_BANK', debitsPosted: d('1000000'), creditsPosted: d('0') },
          { purpose: 'FUNDER_FUNDING', debitsPosted: d('800000'), creditsPosted: d('1000000') },
          { purpose: 'FEE_INCOME', debitsPosted: d('0'), creditsPosted: d('12800') },
          { purpose: 'PAYOUT_IN_TRANSIT', debitsPosted: d('0'), creditsPosted: d('787200') },
        ],
        items: [{ itemId: 'b', outcome: 'BANK_ONLY', kind: 'PAYOUT', amount: d('787200'), reference: 'SIM2', firstStatementDate: '2026-12-10' }],
      }),
    );
    expect(paid).toMatchObject({ inTransitBalance: '787200.00', bankOnlyTotal: '-787200.00', unexplainedDifference: '0.00', balanced: true });
  });

  it('explains movements on the statement the ledger books after the cut-off as timing lines, a credit adding and a payout subtracting', () => {
    // The statement of the 10th ends at midnight; the accounting day at 23:00. A top-up of 0.01 at
    // 23:30 and a payout of 787,200.00 settled at 23:00 exactly are on the statement, not yet in the ledger.
    const report = computeReconciliationReport(
      example({
        statement: { openingBalance: d('0'), credits: d('1000000.01'), debits: d('787200'), closingBalance: d('212800.01') },
        items: [
          { itemId: 't1', outcome: 'CUT_OFF_TIMING', kind: 'INBOUND_CREDIT', amount: d('0.01'), reference: 'SIM7', firstStatementDate: '2026-12-10' },
          { itemId: 't2', outcome: 'CUT_OFF_TIMING', kind: 'PAYOUT', amount: d('787200'), reference: 'SIM8', firstStatementDate: '2026-12-10' },
        ],
        accounts: [
          { purpose: 'ESCROW_BANK', debitsPosted: d('1000000'), creditsPosted: d('0') },
          { purpose: 'FUNDER_FUNDING', debitsPosted: d('800000'), creditsPosted: d('1000000') },
          { purpose: 'FEE_INCOME', debitsPosted: d('0'), creditsPosted: d('12800') },
          { purpose: 'PAYOUT_IN_TRANSIT', debitsPosted: d('0'), creditsPosted: d('787200') },
        ],
      }),
    );
    expect(report).toMatchObject({ ledgerEscrowBalance: '1000000.00', cutOffTimingTotal: '-787199.99', bankOnlyTotal: '0.00', ledgerOnlyTotal: '0.00', explainedClosingBalance: '212800.01', unexplainedDifference: '0.00', balanced: true });
    expect(report.lines.filter((line) => line.itemId).map((line) => [line.code, line.amount, line.reference])).toEqual([
      ['CUT_OFF_TIMING', '0.01', 'SIM7'],
      ['CUT_OFF_TIMING', '-787200.00', 'SIM8'],
    ]);
  });

  it('is unbalanced by one cent, and when the escrow account disagrees with its parts', () => {
    expect(computeReconciliationReport(example({ statement: { openingBalance: d('0'), credits: d('1000000.01'), debits: d('0'), closingBalance: d('1000000.01') } })).unexplainedDifference).toBe('0.01');
    const broken = example();
    broken.accounts[0] = { purpose: 'ESCROW_BANK', debitsPosted: d('1000000'), creditsPosted: d('787100') };
    const report = computeReconciliationReport(broken);
    expect(report).toMatchObject({ ledgerEscrowEqualsParts: false, unexplainedDifference: '0.00', balanced: false });
  });

  it('names at most REPORT_ITEM_LINES_MAX differences one by one and sums the rest, still to the cent', () => {
    const items = Array.from({ length: REPORT_ITEM_LINES_MAX + 2 }, (_, index) => ({ itemId: `i${index}`, outcome: 'BANK_ONLY' as const, kind: 'INBOUND_CREDIT' as const, amount: d('0.01'), reference: `SIM${String(index).padStart(6, '0')}`, firstStatementDate: '2026-12-10' }));
    const credits = d('1000000').plus(d('0.01').times(items.length));
    const report = computeReconciliationReport(example({ statement: { openingBalance: d('0'), credits, debits: d('0'), closingBalance: credits }, items: [...items, ...example().items] }));
    expect(report.lines.filter((line) => line.itemId)).toHaveLength(REPORT_ITEM_LINES_MAX);
    const summed = report.lines.filter((line) => line.code === 'BANK_ONLY' && !line.itemId);
    expect(summed).toEqual([expect.objectContaining({ amount: '0.03', label: expect.stringContaining('3 more') })]);
    expect(report).toMatchObject({ bankOnlyTotal: '5.02', ledgerOnlyTotal: '787200.00', unexplainedDifference: '0.00', balanced: true });
  });
});
