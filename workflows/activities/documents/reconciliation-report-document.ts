import type { ReconciliationReportFigures } from '../../../domain/reconciliation-report';
import type { DocumentSpec } from './document-spec';
import { formatMoney } from './format-money';
import { renderDocument } from './render-document';

// The reconciliation report (余额调节表) as a PDF, laid out like the platform's other documents.
// Every amount is the stored report's decimal string, printed with its sign and thousands
// separators: the PDF carries the same figures as the CSV and the API, line for line.

/** The report's lines as the PDF's table rows: position, line, reference, age, amount. */
export function reconciliationReportRows(figures: ReconciliationReportFigures): string[][] {
  return figures.lines.map((line) => [String(line.position), line.label, line.reference ?? '', line.ageDays === null ? '' : `${line.ageDays}`, formatMoney(line.amount, figures.currency, { withCurrency: false })]);
}

export function reconciliationReportSpec(figures: ReconciliationReportFigures, computedAt: Date): DocumentSpec {
  const money = (amount: string) => formatMoney(amount, figures.currency);
  const verdict = figures.balanced ? '平 Balanced' : `不平 DOES NOT BALANCE: unexplained ${money(figures.unexplainedDifference)}`;
  return {
    title: '余额调节表',
    subtitle: 'Daily Reconciliation Report',
    reference: `RECON-${figures.businessDate}-${figures.currency}`,
    issuedAt: computedAt,
    sections: [
      {
        kind: 'fields',
        rows: [
          { label: '会计日 Accounting day', value: figures.businessDate },
          { label: '币种 Currency', value: figures.currency },
          { label: '结论 Result', value: verdict },
          { label: '银行期末余额 Bank closing balance', value: money(figures.closingBalance) },
          { label: '调节后余额 Explained closing balance', value: money(figures.explainedClosingBalance) },
          { label: '账账相符 Escrow equals its parts', value: figures.ledgerEscrowEqualsParts ? '是 Yes' : '否 No' },
        ],
      },
      {
        kind: 'table',
        heading: '调节明细 Lines',
        columns: [
          { header: '#', width: 1, align: 'right' },
          { header: '项目\nLine', width: 9 },
          { header: '参考号\nReference', width: 4 },
          { header: '天数\nAge', width: 1.5, align: 'right' },
          { header: '金额\nAmount', width: 4, align: 'right' },
        ],
        rows: reconciliationReportRows(figures),
      },
      {
        kind: 'paragraph',
        heading: '恒等式 The identity',
        text: '银行期末余额 = 客户虚拟账户余额 + 平台资金 + 在途 + 挂账 ± 未达账项 ± 日切在途。\nBank closing balance = customer virtual accounts + platform money + in transit + suspense + bank-only items − ledger-only items ± movements in transit over the cut-off (on the day\'s statement, in the next day\'s ledger). The escrow bank account of the ledger at the cut-off equals the sum of the parts.',
      },
    ],
    footerNote: 'Figures as stored when the day was cut off and its statement imported (docs/reconciliation.md).',
  };
}

export async function renderReconciliationReport(figures: ReconciliationReportFigures, computedAt: Date): Promise<Uint8Array> {
  return renderDocument(reconciliationReportSpec(figures, computedAt));
}
