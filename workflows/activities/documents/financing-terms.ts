import { daysBetween } from '../../../domain/business-date';
import { Decimal } from '../../../domain/money';
import type { DocumentSpec } from './document-spec';
import type { FinancingDocumentData, FinancingTermsData } from './financing-document-data';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import { FINANCING_FOOTER_NOTE, financingSections } from './notice-of-assignment';
import { renderDocument } from './render-document';

export type { FinancingTermsData } from './financing-document-data';

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const PERCENT_DECIMALS = 4;

/**
 * A rate as printed on a document: "0.06" → "6.00%", "0.065944" → "6.5944%". Computed with
 * decimal.js from the string, never a JavaScript number; at least two decimals so that rates
 * line up, at most four. A rate with more is refused rather than rounded: a contract rate shown
 * rounded would not be the rate agreed.
 */
export function formatPercent(rate: string): string {
  if (!DECIMAL_STRING.test(rate)) throw new RangeError(`rate ${JSON.stringify(rate)} is not a plain decimal string`);
  const percent = new Decimal(rate).times(100);
  if (percent.decimalPlaces() > PERCENT_DECIMALS) throw new RangeError(`rate ${rate} has more than ${PERCENT_DECIMALS} decimals as a percentage`);
  return `${percent.toFixed(Math.max(2, percent.decimalPlaces()))}%`;
}

const DAY_COUNT_TEXT: Record<FinancingTermsData['terms']['dayCount'], string> = {
  ACT_360: 'ACT/360（实际天数/360）',
  ACT_365: 'ACT/365（实际天数/365）',
};

const INTEREST_MODE_TEXT: Record<FinancingTermsData['terms']['interestMode'], string> = {
  UPFRONT: '前收息 UPFRONT（放款时扣除 deducted at disbursement）',
  ARREARS: '后收息 ARREARS（到期随本金支付 paid at maturity）',
};

/**
 * The priced figures come from domain/pricing.ts and are printed, not recomputed; but a
 * document whose figures do not add up would be signed as the deal, so the sums are checked.
 */
export function checkPricedFigures(terms: FinancingDocumentData['terms'], currency: string): void {
  const principal = new Decimal(terms.principal);
  const interest = new Decimal(terms.interest);
  const fees = new Decimal(terms.fees);
  const upfront = terms.interestMode === 'UPFRONT';
  const net = principal.minus(fees).minus(upfront ? interest : 0);
  const repayment = principal.plus(upfront ? 0 : interest);
  if (!net.eq(terms.netDisbursement)) throw new RangeError(`net disbursement ${terms.netDisbursement} ${currency} is not principal less fees${upfront ? ' and interest' : ''} (${net.toFixed()})`);
  if (!repayment.eq(terms.repaymentAtMaturity)) throw new RangeError(`repayment at maturity ${terms.repaymentAtMaturity} ${currency} is not principal${upfront ? '' : ' plus interest'} (${repayment.toFixed()})`);
  const tenorDays = daysBetween(terms.valueDate, terms.dueDate);
  if (tenorDays !== terms.tenorDays) throw new RangeError(`tenor of ${terms.tenorDays} days does not match ${terms.valueDate} to ${terms.dueDate} (${tenorDays} days)`);
}

function checkTerms({ terms, currency }: FinancingTermsData): void {
  checkPricedFigures(terms, currency);
}

function recourseRows({ program }: FinancingTermsData): Array<{ label: string; value: string }> {
  if (!program.recourse) return [{ label: '追索权 Recourse', value: '无追索权 Without recourse' }];
  if (program.recourseAfterDays === null) throw new RangeError('a program with recourse must say after how many overdue days it applies');
  return [
    { label: '追索权 Recourse', value: '有追索权 With recourse' },
    { label: '追索起算 Recourse after', value: `逾期满 ${program.recourseAfterDays} 天后由转让人（供应商）承担回购责任 the supplier is liable after ${program.recourseAfterDays} days overdue` },
  ];
}

/** The summary's content; exported so tests can check wording without parsing a PDF. */
export function financingTermsSpec(data: FinancingTermsData): DocumentSpec {
  checkTerms(data);
  const { terms, program, currency } = data;
  const approvedAt = formatShanghaiTime(data.approvedAt);
  const money = (amount: string) => formatMoney(amount, currency);
  return {
    title: '融资条款摘要',
    subtitle: 'Financing Terms Summary',
    reference: data.financingNumber,
    issuedAt: data.approvedAt,
    sections: [
      {
        kind: 'paragraph',
        text:
          `${data.funder.legalName}（资金方）于 ${approvedAt}（UTC+08:00）批准融资 ${data.financingNumber}，` +
          `以登记编号 ${data.receivable.registrationNumber} 项下应收账款的转让为基础，条款如下。\n` +
          `${data.funder.legalName} (the funder) approved financing ${data.financingNumber} at ${approvedAt} (UTC+08:00), ` +
          `against the assignment of the receivable registered under ${data.receivable.registrationNumber}, on the terms below.`,
      },
      ...financingSections(data, { invoiceTable: false }),
      {
        kind: 'fields',
        heading: '融资价格 Price',
        rows: [
          { label: '融资方案 Program', value: `${program.name}（${program.code}）` },
          { label: '转让方式 Assignment', value: program.assignmentMode === 'OPEN' ? '公开转让（明保理）Open' : '隐蔽转让（暗保理）Silent' },
          { label: '融资本金 Principal', value: money(terms.principal) },
          { label: '年利率 Annual rate', value: formatPercent(terms.annualRate) },
          { label: '计息基础 Day count', value: DAY_COUNT_TEXT[terms.dayCount] },
          { label: '收息方式 Interest mode', value: INTEREST_MODE_TEXT[terms.interestMode] },
          { label: '起息日 Value date', value: `${terms.valueDate}（拟定 assumed: the day the money moves）` },
          { label: '融资到期日 Due date', value: terms.dueDate },
          { label: '融资期限 Tenor', value: `${terms.tenorDays} 天 days` },
          { label: '利息 Interest', value: money(terms.interest) },
          { label: '费用 Fees', value: money(terms.fees) },
          { label: '实际放款金额 Net disbursement', value: money(terms.netDisbursement) },
          { label: '到期还款 Repayment at maturity', value: money(terms.repaymentAtMaturity) },
          { label: '综合年化成本 Effective annual cost', value: `${formatPercent(terms.effectiveAnnualRate)}（按 365 天年化 annualised on 365 days）` },
          {
            label: '计息规则 Repricing',
            value:
              '利息自实际放款日起算。放款日晚于拟定起息日的，按实际天数重新计息，转让人不承担放款前的利息；到期日在放款日当日或之前、或剩余期限短于方案最短期限的，不予放款。最终金额以放款通知书为准。\n' +
              'Interest runs from the day the money moves. If it moves after the assumed value date, the financing is repriced for the actual tenor and the supplier pays no interest for days before it; if the due date is on or before that day, or closer than the program\'s minimum tenor, it is not disbursed. The disbursement advice states the final figures.',
          },
        ],
      },
      {
        kind: 'fields',
        heading: '逾期条款 Overdue terms',
        rows: [
          { label: '宽限期 Grace period', value: `${program.graceDays} 天 days` },
          { label: '罚息年利率 Penalty rate', value: formatPercent(program.penaltyRate) },
          { label: '罚息计提 Penalty accrual', value: '宽限期届满后按日计提 daily, after the grace period' },
          ...recourseRows(data),
        ],
      },
      {
        kind: 'fields',
        heading: '审批 Approval',
        rows: [
          { label: '经办 Maker', value: data.approvedBy },
          { label: '复核 Checker', value: data.confirmedBy },
          { label: '批准时间 Approved at', value: `${approvedAt} (UTC+08:00)` },
        ],
      },
      {
        kind: 'signatures',
        parties: [{ role: '受让人（资金方）Funder', name: data.funder.legalName, signedAt: `${approvedAt} 在线批准 approved online` }],
      },
    ],
    footerNote: FINANCING_FOOTER_NOTE,
  };
}

/** The summary of an approved financing's price and terms (融资条款摘要). */
export function renderFinancingTerms(data: FinancingTermsData): Promise<Uint8Array> {
  return renderDocument(financingTermsSpec(data));
}
