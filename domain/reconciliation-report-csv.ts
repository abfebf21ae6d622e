import type { ReconciliationReportFigures } from './reconciliation-report';

// The reconciliation report as CSV (RFC 4180, UTF-8, CRLF line ends): one record per line of
// the report, in its order, then a summary record. Columns are documented in
// docs/reconciliation.md ("The identity, every day"); amounts are the report's decimal strings,
// signed as they enter their sum, never reformatted.

export const RECONCILIATION_REPORT_CSV_COLUMNS = ['business_date', 'currency', 'position', 'code', 'label', 'amount', 'reference', 'age_days', 'item_id'] as const;

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function reconciliationReportCsv(figures: ReconciliationReportFigures): string {
  const records = [
    [...RECONCILIATION_REPORT_CSV_COLUMNS],
    ...figures.lines.map((line) => [figures.businessDate, figures.currency, String(line.position), line.code, line.label, line.amount, line.reference ?? '', line.ageDays === null ? '' : String(line.ageDays), line.itemId ?? '']),
    [figures.businessDate, figures.currency, String(figures.lines.length + 1), figures.balanced ? 'BALANCED' : 'NOT_BALANCED', figures.balanced ? '平 Balanced' : '不平 Does not balance', figures.unexplainedDifference, '', '', ''],
  ];
  return `${records.map((record) => record.map(field).join(',')).join('\r\n')}\r\n`;
}
