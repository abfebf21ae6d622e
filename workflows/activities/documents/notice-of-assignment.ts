import { Decimal } from '../../../domain/money';
import type { DocumentSection, DocumentSpec } from './document-spec';
import type { FinancingDocumentData } from './financing-document-data';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import { renderDocument } from './render-document';
import { invoicesTable, invoicesTotal, partyRows } from './receivable-sections';

export type { FinancingDocumentData } from './financing-document-data';

export const FINANCING_FOOTER_NOTE =
  '本文件由平台依据融资记录生成，平台留存其 SHA-256 摘要，可据以核验文件未被篡改。 Generated from the financing records; the platform keeps its SHA-256 digest to verify that the file is unaltered.';

/**
 * The sections every financing document repeats: the three parties, the assigned receivable and
 * its invoices (with a total). Shared so that the notice, the acknowledgement and the terms
 * describe the same receivable in the same words, and in the words of the receivable's own
 * documents (the invoice table has the same columns as in receivable-sections.ts). The terms
 * summary is about the price, so it gives the invoices as one line instead of a table.
 */
export function financingSections(data: FinancingDocumentData, { invoiceTable = true }: { invoiceTable?: boolean } = {}): DocumentSection[] {
  const { receivable, currency } = data;
  const face = new Decimal(receivable.faceAmount);
  const confirmed = new Decimal(receivable.confirmedAmount);
  // Only a confirmed receivable is financed, and a confirmation never exceeds the face amount;
  // a document saying otherwise would assign a debt nobody confirmed.
  if (confirmed.gt(face) || confirmed.lte(0)) {
    throw new RangeError(`confirmed amount ${receivable.confirmedAmount} must be positive and at most the face amount ${receivable.faceAmount}`);
  }
  // For the one-line summary used when the invoices are not listed as a table.
  const total = formatMoney(invoicesTotal(receivable.invoices).toFixed(), currency);
  const invoiceCount = `${receivable.invoices.length} 张 invoices`;
  return [
    {
      kind: 'fields',
      heading: '当事人 Parties',
      rows: [...partyRows('转让人（债权人）Assignor', data.supplier), ...partyRows('债务人（核心企业）Obligor', data.obligor), ...partyRows('受让人（资金方）Assignee', data.funder)],
    },
    {
      kind: 'fields',
      heading: '应收账款 Receivable',
      rows: [
        { label: '登记编号 Registration No.', value: receivable.registrationNumber },
        { label: '基础合同编号 Contract No.', value: receivable.contractNumber },
        ...(invoiceTable ? [] : [{ label: '发票 Invoices', value: `${invoiceCount}，合计 total ${total}` }]),
        { label: '票面金额 Face amount', value: formatMoney(receivable.faceAmount, currency) },
        { label: '确认金额 Confirmed amount', value: formatMoney(receivable.confirmedAmount, currency) },
        { label: '到期日 Due date', value: receivable.dueDate },
      ],
    },
    ...(invoiceTable
      ? [
          invoicesTable(receivable.invoices, currency),
        ]
      : []),
  ];
}

/** The collection account in full: the obligor pays into it, so every digit must be on the page. */
export function collectionAccountSection(data: FinancingDocumentData): DocumentSection {
  return {
    kind: 'fields',
    heading: '回款专户 Collection account',
    rows: [
      { label: '户名 Account name', value: data.collectionAccount.accountName },
      { label: '开户行 Bank', value: data.collectionAccount.bankName },
      { label: '账号 Account number', value: data.collectionAccount.virtualAccountNumber },
    ],
  };
}

const ASSIGNMENT_MODE_TEXT: Record<FinancingDocumentData['program']['assignmentMode'], string> = {
  OPEN:
    '本次转让为公开转让（明保理）：本通知书送达贵司之日起，转让对贵司发生效力。\n' +
    'Open assignment: the assignment binds the obligor from the day this notice is delivered to it.',
  // Under the Civil Code (art. 546) an assignment binds the obligor only once it is notified, so
  // a silent assignment's notice says when it will be delivered and what holds until then.
  SILENT:
    '本次转让为隐蔽转让（暗保理）：本通知书出具时暂不送达贵司，由受让人在约定情形下送达；送达之前转让对贵司不发生效力，送达之日起贵司应按本通知书付款。\n' +
    'Silent assignment: this notice is not delivered to the obligor when issued; the assignee delivers it when the agreed conditions occur. ' +
    'Until then the assignment does not bind the obligor; from delivery the obligor must pay as this notice says.',
};

/** The notice's content; exported so tests can check wording without parsing a PDF. */
export function noticeOfAssignmentSpec(data: FinancingDocumentData): DocumentSpec {
  const appliedAt = formatShanghaiTime(data.appliedAt);
  const { receivable, currency } = data;
  const confirmed = formatMoney(receivable.confirmedAmount, currency);
  return {
    title: '应收账款转让通知书',
    subtitle: 'Notice of Assignment of Receivable',
    reference: data.financingNumber,
    issuedAt: data.appliedAt,
    sections: [
      { kind: 'paragraph', text: `致 To：${data.obligor.legalName}（债务人 Obligor）` },
      {
        kind: 'paragraph',
        text:
          `${data.supplier.legalName}（转让人）特此通知：本公司已将对贵司享有的登记编号 ${receivable.registrationNumber} 项下、基础合同 ${receivable.contractNumber} 所生的应收账款` +
          `（确认金额 ${confirmed}，到期日 ${receivable.dueDate}）及其全部从属权利转让给${data.funder.legalName}（受让人），融资编号 ${data.financingNumber}。` +
          '自本通知书对贵司生效之日起，请将该应收账款仅支付至下列回款专户；向其他任何账户的付款不发生清偿效力。' +
          '非经受让人书面同意，本通知书不得撤销，付款账户不得变更。\n' +
          `${data.supplier.legalName} (the assignor) hereby notifies the obligor that it has assigned to ${data.funder.legalName} (the assignee) the receivable ` +
          `registered under ${receivable.registrationNumber}, arising from contract ${receivable.contractNumber} (confirmed amount ${confirmed}, due ${receivable.dueDate}), ` +
          `with all ancillary rights, under financing ${data.financingNumber}. From the day this notice binds the obligor, please pay the receivable only into the collection account below; ` +
          'a payment into any other account does not discharge the debt. ' +
          'This notice cannot be revoked, nor the account changed, without the written consent of the assignee.',
      },
      { kind: 'paragraph', heading: '转让方式 Assignment', text: ASSIGNMENT_MODE_TEXT[data.program.assignmentMode] },
      collectionAccountSection(data),
      ...financingSections(data),
      {
        kind: 'signatures',
        parties: [
          { role: '转让人（债权人）Assignor', name: data.supplier.legalName, signedAt: `${appliedAt} 在线出具 issued online` },
          // Left for the assignee to sign or seal: a notice signed by both parties leaves the obligor
          // no doubt about who its new creditor is.
          { role: '受让人（资金方）Assignee', name: data.funder.legalName },
        ],
      },
    ],
    footerNote: FINANCING_FOOTER_NOTE,
  };
}

/** The supplier's notice to the obligor that the receivable is assigned (应收账款转让通知书). */
export function renderNoticeOfAssignment(data: FinancingDocumentData): Promise<Uint8Array> {
  return renderDocument(noticeOfAssignmentSpec(data));
}
