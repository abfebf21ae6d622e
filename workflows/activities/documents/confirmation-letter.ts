import { Decimal } from '../../../domain/money';
import type { DocumentSection, DocumentSpec } from './document-spec';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import type { ConfirmationLetterData } from './receivable-document-data';
import { REGISTRY_FOOTER_NOTE } from './registration-certificate';
import { receivableSections } from './receivable-sections';
import { renderDocument } from './render-document';

export type { ConfirmationLetterData } from './receivable-document-data';

/** The letter's content; exported so tests can check wording without parsing a PDF. */
export function confirmationLetterSpec(data: ConfirmationLetterData): DocumentSpec {
  const face = new Decimal(data.faceAmount);
  const confirmed = new Decimal(data.confirmedAmount);
  // The workflow only accepts a confirmation of at most the face amount; a letter confirming
  // more than was registered would create a debt nobody claimed.
  if (confirmed.gt(face) || confirmed.lte(0)) {
    throw new RangeError(`confirmed amount ${data.confirmedAmount} must be positive and at most the face amount ${data.faceAmount}`);
  }
  const confirmedAt = formatShanghaiTime(data.confirmedAt);
  const confirmedMoney = formatMoney(data.confirmedAmount, data.currency);
  const sections: DocumentSection[] = [
    { kind: 'paragraph', text: `致 To：${data.supplier.legalName}（债权人 Creditor）` },
    {
      kind: 'paragraph',
      text:
        `${data.obligor.legalName}（债务人）确认：本公司对贵司负有登记编号 ${data.registrationNumber} 项下、基础合同 ${data.contractNumber} 所生的应收账款债务，` +
        `确认金额 ${confirmedMoney}，并将于到期日 ${data.dueDate} 向债权人或其合法受让人足额支付。\n` +
        `${data.obligor.legalName} (the obligor) confirms that it owes ${data.supplier.legalName} the receivable registered under ${data.registrationNumber} ` +
        `arising from contract ${data.contractNumber}, in the confirmed amount of ${confirmedMoney}, payable in full on the due date ${data.dueDate} to the creditor or its lawful assignee.`,
    },
  ];
  if (confirmed.lt(face)) {
    const difference = formatMoney(face.minus(confirmed).toFixed(), data.currency);
    sections.push({
      kind: 'paragraph',
      heading: '金额差异 Dilution',
      text:
        `确认金额低于票面金额：票面金额 ${formatMoney(data.faceAmount, data.currency)}，确认金额 ${confirmedMoney}，差额 ${difference}。差额部分不在本函确认范围之内。\n` +
        `The confirmed amount is below the face amount by ${difference}; the difference is not confirmed by this letter.`,
    });
  }
  sections.push(
    {
      kind: 'fields',
      heading: '确认信息 Confirmation',
      rows: [
        { label: '确认金额 Confirmed amount', value: confirmedMoney },
        { label: '付款日 Payable on', value: data.dueDate },
        { label: '确认时间 Confirmed at', value: `${confirmedAt} (UTC+08:00)` },
        { label: '确认人 Confirmed by', value: `${data.confirmedBy}（${data.obligor.legalName}）` },
      ],
    },
    ...receivableSections(data),
    {
      kind: 'signatures',
      parties: [{ role: '债务人（核心企业）Obligor', name: data.obligor.legalName, signedAt: `${confirmedAt} 在线确认 confirmed online` }],
    },
  );
  return {
    title: '应收账款确认函',
    subtitle: 'Receivable Confirmation Letter',
    reference: data.registrationNumber,
    issuedAt: data.confirmedAt,
    sections,
    footerNote: REGISTRY_FOOTER_NOTE,
  };
}

/** The core enterprise's confirmation of the debt (应收账款确认函), issued when it confirms. */
export function renderConfirmationLetter(data: ConfirmationLetterData): Promise<Uint8Array> {
  return renderDocument(confirmationLetterSpec(data));
}
