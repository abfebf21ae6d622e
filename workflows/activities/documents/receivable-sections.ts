import { Decimal } from '../../../domain/money';
import type { DocumentSection, FieldsSection } from './document-spec';
import { formatMoney } from './format-money';
import type { InvoiceLine, PartyRef, RegistrationCertificateData } from './receivable-document-data';

/**
 * The sections every receivable document repeats: the parties, the receivable, its invoices
 * (with a total) and the digests of its supporting documents. Shared so that the certificate
 * and the letter describe the same receivable in the same words.
 */
export function receivableSections(data: RegistrationCertificateData): DocumentSection[] {
  return [
    {
      kind: 'fields',
      heading: '当事人 Parties',
      rows: [...partyRows('债权人（供应商）Creditor', data.supplier), ...partyRows('债务人（核心企业）Obligor', data.obligor)],
    },
    {
      kind: 'fields',
      heading: '应收账款 Receivable',
      rows: [
        { label: '登记编号 Registration No.', value: data.registrationNumber },
        { label: '基础合同编号 Contract No.', value: data.contractNumber },
        { label: '票面金额 Face amount', value: formatMoney(data.faceAmount, data.currency) },
        { label: '到期日 Due date', value: data.dueDate },
      ],
    },
    invoicesTable(data.invoices, data.currency),
    data.documentHashes.length > 0
      ? {
          kind: 'table',
          heading: '附件摘要 Supporting documents (SHA-256)',
          columns: [
            { header: '序号 No.', width: 0.7, align: 'right' },
            { header: 'SHA-256', width: 6.8 },
          ],
          rows: data.documentHashes.map((hash, index) => [String(index + 1), hash]),
        }
      : { kind: 'paragraph', heading: '附件摘要 Supporting documents (SHA-256)', text: '无 None' },
  ];
}

/** A party as every document names it: its role and legal name, then its credit code. */
export function partyRows(role: string, party: PartyRef): FieldsSection['rows'] {
  return [
    { label: role, value: party.legalName },
    { label: '统一社会信用代码 Credit code', value: party.creditCode },
  ];
}

/** The invoices' total, exactly (amounts are decimal strings). */
export function invoicesTotal(invoices: readonly InvoiceLine[]): Decimal {
  return invoices.reduce((sum, invoice) => sum.plus(invoice.amount), new Decimal(0));
}

/** The invoices as a table with a total row, the same on every document that lists them. */
export function invoicesTable(invoices: readonly InvoiceLine[], currency: string): DocumentSection {
  const total = invoicesTotal(invoices);
  return {
    kind: 'table',
    heading: '发票 Invoices',
    columns: [
      { header: '序号 No.', width: 0.7, align: 'right' },
      { header: '发票代码 Invoice code', width: 1.7 },
      { header: '发票号码 Invoice number', width: 1.9 },
      { header: '开票日期 Issue date', width: 1.4 },
      { header: `金额 Amount (${currency})`, width: 1.8, align: 'right' },
    ],
    rows: invoices.map((invoice, index) => [String(index + 1), invoice.code, invoice.number, invoice.issueDate, formatMoney(invoice.amount, currency, { withCurrency: false })]),
    footer: ['', '合计 Total', `${invoices.length} 张 invoices`, '', formatMoney(total.toFixed(), currency, { withCurrency: false })],
  };
}
