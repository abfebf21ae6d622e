import { describe, expect, it } from 'vitest';
import { assertGlyphsDrawn, compactText, extractPdfText, pdfInfo, previewPdf } from '../../../test/support/pdf';
import { type ConfirmationLetterData, confirmationLetterSpec, renderConfirmationLetter } from './confirmation-letter';
import { type RegistrationCertificateData, renderRegistrationCertificate } from './registration-certificate';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';

const SUPPLIER = '深圳市华南精密电子制造有限公司';
const OBLIGOR = '中国东方重工集团股份有限公司';

const registration: RegistrationCertificateData = {
  registrationNumber: 'REG-20260315-000123',
  registeredAt: new Date('2026-03-15T02:30:00Z'),
  supplier: { legalName: SUPPLIER, creditCode: '91440300MA5G8K7X2R' },
  obligor: { legalName: OBLIGOR, creditCode: '91110000100000000X' },
  contractNumber: 'HT-2026-0088',
  currency: 'CNY',
  faceAmount: '800000.00',
  dueDate: '2026-09-15',
  invoices: [
    { code: '044002300111', number: '12345678', amount: '500000.00', issueDate: '2026-03-01' },
    { code: '044002300111', number: '12345679', amount: '300000', issueDate: '2026-03-05' },
  ],
  documentHashes: ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
};

const confirmation: ConfirmationLetterData = {
  ...registration,
  confirmedAmount: '750000.00',
  confirmedAt: new Date('2026-03-20T06:05:00Z'),
  confirmedBy: '王小明',
};

/** 60 invoices of 13,333.33 and one of 0.20: a face amount of 800,000.00 over several pages. */
const manyInvoices = [
  ...Array.from({ length: 60 }, (_, index) => ({ code: `0440023001${String(index).padStart(2, '0')}`, number: String(20_000_000 + index), amount: '13333.33', issueDate: '2026-03-01' })),
  { code: '044002300199', number: '20000099', amount: '0.20', issueDate: '2026-03-02' },
];

describe('registration certificate', () => {
  it('states the registration with the parties, amounts and invoices, readable by a PDF parser', async () => {
    const bytes = await renderRegistrationCertificate(registration);
    await previewPdf('registration-certificate', bytes);
    const pages = await extractPdfText(bytes);
    expect(pages).toHaveLength(1);
    const text = pages[0]!;
    for (const expected of [
      '应收账款登记证明',
      'REG-20260315-000123',
      SUPPLIER,
      OBLIGOR,
      '91440300MA5G8K7X2R',
      'HT-2026-0088',
      'CNY 800,000.00',
      '500,000.00',
      '300,000.00',
      '2026-09-15',
      '2026-03-15 10:30',
      registration.documentHashes[0]!,
      '第 1 / 1 页',
    ]) {
      expect(text).toContain(expected);
    }
    expect(compactText(text)).toContain('一项应收账款在同一时间只有一项有效登记');
    expect(compactText(text)).toContain('Oneasset,oneactiveregistration');
    // The invoices' total row.
    expect(text).toMatch(/合计 Total[\s\S]*2 张 invoices[\s\S]*800,000.00/);
  });

  it('draws the Chinese names with real glyphs', async () => {
    const bytes = await renderRegistrationCertificate(registration);
    await assertGlyphsDrawn(bytes, SUPPLIER);
    await assertGlyphsDrawn(bytes, OBLIGOR);
    await assertGlyphsDrawn(bytes, '应收账款登记证明', { weight: 'bold' });
  });

  it('is small and byte-for-byte reproducible', async () => {
    const first = await renderRegistrationCertificate(registration);
    const second = await renderRegistrationCertificate(structuredClone(registration));
    expect(first.byteLength).toBeLessThan(100 * 1024);
    expect(sha256Hex(second)).toBe(sha256Hex(first));
  });
});

describe('confirmation letter', () => {
  it('confirms the debt of the confirmed amount payable on the due date, and notes the dilution', async () => {
    const bytes = await renderConfirmationLetter(confirmation);
    await previewPdf('confirmation-letter', bytes);
    const pages = await extractPdfText(bytes);
    const text = compactText(pages.join('\n'));
    for (const expected of ['应收账款确认函', 'REG-20260315-000123', SUPPLIER, OBLIGOR, '王小明', 'CNY750,000.00', 'CNY800,000.00', '2026-09-15', '2026-03-2014:05']) {
      expect(text).toContain(compactText(expected));
    }
    expect(text).toContain(compactText(`${OBLIGOR}（债务人）确认`));
    expect(text).toContain(compactText('确认金额 CNY 750,000.00，并将于到期日 2026-09-15'));
    expect(text).toContain(compactText('确认金额低于票面金额'));
    expect(text).toContain(compactText('差额 CNY 50,000.00'));
    await assertGlyphsDrawn(bytes, OBLIGOR);
  });

  it('has no dilution note when the whole face amount is confirmed', () => {
    const spec = confirmationLetterSpec({ ...confirmation, confirmedAmount: '800000' });
    expect(JSON.stringify(spec.sections)).not.toContain('确认金额低于票面金额');
    expect(JSON.stringify(spec.sections)).not.toContain('差额');
  });

  it('refuses to confirm more than the face amount, or nothing', () => {
    expect(() => confirmationLetterSpec({ ...confirmation, confirmedAmount: '800000.01' })).toThrow(/at most the face amount/);
    expect(() => confirmationLetterSpec({ ...confirmation, confirmedAmount: '0' })).toThrow(/must be positive/);
  });

  it('runs 61 invoices over several pages with the table header on each, totals exactly and signs at the end', async () => {
    const bytes = await renderConfirmationLetter({ ...confirmation, invoices: manyInvoices });
    await previewPdf('confirmation-letter-61-invoices', bytes);
    const pages = await extractPdfText(bytes);
    expect(pages.length).toBeGreaterThan(1);
    expect((await pdfInfo(bytes)).pageCount).toBe(pages.length);
    const invoicePages = pages.filter((page) => /0440023001\d\d/.test(page));
    expect(invoicePages.length).toBeGreaterThan(1);
    for (const page of invoicePages) expect(page).toContain('发票代码 Invoice code');
    for (const [index, page] of pages.entries()) expect(page).toContain(`第 ${index + 1} / ${pages.length} 页`);
    const all = pages.join('\n');
    expect(all.match(/0440023001\d\d/g)).toHaveLength(61);
    // 60 × 13,333.33 + 0.20, summed as decimals.
    expect(all).toMatch(/61 张 invoices[\s\S]*800,000.00/);
    expect(pages.at(-1)).toContain('签章 Signature / Seal');
  });
});
