import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_FONT_CHARACTERS } from '../../../domain/document-font-characters';
import { embedDocumentFont, FONT_FILES, type FontWeight } from './document-fonts';
import { documentFontCoverage } from './document-font-coverage';

// Input is checked against domain/document-font-characters.ts, a table of the characters the
// documents' font prints, because the domain reads no files. The table must be the font's: a
// character it lists that the font lacks would be accepted and then stop every document naming
// it; one it misses would refuse a name the documents print. When the font package changes,
// `npx tsx scripts/generate-document-font-characters.ts` writes the table again.

describe("the table of the documents' characters", () => {
  it("is the characters the font's cmap maps in every weight", async () => {
    expect(DOCUMENT_FONT_CHARACTERS).toEqual(await documentFontCoverage());
  });

  it('lists only characters that the documents embed and draw, in every weight', async () => {
    const codePoints: number[] = [];
    for (let index = 0; index < DOCUMENT_FONT_CHARACTERS.length; index += 2) {
      for (let codePoint = DOCUMENT_FONT_CHARACTERS[index]!; codePoint <= DOCUMENT_FONT_CHARACTERS[index + 1]!; codePoint += 1) codePoints.push(codePoint);
    }
    const text = codePoints.map((codePoint) => String.fromCodePoint(codePoint)).join('');
    const pdf = await PDFDocument.create();
    for (const weight of Object.keys(FONT_FILES) as FontWeight[]) {
      const font = await embedDocumentFont(pdf, weight, text);
      expect(() => font.encodeText(text)).not.toThrow();
    }
  });
});
