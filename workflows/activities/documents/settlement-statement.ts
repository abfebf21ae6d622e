import { businessDateOf, daysBetween } from '../../../domain/business-date';
import { Decimal } from '../../../domain/money';
import type { DocumentSection, DocumentSpec, TableColumn } from './document-spec';
import type { SettlementAllocationLine, SettlementStatementData } from './financing-document-data';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import { FINANCING_FOOTER_NOTE, financingSections } from './notice-of-assignment';
import { renderDocument } from './render-document';

export type { SettlementAllocationLine, SettlementStatementData } from './financing-document-data';

/** What one collection is split into, in the order the table shows it (the default waterfall, then surplus, then what the payer over-paid). */
const BUCKETS = ['penalty', 'fees', 'interest', 'principal', 'surplus', 'overpaid'] as const;
/** The table's amount columns: what was collected, then where it went. */
const AMOUNT_COLUMNS = ['collected', ...BUCKETS] as const;
type AmountColumn = (typeof AMOUNT_COLUMNS)[number];

/** A line's amount in a column; a statement without over-payment has none to give. */
function amountOf(line: SettlementAllocationLine | SettlementStatementData['totals'], column: AmountColumn): string {
  return line[column] ?? '0';
}

/**
 * The columns the table shows. The over-paid column only when something was over-paid, so most
 * statements keep their layout; and then, to make room for it on the page, the fees and
 * interest columns only when some line has fees or interest.
 */
function shownColumns(data: SettlementStatementData): readonly AmountColumn[] {
  const none = (column: AmountColumn) => new Decimal(amountOf(data.totals, column)).isZero() && data.allocations.every((line) => new Decimal(amountOf(line, column)).isZero());
  if (none('overpaid')) return AMOUNT_COLUMNS.filter((column) => column !== 'overpaid');
  return AMOUNT_COLUMNS.filter((column) => !((column === 'fees' || column === 'interest') && none(column)));
}

const AMOUNT_HEADERS: Record<AmountColumn, string> = {
  collected: '收回金额\nCollected',
  penalty: '罚息\nPenalty',
  fees: '费用\nFees',
  interest: '利息\nInterest',
  principal: '本金\nPrincipal',
  surplus: '退还转让人\nSurplus',
  overpaid: '付款人多付\nOver-paid',
};

const SOURCE_TEXT: Record<SettlementAllocationLine['source'], string> = {
  REPAYMENT: '还款\nRepayment',
  RECOURSE: '追索\nRecourse',
};

// Column widths are proportions; they are given here in ems of the table's type, estimated
// generously (bold, as in the totals row): a Chinese character is 1 em, a digit or a Latin
// letter about 0.6 em, a separator 0.3 em, plus the layout's cell padding. Each column is as
// wide as its widest line, so that the figures of a statement in the tens of millions still
// fit on one line, and the columns of small figures give their room to the large ones.
const CELL_PADDING_EMS = 1.2;
const NARROW = new Set([...',.:- ']);
/** The last code point of Latin Extended-B: letters and digits up to it are about 0.6 em wide. */
const LATIN_LAST = 0x24f;

function emsOf(text: string): number {
  return [...text].reduce((width, char) => width + (NARROW.has(char) ? 0.3 : (char.codePointAt(0) ?? 0) <= LATIN_LAST ? 0.6 : 1), 0);
}

function columnWidth(cells: readonly string[]): number {
  return Math.max(...cells.flatMap((cell) => cell.split('\n')).map(emsOf)) + CELL_PADDING_EMS;
}

function sumOf(lines: readonly SettlementAllocationLine[], column: AmountColumn): Decimal {
  return lines.reduce((sum, line) => sum.plus(amountOf(line, column)), new Decimal(0));
}

/**
 * Days from the financing's due date to the day the money that made the funder whole reached the
 * bank (the latest value date of its payments); 0 when that was on time, however late the
 * payments were read or allocated.
 */
function overdueDaysOf(data: SettlementStatementData): number {
  const paidOn = data.allocations.reduce((latest, line) => (daysBetween(latest, line.valueDate) > 0 ? line.valueDate : latest), data.allocations[0]?.valueDate ?? businessDateOf(data.settledAt));
  return Math.max(0, daysBetween(data.terms.dueDate, paidOn));
}

/**
 * The figures come from the allocations the workflow booked and are printed, not recomputed;
 * but a statement that releases the funder's claim is relied on as proof of payment, so one
 * whose figures do not add up (a bucket lost, a total mistyped, principal not repaid in full)
 * is refused rather than issued.
 */
function checkSettlement(data: SettlementStatementData): void {
  const { terms, currency, allocations, totals } = data;
  allocations.forEach((line, index) => {
    const which = `allocation ${index + 1} (${formatShanghaiTime(line.allocatedAt)})`;
    if (!new Decimal(line.collected).gt(0)) throw new RangeError(`${which}: collected ${line.collected} ${currency} must be positive`);
    for (const bucket of BUCKETS) {
      if (new Decimal(amountOf(line, bucket)).lt(0)) throw new RangeError(`${which}: ${bucket} ${amountOf(line, bucket)} ${currency} must not be negative`);
    }
    const allocated = BUCKETS.reduce((sum, bucket) => sum.plus(amountOf(line, bucket)), new Decimal(0));
    if (!allocated.eq(line.collected)) {
      throw new RangeError(`${which}: penalty, fees, interest, principal, surplus and over-payment add up to ${allocated.toFixed()}, not the ${line.collected} ${currency} collected`);
    }
  });
  for (const column of AMOUNT_COLUMNS) {
    const sum = sumOf(allocations, column);
    if (!sum.eq(amountOf(totals, column))) throw new RangeError(`total ${column} ${amountOf(totals, column)} ${currency} is not the sum of the allocations (${sum.toFixed()})`);
  }
  if (!new Decimal(totals.principal).eq(terms.principal)) {
    throw new RangeError(`principal repaid ${totals.principal} ${currency} is not the principal financed ${terms.principal}: the financing is not settled`);
  }
  // The statement prints both figures and says the funder has no further claim: penalty charged
  // but not collected would make it false.
  if (!new Decimal(totals.penalty).eq(data.penaltyCharged)) {
    throw new RangeError(`penalty collected ${totals.penalty} ${currency} is not the penalty charged ${data.penaltyCharged}`);
  }
  const overdueDays = overdueDaysOf(data);
  if (!Number.isInteger(data.penaltyDays) || data.penaltyDays < 0 || data.penaltyDays > overdueDays) {
    throw new RangeError(`penalty days ${data.penaltyDays} must be a whole number from 0 to the ${overdueDays} days overdue`);
  }
  // The disbursement section prints these side by side; a reader adds them up.
  const upfront = terms.interestMode === 'UPFRONT';
  const net = new Decimal(terms.principal).minus(terms.fees).minus(upfront ? terms.interest : 0);
  if (!net.eq(terms.netDisbursement)) {
    throw new RangeError(`net disbursement ${terms.netDisbursement} ${currency} is not principal less fees${upfront ? ' and interest' : ''} (${net.toFixed()})`);
  }
  // Part of a payout the beneficiary's bank sent back waits in the supplier's settlement account
  // for a retry, or recourse took it: the advance was made in full, so the financing is settled all the same.
  if (data.payout && (new Decimal(data.payout.amount).lte(0) || new Decimal(data.payout.amount).plus(data.payout.nettedByRecourse ?? 0).gt(terms.netDisbursement))) {
    throw new RangeError(`payout ${data.payout.amount} ${currency} and ${data.payout.nettedByRecourse ?? '0'} netted by recourse must be more than zero and at most the net disbursement ${terms.netDisbursement}`);
  }
}

function disbursementSection(data: SettlementStatementData): DocumentSection {
  const { terms, payout } = data;
  const money = (amount: string) => formatMoney(amount, data.currency);
  return {
    kind: 'fields',
    heading: '放款 Disbursement',
    rows: [
      { label: '起息日 Value date', value: terms.valueDate },
      { label: '放款时间 Disbursed at', value: `${formatShanghaiTime(data.disbursedAt)} (UTC+08:00)` },
      { label: '融资本金 Principal', value: money(terms.principal) },
      ...(terms.interestMode === 'UPFRONT' ? [{ label: '前收利息 Upfront interest', value: money(terms.interest) }] : []),
      { label: '费用 Fees', value: money(terms.fees) },
      { label: '实际放款金额 Net disbursement', value: money(terms.netDisbursement) },
      ...(payout
        ? [
            { label: '付款流水号 Payout reference', value: payout.reference },
            { label: '收款人 Beneficiary', value: payout.beneficiaryName },
            // Bank and number on one line, the way an account is written on a payment order.
            { label: '收款账户 Account', value: `${payout.bankName} ${payout.maskedAccountNumber}` },
            ...returnedRows(payout, terms.netDisbursement, money),
          ]
        : [{ label: '付款记录 Payout', value: '无银行付款记录 No bank payout on record' }]),
    ],
  };
}

/**
 * What the beneficiary's bank sent back of the payout, when it did: what reached the supplier,
 * what recourse took of it instead of paying it out again, and what still waits for a retry.
 */
function returnedRows(payout: NonNullable<SettlementStatementData['payout']>, netDisbursement: string, money: (amount: string) => string): Array<{ label: string; value: string }> {
  if (new Decimal(payout.amount).gte(netDisbursement)) return [];
  const netted = new Decimal(payout.nettedByRecourse ?? 0);
  const waiting = new Decimal(netDisbursement).minus(payout.amount).minus(netted);
  return [
    { label: '已汇出 Paid out', value: money(payout.amount) },
    ...(netted.gt(0) ? [{ label: '退回款抵扣追索 Returned, set against recourse', value: money(netted.toFixed()) }] : []),
    ...(waiting.gt(0) ? [{ label: '退回待重新汇款 Returned, to be paid out again', value: `${money(waiting.toFixed())} (在转让人结算户 in the assignor's settlement account)` }] : []),
  ];
}

function allocationsTable(data: SettlementStatementData): DocumentSection {
  const { allocations, totals, currency } = data;
  const figure = (amount: string) => formatMoney(amount, currency, { withCurrency: false });
  const shown = shownColumns(data);
  // Each payment on the day the bank received it, which is what it counts from (when it was read
  // or allocated is the platform's affair); Chinese over English, so the figures get the width.
  const rows = allocations.map((line) => [line.valueDate, SOURCE_TEXT[line.source], ...shown.map((column) => figure(amountOf(line, column)))]);
  const footer = ['合计\nTotal', `${allocations.length} 笔\npayments`, ...shown.map((column) => figure(amountOf(totals, column)))];
  const headers = ['到账日\nValue date', '来源\nSource', ...shown.map((column) => AMOUNT_HEADERS[column])];
  const columns = headers.map(
    (header, index): TableColumn => ({
      header,
      width: columnWidth([header, ...[...rows, footer].map((row) => row[index] ?? '')]),
      ...(index >= 2 ? { align: 'right' as const } : {}),
    }),
  );
  // Figures in the tens of millions in every column an over-payment shows are wider than the page
  // at the usual type: the table then takes a smaller one, so that each figure stays on one line.
  return { kind: 'table', heading: `还款与分配 Repayments (${currency})`, columns, rows, footer, keepLinesWhole: true };
}

function resultSection(data: SettlementStatementData): DocumentSection {
  const { terms, program, receivable, currency } = data;
  const money = (amount: string) => formatMoney(amount, currency);
  const overdueDays = overdueDaysOf(data);
  const settledAt = formatShanghaiTime(data.settledAt);
  const penalty = data.penaltyDays > 0 ? `${money(data.penaltyCharged)}（计收 ${data.penaltyDays} 天 charged for ${data.penaltyDays} days）` : money(data.penaltyCharged);
  const recourse = !program.recourse && new Decimal(data.recourseClaimed).isZero() ? '无追索权 Without recourse' : money(data.recourseClaimed);
  return {
    kind: 'fields',
    heading: '结果 Result',
    rows: [
      { label: '融资到期日 Due date', value: terms.dueDate },
      { label: '结清时间 Settled at', value: `${settledAt} (UTC+08:00)` },
      {
        label: '逾期天数 Days overdue',
        value: overdueDays > 0 ? `${overdueDays} 天 days（宽限期 ${program.graceDays} 天 grace period of ${program.graceDays} days）` : '未逾期 Not overdue',
      },
      { label: '罚息 Penalty interest', value: penalty },
      ...(new Decimal(data.penaltyReversed ?? '0').isZero()
        ? []
        : [{ label: '罚息冲正 Penalty reversed', value: `${money(data.penaltyReversed!)}（还款按银行到账日计算 repayments count from the day the bank received them）` }]),
      { label: '追索金额 Recourse claimed', value: recourse },
      { label: '退还转让人 Surplus to supplier', value: money(data.totals.surplus) },
      ...(new Decimal(amountOf(data.totals, 'overpaid')).isZero()
        ? []
        : [{ label: '付款人多付 Over-paid by the payer', value: `${money(amountOf(data.totals, 'overpaid'))}（超出确权金额，挂账待退还付款人 beyond the confirmed amount, held for a refund to the payer）` }]),
      {
        label: '结清确认 Settled in full',
        value:
          `融资 ${data.financingNumber} 已全部清偿并结清；登记编号 ${receivable.registrationNumber} 项下应收账款的转让相应解除，${data.funder.legalName}不再就本融资主张任何权利。\n` +
          `Financing ${data.financingNumber} is settled in full. The assignment of the receivable registered under ${receivable.registrationNumber} is discharged, ` +
          'and the funder has no further claim under this financing.',
      },
    ],
  };
}

/**
 * A later version says first what it replaces and why: the parties hold the earlier one, which
 * stays on record, and must know which of the two now states who paid what.
 */
function reissueSection(data: SettlementStatementData, reissue: NonNullable<SettlementStatementData['reissue']>): DocumentSection {
  const earlier = reissue.version - 1;
  const at = formatShanghaiTime(data.issuedAt);
  const why =
    reissue.cause === 'RECOURSE_RETURNED'
      ? {
          zh: '银行在追索扣款之前已收到的还款处理较晚，按到账日计算作为核心企业还款入账，追索款相应退还转让人。',
          en: "a repayment the bank received before the recourse claim was processed after it, counts from the day the bank received it as the core enterprise's repayment, and what recourse took was returned to the assignor accordingly.",
        }
      : {
          zh: '银行在结清本融资的还款之前已收到的还款处理较晚，按到账日计算先行入账，其后的还款相应重新分配。',
          en: 'a repayment the bank received before the repayment that settled the financing was processed after it, counts from the day the bank received it, and the repayments after it were allocated again accordingly.',
        };
  return {
    kind: 'paragraph',
    text:
      `本证明为融资 ${data.financingNumber} 结清证明的第 ${reissue.version} 版，于 ${at} 起取代第 ${earlier} 版（第 ${earlier} 版作废，保留备查）：${why.zh}以下金额以本版为准。\n` +
      `This is version ${reissue.version} of the settlement statement of financing ${data.financingNumber}. From ${at} (UTC+08:00) it replaces version ${earlier}, which is superseded and kept for the record: ` +
      `${why.en} The figures below are those that stand.`,
  };
}

/** The statement's content; exported so tests can check wording without parsing a PDF. */
export function settlementStatementSpec(data: SettlementStatementData): DocumentSpec {
  checkSettlement(data);
  const { reissue } = data;
  return {
    title: '结清证明',
    subtitle: reissue ? `Settlement Statement（第 ${reissue.version} 版 version ${reissue.version}）` : 'Settlement Statement',
    reference: data.financingNumber,
    issuedAt: data.issuedAt,
    sections: [
      ...(reissue ? [reissueSection(data, reissue)] : []),
      ...financingSections(data, { invoiceTable: false }),
      disbursementSection(data),
      allocationsTable(data),
      resultSection(data),
      {
        kind: 'signatures',
        parties: [{ role: '受让人（资金方）Funder', name: data.funder.legalName, signedAt: `${formatShanghaiTime(data.issuedAt)} 在线出具 issued online` }],
      },
    ],
    footerNote: FINANCING_FOOTER_NOTE,
  };
}

/** The funder's statement that a financing is repaid in full and its claim released (结清证明). */
export function renderSettlementStatement(data: SettlementStatementData): Promise<Uint8Array> {
  return renderDocument(settlementStatementSpec(data));
}
