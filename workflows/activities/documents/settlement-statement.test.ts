import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { allRuns, assertGlyphsDrawn, compactText, expectNoOverlaps, extractPdfText, pdfTextRuns, previewPdf, renderPdfPage } from '../../../test/support/pdf';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';
import { businessDateOf } from '../../../domain/business-date';
import { FINANCING_DOCUMENT, FUNDER, OBLIGOR, SUPPLIER } from '../../../test/support/financing-document-fixture';
import { embedDocumentFont } from './document-fonts';
import { MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH } from './document-layout';
import { renderSettlementStatement, type SettlementAllocationLine, type SettlementStatementData, settlementStatementSpec } from './settlement-statement';


type Buckets = Pick<SettlementAllocationLine, 'collected' | 'penalty' | 'fees' | 'interest' | 'principal' | 'surplus' | 'overpaid'>;

const ZERO: Buckets = { collected: '0.00', penalty: '0.00', fees: '0.00', interest: '0.00', principal: '0.00', surplus: '0.00' };

function repayment(allocatedAt: string, amounts: Partial<Buckets>, source: SettlementAllocationLine['source'] = 'REPAYMENT'): SettlementAllocationLine {
  return { allocatedAt: new Date(allocatedAt), valueDate: businessDateOf(new Date(allocatedAt)), source, ...ZERO, ...amounts };
}

/**
 * The hand-computed case of docs/pricing.md (800,000.00 CNY at 6%, ACT/360, 90 days, UPFRONT,
 * 0.1% fee: 12,000.00 interest and 800.00 fees deducted, 787,200.00 paid out), repaid on time
 * in two payments into the collection account.
 */
const onTime: SettlementStatementData = {
  ...FINANCING_DOCUMENT,
  disbursedAt: new Date('2026-11-22T02:10:00Z'),
  settledAt: new Date('2027-02-20T06:45:00Z'),
  issuedAt: new Date('2027-02-20T06:45:00Z'),
  payout: { reference: 'PAY-20261122-000981', beneficiaryName: SUPPLIER, maskedAccountNumber: '**** 6688', bankName: '中国工商银行深圳华强支行', amount: '787200.00' },
  penaltyDays: 0,
  penaltyCharged: '0.00',
  allocations: [
    repayment('2027-02-10T01:20:00Z', { collected: '300000.00', principal: '300000.00' }),
    repayment('2027-02-20T06:45:00Z', { collected: '500000.00', principal: '500000.00' }),
  ],
  totals: { ...ZERO, collected: '800000.00', principal: '800000.00' },
  recourseClaimed: '0.00',
};

/**
 * The obligor pays the whole receivable (1,000,000.00) 13 days after the due date: after 3
 * grace days, 10 days of penalty at 18% a year on 800,000.00 (400.00 a day, ACT/360) are
 * charged, the funder takes 804,000.00 and the supplier gets the surplus of 196,000.00.
 */
const late: SettlementStatementData = {
  ...onTime,
  settledAt: new Date('2027-03-05T02:30:00Z'),
  issuedAt: new Date('2027-03-05T02:30:00Z'),
  penaltyDays: 10,
  penaltyCharged: '4000.00',
  allocations: [repayment('2027-03-05T02:30:00Z', { collected: '1000000.00', penalty: '4000.00', principal: '800000.00', surplus: '196000.00' })],
  totals: { ...ZERO, collected: '1000000.00', penalty: '4000.00', principal: '800000.00', surplus: '196000.00' },
};

async function compactPages(bytes: Uint8Array): Promise<string> {
  return compactText((await extractPdfText(bytes)).join('\n'));
}

function expectAll(text: string, expected: string[]): void {
  for (const item of expected) expect(text).toContain(compactText(item));
}

/** A page that shows its content has ink well inside the margins, not only in the header. */
async function expectInkedPage(bytes: Uint8Array): Promise<void> {
  const page = await renderPdfPage(bytes, 0, 1);
  let inked = 0;
  for (let offset = 0; offset < page.rgba.length; offset += 4) if ((page.rgba[offset] ?? 255) < 128) inked++;
  expect(inked / (page.width * page.height)).toBeGreaterThan(0.01);
}

describe('settlement statement', () => {
  it('shows the disbursement, both repayments with their total and the release of the claim', async () => {
    const bytes = await renderSettlementStatement(onTime);
    await previewPdf('settlement-statement', bytes);
    const pages = await extractPdfText(bytes);
    expect(pages).toHaveLength(2);
    const text = await compactPages(bytes);
    expectAll(text, [
      '结清证明',
      'Settlement Statement',
      'FIN-2026-00000012',
      SUPPLIER,
      OBLIGOR,
      FUNDER,
      'REG-20261101-000456',
      '融资本金 Principal CNY 800,000.00',
      '前收利息 Upfront interest CNY 12,000.00',
      '费用 Fees CNY 800.00',
      '实际放款金额 Net disbursement CNY 787,200.00',
      '放款时间 Disbursed at 2026-11-22 10:10 (UTC+08:00)',
      'PAY-20261122-000981',
      '**** 6688',
      '中国工商银行深圳华强支行',
      '还款与分配 Repayments (CNY)',
      '2027-02-10 还款 Repayment 300,000.00 0.00 0.00 0.00 300,000.00 0.00',
      '2027-02-20 还款 Repayment 500,000.00 0.00 0.00 0.00 500,000.00 0.00',
      '合计 Total 2 笔 payments 800,000.00 0.00 0.00 0.00 800,000.00 0.00',
      '结清时间 Settled at 2027-02-20 14:45 (UTC+08:00)',
      '逾期天数 Days overdue 未逾期 Not overdue',
      '罚息 Penalty interest CNY 0.00',
      '退还转让人 Surplus to supplier CNY 0.00',
      '融资 FIN-2026-00000012 已全部清偿并结清',
      '登记编号 REG-20261101-000456 项下应收账款的转让相应解除',
      'the funder has no further claim',
    ]);
    await assertGlyphsDrawn(bytes, SUPPLIER);
    await assertGlyphsDrawn(bytes, OBLIGOR);
    await assertGlyphsDrawn(bytes, FUNDER);
    await assertGlyphsDrawn(bytes, '结清证明', { weight: 'bold' });
    await assertGlyphsDrawn(bytes, FUNDER, { pageIndex: pages.length - 1, weight: 'bold' });
    await expectInkedPage(bytes);
    for (const runs of await allRuns(bytes)) expectNoOverlaps(runs);
  });

  it('shows the days overdue, the penalty charged and the surplus returned to the supplier', async () => {
    const bytes = await renderSettlementStatement(late);
    await previewPdf('settlement-statement-late', bytes);
    const text = await compactPages(bytes);
    expectAll(text, [
      '2027-03-05 还款 Repayment 1,000,000.00 4,000.00 0.00 0.00 800,000.00 196,000.00',
      '合计 Total 1 笔 payments 1,000,000.00 4,000.00 0.00 0.00 800,000.00 196,000.00',
      '融资到期日 Due date 2027-02-20',
      '逾期天数 Days overdue 13 天 days（宽限期 3 天 grace period of 3 days）',
      '罚息 Penalty interest CNY 4,000.00（计收 10 天 charged for 10 days）',
      '追索金额 Recourse claimed CNY 0.00',
      '退还转让人 Surplus to supplier CNY 196,000.00',
    ]);
    const runs = await allRuns(bytes);
    for (const page of runs) expectNoOverlaps(page);
    // Each figure is drawn on one line, and the figures of a column end at the same x.
    const figures = runs.flat().filter((run) => run.text === '1,000,000.00' || run.text === '196,000.00');
    expect(figures).toHaveLength(4);
    const [collected, surplus] = ['1,000,000.00', '196,000.00'].map((figure) => new Set(figures.filter((run) => run.text === figure).map((run) => (run.x + run.width).toFixed(1))));
    expect(collected?.size).toBe(1);
    expect(surplus?.size).toBe(1);
  });

  it('keeps figures in the tens of millions on one line', async () => {
    const large: SettlementStatementData = {
      ...late,
      receivable: { ...late.receivable, faceAmount: '100000000.00', confirmedAmount: '100000000.00', invoices: [{ code: '044002300111', number: '22345678', amount: '100000000.00', issueDate: '2026-10-28' }] },
      terms: { ...late.terms, principal: '80000000.00', interest: '1200000.00', fees: '80000.00', netDisbursement: '78720000.00', repaymentAtMaturity: '80000000.00' },
      payout: { ...onTime.payout!, amount: '78720000.00' },
      penaltyCharged: '400000.00',
      allocations: [
        repayment('2027-03-04T02:30:00Z', { collected: '60000000.00', penalty: '400000.00', principal: '59600000.00' }),
        repayment('2027-03-05T02:30:00Z', { collected: '40000000.00', principal: '20400000.00', surplus: '19600000.00' }),
      ],
      totals: { ...ZERO, collected: '100000000.00', penalty: '400000.00', principal: '80000000.00', surplus: '19600000.00' },
    };
    const bytes = await renderSettlementStatement(large);
    await previewPdf('settlement-statement-large', bytes);
    const drawn = new Set((await allRuns(bytes)).flat().map((run) => run.text));
    for (const figure of ['60,000,000.00', '59,600,000.00', '20,400,000.00', '19,600,000.00', '100,000,000.00', '80,000,000.00', '400,000.00']) expect(drawn).toContain(figure);
    for (const page of await allRuns(bytes)) expectNoOverlaps(page);
  });

  it('lists recourse, interest in arrears and a disbursement without a bank payout', () => {
    const recourse: SettlementStatementData = {
      ...onTime,
      terms: { ...onTime.terms, interestMode: 'ARREARS', netDisbursement: '799200.00', repaymentAtMaturity: '812000.00', effectiveAnnualRate: '0.064954' },
      payout: null,
      settledAt: new Date('2027-03-25T03:00:00Z'),
      issuedAt: new Date('2027-03-25T03:00:00Z'),
      penaltyDays: 30,
      penaltyCharged: '12000.00',
      allocations: [
        repayment('2027-02-20T06:00:00Z', { collected: '400000.00', interest: '12000.00', principal: '388000.00' }),
        repayment('2027-03-25T03:00:00Z', { collected: '424000.00', penalty: '12000.00', principal: '412000.00' }, 'RECOURSE'),
      ],
      totals: { ...ZERO, collected: '824000.00', penalty: '12000.00', interest: '12000.00', principal: '800000.00' },
      recourseClaimed: '424000.00',
    };
    const spec = JSON.stringify(settlementStatementSpec(recourse).sections);
    for (const expected of ['追索\\nRecourse', '12,000.00', '424,000.00', '追索金额 Recourse claimed","value":"CNY 424,000.00', '无银行付款记录 No bank payout on record', '33 天 days']) expect(spec).toContain(expected);
    expect(spec).not.toContain('Upfront interest');
    const withoutRecourse = { ...onTime, program: { ...onTime.program, recourse: false, recourseAfterDays: null } };
    expect(JSON.stringify(settlementStatementSpec(withoutRecourse).sections)).toContain('无追索权 Without recourse');
  });

  it('shows the part of the payout sent back and waiting to be paid out again, and only when there is some', async () => {
    const returnedInPart = { ...onTime, payout: { ...onTime.payout!, amount: '786200.00' } };
    const spec = JSON.stringify(settlementStatementSpec(returnedInPart).sections);
    for (const expected of ['已汇出 Paid out","value":"CNY 786,200.00', '退回待重新汇款 Returned, to be paid out again","value":"CNY 1,000.00']) expect(spec).toContain(expected);
    const takenByRecourse = JSON.stringify(settlementStatementSpec({ ...onTime, payout: { ...onTime.payout!, amount: '786200.00', nettedByRecourse: '1000.00' } }).sections);
    expect(takenByRecourse).toContain('退回款抵扣追索 Returned, set against recourse","value":"CNY 1,000.00');
    expect(takenByRecourse).not.toContain('to be paid out again');
    expect(JSON.stringify(settlementStatementSpec(onTime).sections)).not.toContain('Paid out');
    const bytes = await renderSettlementStatement(returnedInPart);
    await previewPdf('settlement-statement-returned-in-part', bytes);
    for (const page of await allRuns(bytes)) expectNoOverlaps(page);
  });

  it('shows what the payer over-paid beyond the receivable and the penalty reversed, and only when there is some', () => {
    // Paid 1,010,000.00 on a receivable confirmed for 1,000,000.00, counted from D+8 though processed on D+10.
    const overPaid: SettlementStatementData = {
      ...late,
      penaltyDays: 8,
      penaltyCharged: '3200.00',
      penaltyReversed: '800.00',
      allocations: [repayment('2027-03-05T02:30:00Z', { collected: '1010000.00', penalty: '3200.00', principal: '800000.00', surplus: '196800.00', overpaid: '10000.00' })],
      totals: { ...ZERO, collected: '1010000.00', penalty: '3200.00', principal: '800000.00', surplus: '196800.00', overpaid: '10000.00' },
    };
    const spec = JSON.stringify(settlementStatementSpec(overPaid).sections);
    for (const expected of ['付款人多付\\nOver-paid', '10,000.00', '付款人多付 Over-paid by the payer","value":"CNY 10,000.00', '罚息冲正 Penalty reversed","value":"CNY 800.00', '196,800.00']) expect(spec).toContain(expected);
    const plain = JSON.stringify(settlementStatementSpec(late).sections);
    expect(plain).not.toContain('Over-paid');
    expect(plain).not.toContain('Penalty reversed');
    // The over-paid part is one of the buckets a line must add up with.
    expect(() => settlementStatementSpec({ ...overPaid, allocations: [{ ...overPaid.allocations[0]!, overpaid: '0.00' }] })).toThrow(/allocation 1 .* add up to 1000000, not the 1010000\.00 CNY collected/);
  });

  it('refuses figures that do not add up', () => {
    const [first, second] = onTime.allocations as [SettlementAllocationLine, SettlementAllocationLine];
    // A line whose buckets do not make up what was collected.
    expect(() => settlementStatementSpec({ ...onTime, allocations: [{ ...first, principal: '299999.99' }, second] })).toThrow(/allocation 1 .* add up to 299999\.99, not the 300000\.00 CNY collected/);
    expect(() => settlementStatementSpec({ ...onTime, allocations: [first, { ...second, surplus: '0.01' }] })).toThrow(/allocation 2 .* add up to/);
    expect(() => settlementStatementSpec({ ...onTime, allocations: [{ ...first, principal: '300000.01', penalty: '-0.01' }, second] })).toThrow(/penalty -0\.01 CNY must not be negative/);
    // Totals that are not the sum of the lines.
    expect(() => settlementStatementSpec({ ...onTime, totals: { ...onTime.totals, collected: '800000.01' } })).toThrow(/total collected 800000\.01 CNY is not the sum of the allocations \(800000\)/);
    expect(() => settlementStatementSpec({ ...onTime, totals: { ...onTime.totals, surplus: '1.00' } })).toThrow(/total surplus/);
    // Lines and totals that agree, but do not repay the principal.
    const short = { ...onTime, allocations: [first], totals: { ...onTime.totals, collected: '300000.00', principal: '300000.00' } };
    expect(() => settlementStatementSpec(short)).toThrow(/principal repaid 300000\.00 CNY is not the principal financed 800000\.00/);
    expect(() => settlementStatementSpec({ ...onTime, allocations: [], totals: ZERO })).toThrow(/principal repaid/);
    // Figures the statement prints side by side.
    expect(() => settlementStatementSpec({ ...late, penaltyCharged: '4400.00' })).toThrow(/penalty collected 4000\.00 CNY is not the penalty charged 4400\.00/);
    expect(() => settlementStatementSpec({ ...late, penaltyDays: 14 })).toThrow(/penalty days 14 must be a whole number from 0 to the 13 days overdue/);
    expect(() => settlementStatementSpec({ ...onTime, terms: { ...onTime.terms, netDisbursement: '788000.00' } })).toThrow(/net disbursement/);
    expect(() => settlementStatementSpec({ ...onTime, payout: { ...onTime.payout!, amount: '788000.00' } })).toThrow(/payout 788000\.00 CNY and 0 netted by recourse must be more than zero and at most the net disbursement 787200\.00/);
  });

  it('continues a long list of repayments over pages, the header repeated and nothing overlapping', async () => {
    // 60 payments: 40 of 10,000.00 and 20 of 20,000.00 repay the 800,000.00 of principal.
    const allocations = Array.from({ length: 60 }, (_, index) => {
      const amount = index < 40 ? '10000.00' : '20000.00';
      return repayment(new Date(Date.UTC(2026, 11, 1 + index, 2)).toISOString(), { collected: amount, principal: amount });
    });
    const many: SettlementStatementData = { ...onTime, allocations, totals: { ...onTime.totals } };
    const bytes = await renderSettlementStatement(many);
    await previewPdf('settlement-statement-long', bytes);
    const pages = await extractPdfText(bytes);
    expect(pages.length).toBeGreaterThan(2);
    pages.forEach((text, index) => expect(text).toContain(`第 ${index + 1} / ${pages.length} 页`));
    const runs = await allRuns(bytes);
    // The time column's dates, page by page: every payment exactly once, in order.
    const datesByPage = runs.map((page) => page.filter((run) => run.x < MARGIN_X + 10 && /^\d{4}-\d{2}-\d{2}$/.test(run.text)).map((run) => run.text));
    expect(datesByPage.flat()).toEqual(allocations.map((line) => line.allocatedAt.toISOString().slice(0, 10)));
    const tablePages = datesByPage.flatMap((dates, index) => (dates.length > 0 ? [index] : []));
    expect(tablePages.length).toBeGreaterThan(1);
    for (const index of tablePages) expect(pages[index]).toContain('收回金额');
    for (const index of tablePages.slice(1)) expect(pages[index]).toContain('还款与分配 Repayments (CNY)（续）');
    expect(compactText(pages.join('\n'))).toContain(compactText('合计 Total 60 笔 payments 800,000.00'));
    for (const page of runs) expectNoOverlaps(page);
  });

  it('has an overlap check that catches text drawn over text', async () => {
    // A check that cannot fail proves nothing: two figures drawn 3 pt apart must be caught.
    const pdf = await PDFDocument.create({ updateMetadata: false });
    const font = await embedDocumentFont(pdf, 'regular', '1,000,000.00 4,000.00');
    const page = pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    page.drawText('1,000,000.00', { x: 100, y: 700, size: 9, font });
    page.drawText('4,000.00', { x: 140, y: 703, size: 9, font });
    const runs = await pdfTextRuns(await pdf.save(), 0);
    expect(() => expectNoOverlaps(runs)).toThrow(/"1,000,000.00" overlaps "4,000.00"/);
    expect(() => expectNoOverlaps(runs.filter((run) => run.text !== '4,000.00'))).not.toThrow();
  });

  it('is byte-for-byte reproducible, and the times of settlement and issue are part of it', async () => {
    const first = await renderSettlementStatement(late);
    expect(first.byteLength).toBeLessThan(100 * 1024);
    expect(sha256Hex(await renderSettlementStatement(structuredClone(late)))).toBe(sha256Hex(first));
    const later = await renderSettlementStatement({ ...late, settledAt: new Date('2027-03-05T02:29:00Z') });
    expect(sha256Hex(later)).not.toBe(sha256Hex(first));
    // Settled when the bank received the money, issued when the financing was settled on the platform, read later.
    const readLater = { ...late, issuedAt: new Date('2027-03-05T17:00:00Z') };
    expect(sha256Hex(await renderSettlementStatement(readLater))).not.toBe(sha256Hex(first));
    expect(settlementStatementSpec(readLater).issuedAt).toEqual(readLater.issuedAt);
  });
});
