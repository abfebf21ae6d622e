import { daysBetween } from '../../../domain/business-date';
import { Decimal } from '../../../domain/money';
import type { DocumentSection, DocumentSpec } from './document-spec';
import type { DisbursementAdviceData } from './financing-document-data';
import { checkPricedFigures, formatPercent } from './financing-terms';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import { FINANCING_FOOTER_NOTE, financingSections } from './notice-of-assignment';
import { renderDocument } from './render-document';

export type { DisbursementAdviceData } from './financing-document-data';

/**
 * The advice states what the supplier is charged, so it is refused rather than issued when its
 * figures do not add up: the final and the quoted figures each as the terms summary checks them,
 * the money never moving before the day it was quoted for, the funder's advance and the payout
 * being what the final figures say.
 */
function checkAdvice(data: DisbursementAdviceData): void {
  const { terms, quoted, currency } = data;
  checkPricedFigures(terms, currency);
  checkPricedFigures({ ...terms, ...quoted }, currency);
  if (daysBetween(quoted.valueDate, terms.valueDate) < 0) throw new RangeError(`the value date ${terms.valueDate} is before the quoted value date ${quoted.valueDate}`);
  if (!new Decimal(quoted.fees).eq(terms.fees)) throw new RangeError(`fees ${terms.fees} ${currency} differ from the quoted ${quoted.fees}: fees are what the terms say, whatever the tenor`);
  const advance = new Decimal(terms.principal).minus(terms.interestMode === 'UPFRONT' ? terms.interest : 0);
  if (!advance.eq(data.advance)) throw new RangeError(`the funder's advance ${data.advance} ${currency} is not the principal${terms.interestMode === 'UPFRONT' ? ' less interest' : ''} (${advance.toFixed()})`);
  if (data.payout && !new Decimal(data.payout.amount).eq(terms.netDisbursement)) throw new RangeError(`payout ${data.payout.amount} ${currency} is not the net disbursement ${terms.netDisbursement}`);
}

function repriced({ terms, quoted }: DisbursementAdviceData): boolean {
  return terms.valueDate !== quoted.valueDate;
}

function opening(data: DisbursementAdviceData): DocumentSection {
  const { terms, quoted, currency } = data;
  const money = (amount: string) => formatMoney(amount, currency);
  const disbursedAt = formatShanghaiTime(data.disbursedAt);
  const lines = [
    `${data.funder.legalName}（资金方）已于 ${disbursedAt}（UTC+08:00）向${data.supplier.legalName}（转让人）发放融资 ${data.financingNumber}。` +
      `利息自实际放款日 ${terms.valueDate} 起算至到期日 ${terms.dueDate}，共 ${terms.tenorDays} 天。`,
    `${data.funder.legalName} (the funder) disbursed financing ${data.financingNumber} to ${data.supplier.legalName} (the supplier) at ${disbursedAt} (UTC+08:00). ` +
      `Interest runs from the day the money moved, ${terms.valueDate}, to the due date ${terms.dueDate}: ${terms.tenorDays} days.`,
  ];
  if (repriced(data)) {
    lines.push(
      `申请时按拟定起息日 ${quoted.valueDate} 报价（${quoted.tenorDays} 天，利息 ${money(quoted.interest)}）；款项于 ${terms.valueDate} 划出，已按实际 ${terms.tenorDays} 天重新计息（利息 ${money(terms.interest)}），转让人不承担放款前的利息。`,
      `The application was quoted assuming the money would move on ${quoted.valueDate} (${quoted.tenorDays} days, interest ${money(quoted.interest)}); it moved on ${terms.valueDate}, ` +
        `so the financing was repriced for the actual ${terms.tenorDays} days (interest ${money(terms.interest)}): the supplier pays no interest for days before the money moved.`,
    );
  } else {
    lines.push(`款项于报价的起息日划出，最终金额与报价一致。The money moved on the quoted value date: the final figures are the quoted ones.`);
  }
  return { kind: 'paragraph', text: lines.join('\n') };
}

/** What does not change with the day: the principal and the price's terms, and what the funder advanced. */
function disbursement(data: DisbursementAdviceData): DocumentSection {
  const { terms, currency } = data;
  const money = (amount: string) => formatMoney(amount, currency);
  return {
    kind: 'fields',
    heading: '放款 Disbursement',
    rows: [
      { label: '放款时间 Disbursed at', value: `${formatShanghaiTime(data.disbursedAt)} (UTC+08:00)` },
      { label: '融资本金 Principal', value: money(terms.principal) },
      { label: '年利率 Annual rate', value: `${formatPercent(terms.annualRate)}（${terms.dayCount === 'ACT_360' ? 'ACT/360' : 'ACT/365'}，${terms.interestMode === 'UPFRONT' ? '前收息 up front' : '后收息 in arrears'}）` },
      { label: '资金方出资 Advanced by the funder', value: money(data.advance) },
    ],
  };
}

function comparison(data: DisbursementAdviceData): DocumentSection {
  const { terms, quoted, currency } = data;
  const figure = (amount: string) => formatMoney(amount, currency, { withCurrency: false });
  const difference = (final: string, quote: string) => {
    const value = new Decimal(final).minus(quote);
    return value.isZero() ? '—' : `${value.isNegative() ? '−' : '+'}${figure(value.abs().toFixed())}`;
  };
  return {
    kind: 'table',
    heading: `报价与最终金额 The quote and the final figures (${currency})`,
    columns: [
      { header: '项目 Item', width: 3 },
      { header: '报价 Quoted', width: 2, align: 'right' },
      { header: '最终 Final', width: 2, align: 'right' },
      { header: '差额 Difference', width: 2, align: 'right' },
    ],
    rows: [
      ['起息日 Value date', quoted.valueDate, terms.valueDate, repriced(data) ? `${daysBetween(quoted.valueDate, terms.valueDate)} 天 days later` : '—'],
      ['期限 Tenor', `${quoted.tenorDays} 天 days`, `${terms.tenorDays} 天 days`, terms.tenorDays === quoted.tenorDays ? '—' : `−${quoted.tenorDays - terms.tenorDays} 天 days`],
      ['利息 Interest', figure(quoted.interest), figure(terms.interest), difference(terms.interest, quoted.interest)],
      ['费用 Fees', figure(quoted.fees), figure(terms.fees), difference(terms.fees, quoted.fees)],
      ['实际放款金额 Net disbursement', figure(quoted.netDisbursement), figure(terms.netDisbursement), difference(terms.netDisbursement, quoted.netDisbursement)],
      ['到期还款 Repayment at maturity', figure(quoted.repaymentAtMaturity), figure(terms.repaymentAtMaturity), difference(terms.repaymentAtMaturity, quoted.repaymentAtMaturity)],
      ['综合年化成本 Effective annual cost', formatPercent(quoted.effectiveAnnualRate), formatPercent(terms.effectiveAnnualRate), '—'],
    ],
  };
}

function payoutSection(data: DisbursementAdviceData): DocumentSection {
  const { payout, currency } = data;
  if (!payout) {
    return {
      kind: 'fields',
      heading: '汇款 Payout',
      rows: [{ label: '收款账户 Account', value: '转让人尚未登记收款账户：登记后重新发起汇款。The supplier has no payout account registered: the payout is made once one is registered and retried.' }],
    };
  }
  return {
    kind: 'fields',
    heading: '汇款 Payout',
    rows: [
      { label: '付款流水号 Payout reference', value: payout.reference },
      { label: '收款人 Beneficiary', value: payout.beneficiaryName },
      { label: '收款账户 Account', value: `${payout.bankName} ${payout.maskedAccountNumber}` },
      { label: '汇款金额 Amount', value: formatMoney(payout.amount, currency) },
    ],
  };
}

/** The advice's content; exported so tests can check wording without parsing a PDF. */
export function disbursementAdviceSpec(data: DisbursementAdviceData): DocumentSpec {
  checkAdvice(data);
  const disbursedAt = formatShanghaiTime(data.disbursedAt);
  return {
    title: '放款通知书',
    subtitle: 'Disbursement Advice',
    reference: data.financingNumber,
    issuedAt: data.disbursedAt,
    sections: [
      opening(data),
      ...financingSections(data, { invoiceTable: false }),
      disbursement(data),
      comparison(data),
      payoutSection(data),
      {
        kind: 'signatures',
        parties: [{ role: '受让人（资金方）Funder', name: data.funder.legalName, signedAt: `${disbursedAt} 在线出具 issued online` }],
      },
    ],
    footerNote: FINANCING_FOOTER_NOTE,
  };
}

/** The advice of a disbursement (放款通知书): the final figures, priced at the day the money moved, beside the quote. */
export function renderDisbursementAdvice(data: DisbursementAdviceData): Promise<Uint8Array> {
  return renderDocument(disbursementAdviceSpec(data));
}
