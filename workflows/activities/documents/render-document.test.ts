import { readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { decodePDFRawStream, PDFDict, PDFDocument, PDFName, PDFRawStream, type PDFRef, setTextRenderingMode, TextRenderingMode } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { assertGlyphsDrawn, checkGlyphs, compactText, extractPdfText, pdfInfo, pdfTextRuns, previewPdf } from '../../../test/support/pdf';
import { embedDocumentFont, FONT_FILES } from './document-fonts';
import { MARGIN_X, PAGE_WIDTH } from './document-layout';
import { type DocumentSpec, PRODUCER, renderDocument } from './render-document';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';

const NAME = '深圳市华南精密电子制造有限公司';
const NOTES = '本文件用于验证中文与 Latin text 的混合排版，包括自动换行 (wrapping) 与分页。'.repeat(6);

const spec: DocumentSpec = {
  title: '测试文件',
  subtitle: 'Test Document',
  reference: 'DOC-2026-000001',
  issuedAt: new Date('2026-03-15T02:30:00Z'),
  sections: [
    { kind: 'fields', heading: '当事人 Parties', rows: [{ label: '债权人 Creditor', value: NAME }] },
    {
      kind: 'paragraph',
      heading: '说明 Notes',
      text: NOTES,
    },
    {
      kind: 'table',
      heading: '明细 Lines',
      columns: [
        { header: '序号 No.', width: 1, align: 'right' },
        { header: '项目 Item', width: 4 },
        { header: '金额 Amount', width: 2, align: 'right' },
      ],
      rows: Array.from({ length: 60 }, (_, index) => [String(index + 1), `项目 Item ${index + 1}`, '1,000.00']),
      footer: ['', '合计 Total', '60,000.00'],
    },
    { kind: 'signatures', parties: [{ role: '债权人 Creditor', name: NAME }, { role: '债务人 Obligor', name: '中国东方重工集团股份有限公司', signedAt: '2026-03-15' }] },
  ],
  footerNote: '测试脚注 Test footnote.',
};

/**
 * The failure the glyph check exists for, reproduced on purpose: pdf-lib's own subsetter
 * (`subset: true`) on Noto Sans SC keeps the text mapping but loses the outlines of most
 * Chinese glyphs. Text extraction cannot tell; the rendered page can.
 */
async function brokenDocument(text: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(fontkit);
  const font = await pdf.embedFont(readFileSync(FONT_FILES.regular), { subset: true, features: { liga: false } });
  pdf.addPage([595.28, 841.89]).drawText(text, { x: 56, y: 700, size: 10, font });
  return pdf.save();
}

/**
 * A wrong glyph: the document draws "华南" but its text map swaps the two characters, so
 * extraction reads "南华" while the page shows "华南" (what a font with a broken cmap or a
 * mis-numbered subset does). Built by rewriting the ToUnicode map of a correct document.
 */
async function swappedTextMap(drawn: string, a: string, b: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  const font = await embedDocumentFont(pdf, 'regular', drawn);
  pdf.addPage([595.28, 841.89]).drawText(drawn, { x: 56, y: 700, size: 10, font });
  const loaded = await PDFDocument.load(await pdf.save());
  const hex = (char: string) => (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  for (const [, object] of loaded.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of('Subtype')) !== PDFName.of('Type0')) continue;
    const ref = object.get(PDFName.of('ToUnicode')) as PDFRef;
    const stream = loaded.context.lookup(ref);
    if (!(stream instanceof PDFRawStream)) throw new Error('ToUnicode is not a raw stream');
    const cmap = new TextDecoder().decode(decodePDFRawStream(stream).decode());
    const swapped = cmap.replaceAll(`<${hex(a)}>`, '<TMP>').replaceAll(`<${hex(b)}>`, `<${hex(a)}>`).replaceAll('<TMP>', `<${hex(b)}>`);
    expect(swapped).not.toBe(cmap);
    loaded.context.assign(ref, loaded.context.flateStream(swapped));
  }
  return loaded.save();
}

describe('renderDocument', () => {
  it('gives the same bytes for the same spec, and a different digest when anything changes', async () => {
    const first = await renderDocument(spec);
    const second = await renderDocument({ ...spec, sections: [...spec.sections] });
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(sha256Hex(second)).toBe(sha256Hex(first));
    expect(sha256Hex(first)).toMatch(/^[0-9a-f]{64}$/);
    const later = await renderDocument({ ...spec, issuedAt: new Date('2026-03-15T02:31:00Z') });
    expect(sha256Hex(later)).not.toBe(sha256Hex(first));
    await previewPdf('render-document', first);
  });

  it('breaks pages, repeats the table header on each page and numbers the pages', async () => {
    const bytes = await renderDocument(spec);
    const pages = await extractPdfText(bytes);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((text, index) => {
      expect(text).toContain(`第 ${index + 1} / ${pages.length} 页`);
      expect(text).toContain('编号 No. DOC-2026-000001');
      expect(text).toContain('测试脚注 Test footnote.');
    });
    const pagesWithRows = pages.filter((text) => /项目 Item \d+/.test(text));
    expect(pagesWithRows.length).toBeGreaterThan(1);
    for (const text of pagesWithRows) expect(text).toContain('序号 No.');
    expect(pagesWithRows.slice(1).every((text) => text.includes('明细 Lines（续）'))).toBe(true);
    // Every row is there exactly once, in order, and the total closes the table.
    const all = pages.join('\n');
    const items = [...all.matchAll(/项目 Item (\d+)/g)].map((match) => Number(match[1]));
    expect(items).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
    expect(all).toContain('60,000.00');
    expect(compactText(all)).toContain(compactText(NOTES));
  });

  it('keeps every line inside the margins', async () => {
    const bytes = await renderDocument(spec);
    const { pageCount } = await pdfInfo(bytes);
    for (let index = 0; index < pageCount; index++) {
      for (const run of await pdfTextRuns(bytes, index)) {
        expect(run.x).toBeGreaterThanOrEqual(MARGIN_X - 0.01);
        expect(run.x + run.width).toBeLessThanOrEqual(PAGE_WIDTH - MARGIN_X + 0.01);
      }
    }
  });

  it('right-aligns numeric columns', async () => {
    const runs = await pdfTextRuns(await renderDocument(spec), 0);
    const amounts = runs.filter((run) => run.text === '1,000.00');
    expect(amounts.length).toBeGreaterThan(1);
    const rightEdges = new Set(amounts.map((run) => (run.x + run.width).toFixed(1)));
    expect(rightEdges.size).toBe(1);
  });

  it('splits a value taller than a page between lines instead of clipping it', async () => {
    const value = Array.from({ length: 120 }, (_, index) => `第 ${index + 1} 行 line ${index + 1}`).join('\n');
    const bytes = await renderDocument({ ...spec, sections: [{ kind: 'fields', heading: '长值 Long value', rows: [{ label: '内容 Content', value }] }] });
    const pages = await extractPdfText(bytes);
    expect(pages.length).toBeGreaterThan(1);
    const lines = [...pages.join('\n').matchAll(/第 (\d+) 行 line \1/g)].map((match) => Number(match[1]));
    expect(lines).toEqual(Array.from({ length: 120 }, (_, index) => index + 1));
    expect(pages[1]).toContain('长值 Long value（续）');
  });

  it('writes the metadata: title, subject, producer, dates from issuedAt', async () => {
    const { info } = await pdfInfo(await renderDocument(spec));
    expect(info).toMatchObject({
      Title: '测试文件 Test Document',
      Subject: '测试文件 DOC-2026-000001',
      Producer: PRODUCER,
      Creator: PRODUCER,
      CreationDate: 'D:20260315023000Z',
      ModDate: 'D:20260315023000Z',
      Language: 'zh-CN',
    });
  });

  it('refuses characters the font cannot draw instead of printing boxes', async () => {
    await expect(renderDocument({ ...spec, title: '测试 \u{1F600}' })).rejects.toThrow(/no glyph for "\u{1F600}" \(U\+1F600\)/u);
  });

  it('refuses a table row whose cells do not match its columns', async () => {
    const table = { kind: 'table' as const, columns: [{ header: 'A', width: 1 }], rows: [['1', '2']] };
    await expect(renderDocument({ ...spec, sections: [table] })).rejects.toThrow(/2 cells for 1 columns/);
  });
});

describe('glyph check', () => {
  it('accepts Chinese drawn with the subset font, regular and bold', async () => {
    const bytes = await renderDocument(spec);
    const regular = await assertGlyphsDrawn(bytes, NAME);
    expect(regular.glyphs).toHaveLength([...NAME].length);
    expect(regular.minSimilarity).toBeGreaterThan(0.85);
    const { pageCount } = await pdfInfo(bytes);
    // The signatures land on the last page, with the names in bold.
    await assertGlyphsDrawn(bytes, '中国东方重工集团股份有限公司', { pageIndex: pageCount - 1, weight: 'bold' });
  });

  it('rejects a document whose glyphs are broken although its text extracts correctly', async () => {
    const broken = await brokenDocument(NAME);
    // Extraction is fooled: the text is all there ...
    expect((await extractPdfText(broken))[0]).toContain(NAME);
    // ... but the page shows blanks, and the check says which characters.
    const check = await checkGlyphs(broken, NAME);
    expect(check.problems.length).toBeGreaterThan(0);
    await expect(assertGlyphsDrawn(broken, NAME)).rejects.toThrow(/not drawn correctly/);
  });

  it('rejects text that is present but not painted', async () => {
    // The same font pipeline as every document, with the text rendering mode set to invisible
    // (as an OCR layer is): extraction finds the name, the page shows nothing.
    const pdf = await PDFDocument.create({ updateMetadata: false });
    const font = await embedDocumentFont(pdf, 'regular', NAME);
    const page = pdf.addPage([595.28, 841.89]);
    page.pushOperators(setTextRenderingMode(TextRenderingMode.Invisible));
    page.drawText(NAME, { x: 56, y: 700, size: 10, font });
    const invisible = await pdf.save();
    expect((await extractPdfText(invisible))[0]).toContain(NAME);
    const check = await checkGlyphs(invisible, NAME);
    expect(check.glyphs.every((glyph) => glyph.ink < 0.05)).toBe(true);
    await expect(assertGlyphsDrawn(invisible, NAME)).rejects.toThrow(/is blank/);
  });

  it('rejects glyphs of the wrong shape', async () => {
    const wrong = await swappedTextMap('华南精密', '华', '南');
    expect((await extractPdfText(wrong))[0]).toContain('南华精密');
    const check = await checkGlyphs(wrong, '南华精密');
    expect(check.problems.map((problem) => problem.slice(0, 3))).toEqual(['"南"', '"华"']);
    await expect(assertGlyphsDrawn(wrong, '南华精密')).rejects.toThrow(/does not look like itself/);
  });
});
