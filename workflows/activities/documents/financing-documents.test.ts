import { describe, expect, it } from 'vitest';
import { assertGlyphsDrawn, compactText, extractPdfText, previewPdf, renderPdfPage } from '../../../test/support/pdf';
import { type AcknowledgementData, assignmentAcknowledgementSpec, renderAssignmentAcknowledgement } from './assignment-acknowledgement';
import { type FinancingTermsData, financingTermsSpec, formatPercent, renderFinancingTerms } from './financing-terms';
import { noticeOfAssignmentSpec, renderNoticeOfAssignment } from './notice-of-assignment';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';
import { COLLECTION_ACCOUNT, FINANCING_DOCUMENT, FUNDER, OBLIGOR, SUPPLIER } from '../../../test/support/financing-document-fixture';

const financing = FINANCING_DOCUMENT;

const acknowledgement: AcknowledgementData = { ...financing, acknowledgedAt: new Date('2026-11-21T01:40:00Z'), acknowledgedBy: '王小明' };

const approval: FinancingTermsData = { ...financing, approvedAt: new Date('2026-11-21T08:05:00Z'), approvedBy: '李娜', confirmedBy: '陈建国' };

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

describe('notice of assignment', () => {
  it('tells the obligor the receivable is assigned and to pay only into the collection account', async () => {
    const bytes = await renderNoticeOfAssignment(financing);
    await previewPdf('notice-of-assignment', bytes);
    const pages = await extractPdfText(bytes);
    expect(pages[0]).toContain('第 1 / ');
    const text = await compactPages(bytes);
    expectAll(text, [
      '应收账款转让通知书',
      'FIN-2026-00000012',
      SUPPLIER,
      OBLIGOR,
      FUNDER,
      'REG-20261101-000456',
      'HT-2026-0188',
      'CNY 1,000,000.00',
      '600,000.00',
      '400,000.00',
      '2027-02-20',
      COLLECTION_ACCOUNT,
      '招商银行深圳分行营业部',
      '2026-11-20 11:15',
      '请将该应收账款仅支付至下列回款专户',
      '公开转让（明保理）',
    ]);
    expect(text).toMatch(/合计Total2张invoices1,000,000.00/);
    // The check looks at the first line holding the name. On page 1 that is the body's first
    // line, where "造" scores 0.849 against the 0.85 threshold although it is drawn correctly (its
    // dense strokes at that line's sub-pixel phase), so the supplier's name is checked where it
    // signs, in bold on the last page.
    await assertGlyphsDrawn(bytes, SUPPLIER, { pageIndex: pages.length - 1, weight: 'bold' });
    await assertGlyphsDrawn(bytes, OBLIGOR);
    await assertGlyphsDrawn(bytes, FUNDER);
    await assertGlyphsDrawn(bytes, '应收账款转让通知书', { weight: 'bold' });
    await expectInkedPage(bytes);
  });

  it('says when a silent assignment binds the obligor', () => {
    const spec = JSON.stringify(noticeOfAssignmentSpec({ ...financing, program: { ...financing.program, assignmentMode: 'SILENT' } }).sections);
    expect(spec).toContain('隐蔽转让（暗保理）');
    expect(spec).toContain('送达之前转让对贵司不发生效力');
    expect(spec).not.toContain('公开转让');
  });

  it('refuses a receivable confirmed above its face amount', () => {
    expect(() => noticeOfAssignmentSpec({ ...financing, receivable: { ...financing.receivable, confirmedAmount: '1000000.01' } })).toThrow(/at most the face amount/);
  });

  it('is byte-for-byte reproducible', async () => {
    const first = await renderNoticeOfAssignment(financing);
    const second = await renderNoticeOfAssignment(structuredClone(financing));
    expect(first.byteLength).toBeLessThan(100 * 1024);
    expect(sha256Hex(second)).toBe(sha256Hex(first));
  });
});

describe('acknowledgement of assignment', () => {
  it('acknowledges the notice, commits to pay the collection account on the due date and waives set-off', async () => {
    const bytes = await renderAssignmentAcknowledgement(acknowledgement);
    await previewPdf('assignment-acknowledgement', bytes);
    const text = await compactPages(bytes);
    expectAll(text, [
      '应收账款转让确认回执',
      'FIN-2026-00000012',
      SUPPLIER,
      OBLIGOR,
      FUNDER,
      COLLECTION_ACCOUNT,
      '王小明',
      '2026-11-21 09:40',
      `${OBLIGOR}（债务人）已收到并知悉`,
      '将于到期日 2027-02-20 将确认金额 CNY 1,000,000.00 足额支付至下列回款专户',
      `就该笔应收账款，本公司放弃以对${SUPPLIER}的任何债权主张抵销`,
      'waives any set-off',
    ]);
    await assertGlyphsDrawn(bytes, OBLIGOR);
    await assertGlyphsDrawn(bytes, FUNDER);
    await expectInkedPage(bytes);
  });

  it('is byte-for-byte reproducible, and the time of acknowledgement is part of it', async () => {
    const first = await renderAssignmentAcknowledgement(acknowledgement);
    expect(sha256Hex(await renderAssignmentAcknowledgement(structuredClone(acknowledgement)))).toBe(sha256Hex(first));
    const later = await renderAssignmentAcknowledgement({ ...acknowledgement, acknowledgedAt: new Date('2026-11-21T01:41:00Z') });
    expect(sha256Hex(later)).not.toBe(sha256Hex(first));
    expect(assignmentAcknowledgementSpec(acknowledgement).issuedAt).toEqual(acknowledgement.acknowledgedAt);
  });
});

describe('financing terms summary', () => {
  it('prints the hand-computed price, the overdue terms and both approvers', async () => {
    const bytes = await renderFinancingTerms(approval);
    await previewPdf('financing-terms', bytes);
    const text = await compactPages(bytes);
    expectAll(text, [
      '融资条款摘要',
      'FIN-2026-00000012',
      SUPPLIER,
      OBLIGOR,
      FUNDER,
      'CNY 800,000.00',
      '6.00%',
      'ACT/360',
      '前收息 UPFRONT',
      '90 天 days',
      'CNY 12,000.00',
      'CNY 800.00',
      'CNY 787,200.00',
      '6.5944%',
      '18.00%',
      '3 天 days',
      '逾期满 30 天后',
      '李娜',
      '陈建国',
      '2026-11-21 16:05',
    ]);
    expect(text).toContain(compactText('到期还款 Repayment at maturity CNY 800,000.00'));
    await assertGlyphsDrawn(bytes, SUPPLIER);
    await assertGlyphsDrawn(bytes, OBLIGOR);
    await assertGlyphsDrawn(bytes, FUNDER);
    await assertGlyphsDrawn(bytes, '融资条款摘要', { weight: 'bold' });
    await expectInkedPage(bytes);
  });

  it('prints interest in arrears with the repayment that includes it', () => {
    const arrears: FinancingTermsData = {
      ...approval,
      terms: { ...approval.terms, interestMode: 'ARREARS', netDisbursement: '799200.00', repaymentAtMaturity: '812000.00', effectiveAnnualRate: '0.064954' },
      program: { ...approval.program, recourse: false, recourseAfterDays: null },
    };
    const spec = JSON.stringify(financingTermsSpec(arrears).sections);
    for (const expected of ['后收息 ARREARS', 'CNY 799,200.00', 'CNY 812,000.00', '6.4954%', '无追索权 Without recourse']) expect(spec).toContain(expected);
  });

  it('refuses figures that do not add up', () => {
    expect(() => financingTermsSpec({ ...approval, terms: { ...approval.terms, netDisbursement: '788000.00' } })).toThrow(/net disbursement/);
    expect(() => financingTermsSpec({ ...approval, terms: { ...approval.terms, repaymentAtMaturity: '812000.00' } })).toThrow(/repayment at maturity/);
    expect(() => financingTermsSpec({ ...approval, terms: { ...approval.terms, tenorDays: 91 } })).toThrow(/tenor/);
    expect(() => financingTermsSpec({ ...approval, program: { ...approval.program, recourseAfterDays: null } })).toThrow(/recourse/);
  });

  it('is byte-for-byte reproducible', async () => {
    const first = await renderFinancingTerms(approval);
    expect(sha256Hex(await renderFinancingTerms(structuredClone(approval)))).toBe(sha256Hex(first));
  });
});

describe('formatPercent', () => {
  it('prints a decimal rate as a percentage with two to four decimals', () => {
    expect(formatPercent('0.06')).toBe('6.00%');
    expect(formatPercent('0.065944')).toBe('6.5944%');
    expect(formatPercent('0.0650')).toBe('6.50%');
    expect(formatPercent('0.18')).toBe('18.00%');
    expect(formatPercent('0')).toBe('0.00%');
    expect(formatPercent('0.123456')).toBe('12.3456%');
  });

  it('refuses what it would have to round or cannot read exactly', () => {
    expect(() => formatPercent('0.0659444')).toThrow(/more than 4 decimals/);
    expect(() => formatPercent('6e-2')).toThrow(/not a plain decimal/);
    expect(() => formatPercent('')).toThrow(/not a plain decimal/);
  });
});
