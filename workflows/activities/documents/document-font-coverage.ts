import { readFile } from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';
import { FONT_FILES, type FontWeight } from './document-fonts';

/**
 * The characters every weight of the documents' font maps to a glyph, read from the fonts' cmap
 * with fontkit (the library pdf-lib embeds them with), as ranges: [first, last, first, last, …]
 * in ascending code points. A name is drawn in both weights (bold in signature blocks), so only
 * the characters both have count. domain/document-font-characters.ts is this table, committed.
 */
export async function documentFontCoverage(): Promise<number[]> {
  const weights = Object.keys(FONT_FILES) as FontWeight[];
  const sets = await Promise.all(weights.map(async (weight) => new Set(fontkit.create(await readFile(FONT_FILES[weight])).characterSet)));
  const [first, ...others] = sets;
  const codePoints = [...first!].filter((codePoint) => others.every((set) => set.has(codePoint))).sort((a, b) => a - b);
  const ranges: number[] = [];
  for (const codePoint of codePoints) {
    if (ranges.length > 0 && ranges[ranges.length - 1] === codePoint - 1) ranges[ranges.length - 1] = codePoint;
    else ranges.push(codePoint, codePoint);
  }
  return ranges;
}
