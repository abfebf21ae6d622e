import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../domain/money';
import { computeReconciliationReport } from '../../../domain/reconciliation-report';
import { reconciliationReportCsv } from '../../../domain/reconciliation-report-csv';
import { reconciliationReportRows, renderReconciliationReport } from './reconciliation-report-document';

const d = (value: string) => new Decimal(value);
const figures = computeReconciliationReport({
  businessDate: '2026-12-11',
  currency: 'CNY',
  statement: { openingBalance: d('1000000'), credits: d('0'), debits: d('0'), closingBalance: d('1000000') },
  accounts: [
    { purpose: 'ESCROW_BANK', debitsPosted: d('1000100.01'), creditsPosted: d('12800') },
    { purpose: 'FUNDER_FUNDING', debitsPosted: d('12800'), creditsPosted: d('1000000') },
    { purpose: 'FEE_INCOME', debitsPosted: d('12800'), creditsPosted: d('12800') },
    { purpose: 'SUSPENSE', debitsPosted: d('0'), creditsPosted: d('100.01') },
  ],
  items: [{ itemId: 'item-1', outcome: 'LEDGER_ONLY', kind: 'PAYOUT', amount: d('12800'), reference: 'FSW-2026-000001', firstStatementDate: '2026-12-10' }],
});

describe('the reconciliation report as CSV and PDF', () => {
  it('carries the same figures, line for line', () => {
    const csv = reconciliationReportCsv(figures).trimEnd().split('\r\n');
    expect(csv[0]).toBe('business_date,currency,position,code,label,amount,reference,age_days,item_id');
    const csvAmounts = csv.slice(1, -1).map((record) => record.split(',')[5]);
    const pdfAmounts = reconciliationReportRows(figures).map((row) => new Decimal(row[4]!.replace(/,/g, '')).toFixed(2));
    expect(pdfAmounts).toEqual(csvAmounts);
    expect(csv.at(-1)).toBe('2026-12-11,CNY,18,NOT_BALANCED,不平 Does not balance,-100.01,,,');
    expect(csv).toContain('2026-12-11,CNY,15,LEDGER_ONLY,平台已记银行未记 Ledger only: PAYOUT FSW-2026-000001,12800.00,FSW-2026-000001,1,item-1');
  });

  it('renders a PDF deterministically', async () => {
    const at = new Date('2026-12-12T01:00:00.000Z');
    const bytes = await renderReconciliationReport(figures, at);
    expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe('%PDF-');
    expect(Buffer.from(await renderReconciliationReport(figures, at)).equals(Buffer.from(bytes))).toBe(true);
    if (process.env.RECONCILIATION_REPORT_PNG) {
      const dir = mkdtempSync(join(tmpdir(), 'recon-'));
      writeFileSync(join(dir, 'report.pdf'), bytes);
      execFileSync('pdftoppm', ['-png', '-r', '80', join(dir, 'report.pdf'), process.env.RECONCILIATION_REPORT_PNG]);
    }
  });
});
