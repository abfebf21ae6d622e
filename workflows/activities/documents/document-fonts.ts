import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import type { PDFDocument, PDFFont } from 'pdf-lib';
import { describeCharacter } from '../../../domain/printable-text';
import { createFontSubsetter } from './font-subsetter';

const require = createRequire(import.meta.url);

/**
 * Noto Sans SC as TrueType, shipped inside an npm package so that nothing is fetched at run
 * time. The files are the full fonts (about 10 MB each, every Chinese character in GB 18030
 * plus Latin); each document embeds a subset of them.
 */
export const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
} as const;

export type FontWeight = keyof typeof FONT_FILES;

const POSTSCRIPT_NAMES: Record<FontWeight, string> = { regular: 'NotoSansSC-Regular', bold: 'NotoSansSC-Bold' };

// The full fonts are read once per process: 20 MB of file reads per document would cost
// more than the rendering itself.
const fontFiles = new Map<FontWeight, Promise<Buffer>>();

function fontFile(weight: FontWeight): Promise<Buffer> {
  let file = fontFiles.get(weight);
  if (file === undefined) {
    file = readFile(FONT_FILES[weight]);
    // A failed read must not be cached: the next document would fail for the same stale reason.
    file.catch(() => fontFiles.delete(weight));
    fontFiles.set(weight, file);
  }
  return file;
}

// The layout tables go. fontkit applies GSUB features when pdf-lib measures and encodes text,
// and Noto Sans SC's 'locl' swaps the digits of Latin-script runs for alternate glyphs that no
// character maps to: pdf-lib then writes no ToUnicode entry for them and "2026" extracts as
// garbage. Without GSUB every drawn glyph is the one the character maps to; GPOS (kerning) is
// never used by pdf-lib's drawing. Dropping both also keeps HarfBuzz's layout closure from
// pulling in hundreds of alternates: a one-page certificate's font shrinks from 40 KB to 20 KB.
export const DROPPED_TABLES = ['GSUB', 'GPOS'] as const;

// Each weight is read and parsed by HarfBuzz once per process (font-subsetter.ts).
const subsetter = createFontSubsetter<FontWeight>(fontFile, { dropTables: DROPPED_TABLES });

/**
 * A PDF subset tag (six capital letters, ISO 32000-1 9.6.4) derived from the characters, so
 * that the same text always gives the same font name and the same bytes.
 */
function subsetTag(characters: string): string {
  const digest = createHash('sha256').update(characters).digest();
  return Array.from(digest.subarray(0, 6), (byte) => String.fromCharCode(65 + (byte % 26))).join('');
}

function charactersOf(text: string): string {
  return [...new Set(text)].filter((char) => char !== '\n').sort().join('');
}

/**
 * Embeds Noto Sans SC cut down to exactly `text`'s characters.
 *
 * The subset is made by HarfBuzz (hb-subset, the WebAssembly build subset-font also uses) and
 * embedded whole (`subset: false`): pdf-lib's own subsetter (fontkit's) loses the outlines of
 * most CJK glyphs, leaving blanks that text extraction cannot notice. `liga: false` keeps "fi"
 * as two glyphs (the ligature would lose its text mapping) should a font with GSUB ever be used.
 *
 * A character the font lacks would be drawn as an empty box on a legal document, so it is
 * refused here, naming the characters. Text that users type is refused such characters when it
 * is entered (domain/printable-text.ts), so this is a last guard, not the way input is checked.
 */
export async function embedDocumentFont(pdf: PDFDocument, weight: FontWeight, text: string): Promise<PDFFont> {
  const characters = charactersOf(text);
  const subset = await subsetter.subset(weight, characters);
  pdf.registerFontkit(fontkit);
  const font = await pdf.embedFont(subset, {
    subset: false,
    features: { liga: false },
    customName: `${subsetTag(characters)}+${POSTSCRIPT_NAMES[weight]}`,
  });
  const available = new Set(font.getCharacterSet());
  const missing = [...characters].filter((char) => !available.has(char.codePointAt(0) ?? 0));
  if (missing.length > 0) {
    throw new RangeError(`Noto Sans SC has no glyph for ${missing.map(describeCharacter).join(', ')}`);
  }
  return font;
}
