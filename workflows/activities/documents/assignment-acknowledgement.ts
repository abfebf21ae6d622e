import type { DocumentSpec } from './document-spec';
import type { AcknowledgementData } from './financing-document-data';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import { collectionAccountSection, FINANCING_FOOTER_NOTE, financingSections } from './notice-of-assignment';
import { renderDocument } from './render-document';

export type { AcknowledgementData } from './financing-document-data';

/** The acknowledgement's content; exported so tests can check wording without parsing a PDF. */
export function assignmentAcknowledgementSpec(data: AcknowledgementData): DocumentSpec {
  const acknowledgedAt = formatShanghaiTime(data.acknowledgedAt);
  const { receivable, currency } = data;
  const confirmed = formatMoney(receivable.confirmedAmount, currency);
  const account = data.collectionAccount;
  return {
    title: '应收账款转让确认回执',
    subtitle: 'Acknowledgement of Assignment',
    reference: data.financingNumber,
    issuedAt: data.acknowledgedAt,
    sections: [
      { kind: 'paragraph', text: `致 To：${data.supplier.legalName}（转让人 Assignor）、${data.funder.legalName}（受让人 Assignee）` },
      {
        kind: 'paragraph',
        text:
          `${data.obligor.legalName}（债务人）已收到并知悉融资编号 ${data.financingNumber} 项下的《应收账款转让通知书》，确认：` +
          `登记编号 ${receivable.registrationNumber}、基础合同 ${receivable.contractNumber} 项下的应收账款已转让给${data.funder.legalName}；` +
          `本公司将于到期日 ${receivable.dueDate} 将确认金额 ${confirmed} 足额支付至下列回款专户（账号 ${account.virtualAccountNumber}），不向其他任何账户付款；` +
          `就该笔应收账款，本公司放弃以对${data.supplier.legalName}的任何债权主张抵销。\n` +
          `${data.obligor.legalName} (the obligor) has received and takes note of the notice of assignment under financing ${data.financingNumber}, and confirms that: ` +
          `the receivable registered under ${receivable.registrationNumber}, arising from contract ${receivable.contractNumber}, is assigned to ${data.funder.legalName}; ` +
          `it will pay the confirmed amount of ${confirmed} in full on the due date ${receivable.dueDate} into the collection account below (account number ${account.virtualAccountNumber}) and into no other account; ` +
          `and, for this receivable, it waives any set-off of claims it has against ${data.supplier.legalName}.`,
      },
      {
        kind: 'fields',
        heading: '确认信息 Acknowledgement',
        rows: [
          { label: '应付金额 Amount payable', value: confirmed },
          { label: '付款日 Payable on', value: receivable.dueDate },
          { label: '确认时间 Acknowledged at', value: `${acknowledgedAt} (UTC+08:00)` },
          { label: '确认人 Acknowledged by', value: `${data.acknowledgedBy}（${data.obligor.legalName}）` },
        ],
      },
      collectionAccountSection(data),
      ...financingSections(data),
      {
        kind: 'signatures',
        parties: [{ role: '债务人（核心企业）Obligor', name: data.obligor.legalName, signedAt: `${acknowledgedAt} 在线确认 acknowledged online` }],
      },
    ],
    footerNote: FINANCING_FOOTER_NOTE,
  };
}

/** The obligor's acknowledgement of the notice of assignment (应收账款转让确认回执, 回执函). */
export function renderAssignmentAcknowledgement(data: AcknowledgementData): Promise<Uint8Array> {
  return renderDocument(assignmentAcknowledgementSpec(data));
}
