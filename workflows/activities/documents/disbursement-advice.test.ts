import { describe, expect, it } from 'vitest';
import { assertGlyphsDrawn, compactText, extractPdfText, previewPdf } from '../../../test/support/pdf';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';
import { FINANCING_DOCUMENT, FUNDER, SUPPLIER } from '../../../test/support/financing-document-fixture';
import { disbursementAdviceSpec, renderDisbursementAdvice, type DisbursementAdviceData } from './disbursement-advice';

/**
 * The hand-computed case of docs/pricing.md, approved 3 days after the application: quoted on
 * 2026-11-22 for 90 days (interest 12,000.00, net 787,200.00), disbursed on 2026-11-25 for 87
 * days (800,000.00 × 6% × 87 / 360 = 11,600.00, net 787,600.00, 0.066053 a year all in).
 */
const repriced: DisbursementAdviceData = {
  ...FINANCING_DOCUMENT,
  terms: { ...FINANCING_DOCUMENT.terms, valueDate: '2026-11-25', tenorDays: 87, interest: '11600.00', netDisbursement: '787600.00', effectiveAnnualRate: '0.066053' },
  disbursedAt: new Date('2026-11-25T02:10:00Z'),
  quoted: {
    valueDate: '2026-11-22',
    tenorDays: 90,
    interest: '12000.00',
    fees: '800.00',
    netDisbursement: '787200.00',
    repaymentAtMaturity: '800000.00',
    effectiveAnnualRate: '0.065944',
  },
  advance: '788400.00',
  payout: { reference: 'FIN-2026-00000012-P1', beneficiaryName: SUPPLIER, maskedAccountNumber: '**** 6688', bankName: '中国工商银行深圳华强支行', amount: '787600.00' },
};

async function compactPages(bytes: Uint8Array): Promise<string> {
  return compactText((await extractPdfText(bytes)).join('\n'));
}

describe('disbursement advice', () => {
  it('prints the final figures of the day the money moved beside the quote', async () => {
    const bytes = await renderDisbursementAdvice(repriced);
    await previewPdf('disbursement-advice', bytes);
    const text = await compactPages(bytes);
    for (const expected of [
      '放款通知书',
      'Disbursement Advice',
      'FIN-2026-00000012',
      SUPPLIER,
      FUNDER,
      '2026-11-25 10:10',
      '起息日 Value date 2026-11-22 2026-11-25 3 天 days later',
      '期限 Tenor 90 天 days 87 天 days −3 天 days',
      '利息 Interest 12,000.00 11,600.00 −400.00',
      '实际放款金额 Net disbursement 787,200.00 787,600.00 +400.00',
      'CNY 11,600.00',
      'CNY 787,600.00',
      'CNY 788,400.00',
      '6.6053%',
      '转让人不承担放款前的利息',
      'the supplier pays no interest for days before the money moved',
      'FIN-2026-00000012-P1',
      '**** 6688',
    ]) {
      expect(text).toContain(compactText(expected));
    }
    await assertGlyphsDrawn(bytes, '放款通知书', { weight: 'bold' });
    await assertGlyphsDrawn(bytes, FUNDER);
  });

  it('says the final figures are the quoted ones when the money moved on the quoted day', () => {
    const onTheDay: DisbursementAdviceData = {
      ...repriced,
      terms: FINANCING_DOCUMENT.terms,
      quoted: { ...repriced.quoted, valueDate: '2026-11-22' },
      advance: '788000.00',
      payout: { ...repriced.payout!, amount: '787200.00' },
    };
    const spec = JSON.stringify(disbursementAdviceSpec(onTheDay).sections);
    expect(spec).toContain('the final figures are the quoted ones');
    expect(spec).not.toContain('repriced');
  });

  it('refuses figures that do not add up, fees that moved with the tenor, and money moving before the quoted day', () => {
    expect(() => disbursementAdviceSpec({ ...repriced, terms: { ...repriced.terms, netDisbursement: '787200.00' } })).toThrow(/net disbursement/);
    expect(() => disbursementAdviceSpec({ ...repriced, quoted: { ...repriced.quoted, tenorDays: 87 } })).toThrow(/tenor/);
    expect(() => disbursementAdviceSpec({ ...repriced, quoted: { ...repriced.quoted, valueDate: '2026-11-26', tenorDays: 86 } })).toThrow(/before the quoted value date/);
    expect(() => disbursementAdviceSpec({ ...repriced, quoted: { ...repriced.quoted, fees: '900.00', netDisbursement: '787100.00' } })).toThrow(/fees/);
    expect(() => disbursementAdviceSpec({ ...repriced, advance: '788000.00' })).toThrow(/advance/);
    expect(() => disbursementAdviceSpec({ ...repriced, payout: { ...repriced.payout!, amount: '787200.00' } })).toThrow(/payout/);
  });

  it('tells the supplier to register a payout account when it had none', () => {
    const spec = JSON.stringify(disbursementAdviceSpec({ ...repriced, payout: null }).sections);
    expect(spec).toContain('The supplier has no payout account registered');
  });

  it('is byte-for-byte reproducible', async () => {
    const first = await renderDisbursementAdvice(repriced);
    expect(sha256Hex(await renderDisbursementAdvice(structuredClone(repriced)))).toBe(sha256Hex(first));
  });
});
