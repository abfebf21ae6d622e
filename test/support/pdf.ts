import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api';
import { expect } from 'vitest';
import { FONT_FILES, type FontWeight } from '../../workflows/activities/documents/document-fonts';
import { MARGIN_X, PAGE_WIDTH } from '../../workflows/activities/documents/document-layout';

// Helpers to test generated PDFs the way a reader meets them: the text a machine extracts,
// and the pixels a person sees. Both matter: a PDF whose font lost its outlines still
// extracts the right text (the ToUnicode map is intact) while printing blanks or boxes, so
// only the rendered page proves that Chinese is really drawn. Rendering is pdf.js (the
// engine of Firefox's viewer) drawing onto @napi-rs/canvas (Skia), all from npm.

/** Opens a PDF with pdf.js; the caller destroys it. The bytes are copied: pdf.js detaches its input. */
async function openPdf(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  return getDocument({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false, useSystemFonts: false }).promise;
}

async function withPdf<T>(bytes: Uint8Array, use: (pdf: PDFDocumentProxy) => Promise<T>): Promise<T> {
  const pdf = await openPdf(bytes);
  try {
    return await use(pdf);
  } finally {
    await pdf.destroy();
  }
}

function isTextItem(item: unknown): item is TextItem {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

/** One run of text as pdf.js reports it, in PDF units (origin bottom left). */
export interface TextRun {
  text: string;
  x: number;
  /** The baseline. */
  y: number;
  fontSize: number;
  width: number;
}

export async function pdfTextRuns(bytes: Uint8Array, pageIndex: number): Promise<TextRun[]> {
  return withPdf(bytes, async (pdf) => {
    const page = await pdf.getPage(pageIndex + 1);
    const content = await page.getTextContent();
    return content.items.filter(isTextItem).map((item) => {
      const [, , c = 0, d = 0, x = 0, y = 0] = item.transform as number[];
      return { text: item.str, x, y, fontSize: Math.hypot(c, d), width: item.width };
    });
  });
}

/** The text of each page, one string per page, runs joined with line breaks as pdf.js marks them. */
export async function extractPdfText(bytes: Uint8Array): Promise<string[]> {
  return withPdf(bytes, async (pdf) => {
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const content = await (await pdf.getPage(number)).getTextContent();
      pages.push(
        content.items
          .filter(isTextItem)
          .map((item) => item.str + (item.hasEOL ? '\n' : ''))
          .join(''),
      );
    }
    return pages;
  });
}

/** Text with all whitespace removed: wrapped lines can then be searched across line ends. */
export function compactText(text: string): string {
  return text.replace(/\s+/g, '');
}

export interface PdfInfo {
  pageCount: number;
  info: Record<string, unknown>;
}

export async function pdfInfo(bytes: Uint8Array): Promise<PdfInfo> {
  return withPdf(bytes, async (pdf) => {
    const { info } = await pdf.getMetadata();
    return { pageCount: pdf.numPages, info: info as Record<string, unknown> };
  });
}

export interface RenderedPage {
  /** The page as a PNG, encoded on first use. */
  readonly png: Buffer;
  /** Pixels, RGBA, row by row. */
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  scale: number;
  /** Converts a point in PDF units to a pixel position on this rendering. */
  toPixel: (x: number, y: number) => [number, number];
}

/** Renders one page (0-based) at `scale` pixels per PDF point (2 is 144 dpi) on a white background. */
export async function renderPdfPage(bytes: Uint8Array, pageIndex = 0, scale = 2): Promise<RenderedPage> {
  return withPdf(bytes, async (pdf) => {
    const page = await pdf.getPage(pageIndex + 1);
    const viewport = page.getViewport({ scale });
    const width = Math.ceil(viewport.width);
    const height = Math.ceil(viewport.height);
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await page.render({ canvas: canvas as never, viewport }).promise;
    const rgba = context.getImageData(0, 0, width, height).data;
    // Encoding a page as PNG takes longer than rendering it; only previews need it.
    let png: Buffer | undefined;
    return {
      get png() {
        png ??= canvas.toBuffer('image/png');
        return png;
      },
      rgba,
      width,
      height,
      scale,
      toPixel: (x, y) => viewport.convertToViewportPoint(x, y) as [number, number],
    };
  });
}

/**
 * Writes PNGs of every page to $PDF_PREVIEW_DIR when it is set, so a person can look at what a
 * test rendered (`PDF_PREVIEW_DIR=/tmp/pdf npx vitest run workflows/activities/documents`).
 * Does nothing otherwise: tests leave no files behind.
 */
export async function previewPdf(name: string, bytes: Uint8Array, scale = 1.5): Promise<void> {
  const dir = process.env.PDF_PREVIEW_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const { pageCount } = await pdfInfo(bytes);
  for (let index = 0; index < pageCount; index++) {
    writeFileSync(join(dir, `${name}-p${index + 1}.png`), (await renderPdfPage(bytes, index, scale)).png);
  }
  writeFileSync(join(dir, `${name}.pdf`), bytes);
}

// --- Glyph check -------------------------------------------------------------------------

/** Ink per pixel, 0 (white) to 1 (black), from RGBA. */
function inkOf(rgba: Uint8ClampedArray, width: number, left: number, top: number, cellWidth: number, cellHeight: number): Float64Array {
  const ink = new Float64Array(cellWidth * cellHeight);
  for (let row = 0; row < cellHeight; row++) {
    for (let column = 0; column < cellWidth; column++) {
      const offset = ((top + row) * width + (left + column)) * 4;
      const alpha = (rgba[offset + 3] ?? 0) / 255;
      const luminance = 0.299 * (rgba[offset] ?? 255) + 0.587 * (rgba[offset + 1] ?? 255) + 0.114 * (rgba[offset + 2] ?? 255);
      ink[row * cellWidth + column] = (alpha * (255 - luminance)) / 255;
    }
  }
  return ink;
}

/** Normalised cross-correlation: 1 for the same picture, about 0 for unrelated ones, 0 when either is blank. */
function correlation(a: Float64Array, b: Float64Array): number {
  let meanA = 0;
  let meanB = 0;
  for (let index = 0; index < a.length; index++) {
    meanA += a[index] ?? 0;
    meanB += b[index] ?? 0;
  }
  meanA /= a.length;
  meanB /= b.length;
  let product = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let index = 0; index < a.length; index++) {
    const da = (a[index] ?? 0) - meanA;
    const db = (b[index] ?? 0) - meanB;
    product += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  return varianceA === 0 || varianceB === 0 ? 0 : product / Math.sqrt(varianceA * varianceB);
}

function total(values: Float64Array): number {
  return values.reduce((sum, value) => sum + value, 0);
}

const referenceFamilies = new Map<FontWeight, string>();

/** Registers the original, unsubsetted font with Skia under a private name, once per process. */
function referenceFamily(weight: FontWeight): string {
  let family = referenceFamilies.get(weight);
  if (family === undefined) {
    family = `Glyph Check Reference ${weight}`;
    if (!GlobalFonts.registerFromPath(FONT_FILES[weight], family)) throw new Error(`cannot load ${FONT_FILES[weight]} into Skia`);
    referenceFamilies.set(weight, family);
  }
  return family;
}

export interface GlyphResult {
  char: string;
  /** Best correlation between the rendered glyph and the reference glyph, within a few pixels' shift. */
  similarity: number;
  /** Ink on the rendered page relative to the reference glyph: about 1 when drawn, 0 when blank. */
  ink: number;
}

export interface GlyphCheck {
  text: string;
  pageIndex: number;
  glyphs: GlyphResult[];
  minSimilarity: number;
  /** Highest correlation between two different full-width characters as rendered; tofu boxes are all alike. */
  maxCrossSimilarity: number;
  /** Why the check failed, or an empty list. */
  problems: string[];
}

export interface GlyphCheckOptions {
  pageIndex?: number;
  /** The weight the text was drawn in. */
  weight?: FontWeight;
  /** Pixels per point; 3 gives about 30 px per 10 pt character. */
  scale?: number;
  /** Lowest acceptable similarity of each glyph to its reference. */
  threshold?: number;
}

const SHIFT_MAX = 3;

// Several strings are usually checked on the same page: render it once per document.
const renderedPages = new WeakMap<Uint8Array, Map<string, Promise<{ runs: TextRun[]; page: RenderedPage }>>>();

function renderedForCheck(bytes: Uint8Array, pageIndex: number, scale: number): Promise<{ runs: TextRun[]; page: RenderedPage }> {
  let pages = renderedPages.get(bytes);
  if (pages === undefined) {
    pages = new Map();
    renderedPages.set(bytes, pages);
  }
  const key = `${pageIndex}@${scale}`;
  let rendered = pages.get(key);
  if (rendered === undefined) {
    rendered = Promise.all([pdfTextRuns(bytes, pageIndex), renderPdfPage(bytes, pageIndex, scale)]).then(([runs, page]) => ({ runs, page }));
    pages.set(key, rendered);
  }
  return rendered;
}

/**
 * Checks that `text`, found on the page by text extraction, is drawn with the right glyphs.
 *
 * Each visible character is cut out of the rendered page (pdf.js) at the position the text run
 * and the font's advances give, and compared with the same character rasterised independently
 * by Skia from the original Noto Sans SC file (not from the subset in the PDF), at the same size
 * and sub-pixel phase, allowing a shift of a few pixels. A blank glyph has no ink; a box or a
 * wrong glyph correlates poorly with the reference; and different characters must not look alike.
 */
export async function checkGlyphs(bytes: Uint8Array, text: string, options: GlyphCheckOptions = {}): Promise<GlyphCheck> {
  const { pageIndex = 0, weight = 'regular', scale = 3, threshold = 0.85 } = options;
  const { runs, page } = await renderedForCheck(bytes, pageIndex, scale);
  const run = runs.find((candidate) => candidate.text.includes(text));
  if (run === undefined) throw new Error(`text ${JSON.stringify(text)} not found on page ${pageIndex + 1}`);

  const fontPx = run.fontSize * scale;
  const measure = createCanvas(1, 1).getContext('2d');
  measure.font = `${fontPx}px "${referenceFamily(weight)}"`;
  const [originX, baselineY] = page.toPixel(run.x, run.y);
  const before = run.text.slice(0, run.text.indexOf(text));

  const glyphs: GlyphResult[] = [];
  const cells: Array<{ char: string; ink: Float64Array; width: number }> = [];
  let prefix = before;
  for (const char of text) {
    const left = originX + measure.measureText(prefix).width;
    prefix += char;
    if (/\s/u.test(char)) continue;
    const advance = measure.measureText(char).width;
    const cellWidth = Math.max(2, Math.round(advance));
    const cellHeight = Math.round(fontPx * 1.3);
    const cellLeft = Math.floor(left);
    const cellTop = Math.floor(baselineY - fontPx);
    // The reference is drawn at the same sub-pixel phase as the page, so that anti-aliasing matches.
    const reference = createCanvas(cellWidth, cellHeight);
    const context = reference.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, cellWidth, cellHeight);
    context.fillStyle = '#000000';
    context.font = measure.font;
    context.fillText(char, left - cellLeft, baselineY - cellTop);
    const referenceInk = inkOf(context.getImageData(0, 0, cellWidth, cellHeight).data, cellWidth, 0, 0, cellWidth, cellHeight);

    let best: { similarity: number; ink: Float64Array } = { similarity: -1, ink: new Float64Array(0) };
    for (let dy = -SHIFT_MAX; dy <= SHIFT_MAX; dy++) {
      for (let dx = -SHIFT_MAX; dx <= SHIFT_MAX; dx++) {
        const x = cellLeft + dx;
        const y = cellTop + dy;
        if (x < 0 || y < 0 || x + cellWidth > page.width || y + cellHeight > page.height) continue;
        const ink = inkOf(page.rgba, page.width, x, y, cellWidth, cellHeight);
        const similarity = correlation(ink, referenceInk);
        if (similarity > best.similarity) best = { similarity, ink };
      }
    }
    const referenceTotal = total(referenceInk);
    glyphs.push({ char, similarity: best.similarity, ink: referenceTotal === 0 ? 0 : total(best.ink) / referenceTotal });
    cells.push({ char, ink: best.ink, width: cellWidth });
  }

  let maxCrossSimilarity = 0;
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      const a = cells[i]!;
      const b = cells[j]!;
      if (a.char === b.char || a.width !== b.width || a.ink.length !== b.ink.length) continue;
      maxCrossSimilarity = Math.max(maxCrossSimilarity, correlation(a.ink, b.ink));
    }
  }

  const problems: string[] = [];
  for (const glyph of glyphs) {
    if (glyph.ink < 0.3) problems.push(`${JSON.stringify(glyph.char)} is blank (ink ${glyph.ink.toFixed(2)} of the reference)`);
    else if (glyph.similarity < threshold) problems.push(`${JSON.stringify(glyph.char)} does not look like itself (similarity ${glyph.similarity.toFixed(3)} < ${threshold})`);
  }
  if (maxCrossSimilarity > 0.95) problems.push(`different characters render alike (correlation ${maxCrossSimilarity.toFixed(3)}): boxes instead of glyphs`);
  return { text, pageIndex, glyphs, minSimilarity: Math.min(...glyphs.map((glyph) => glyph.similarity)), maxCrossSimilarity, problems };
}

/** Throws, listing the bad glyphs, unless `text` is drawn with the right glyphs. */
export async function assertGlyphsDrawn(bytes: Uint8Array, text: string, options: GlyphCheckOptions = {}): Promise<GlyphCheck> {
  const check = await checkGlyphs(bytes, text, options);
  if (check.problems.length > 0) throw new Error(`glyphs of ${JSON.stringify(text)} on page ${check.pageIndex + 1} are not drawn correctly: ${check.problems.join('; ')}`);
  return check;
}

/** The text runs of every page of a PDF, page by page. */
export async function allRuns(bytes: Uint8Array): Promise<TextRun[][]> {
  const { pageCount } = await pdfInfo(bytes);
  return Promise.all(Array.from({ length: pageCount }, (_, index) => pdfTextRuns(bytes, index)));
}

/**
 * Every drawn line stays inside the side margins and no two lines share ink. Each run's box is
 * the em box the layout centres in its line: 0.88 em above the baseline, 0.12 em below.
 */
export function expectNoOverlaps(runs: TextRun[]): void {
  const boxes = runs
    .filter((run) => run.text.trim() !== '')
    .map((run) => ({ run, left: run.x, right: run.x + run.width, bottom: run.y - 0.12 * run.fontSize, top: run.y + 0.88 * run.fontSize }));
  for (const box of boxes) {
    expect(box.left).toBeGreaterThanOrEqual(MARGIN_X - 0.01);
    expect(box.right).toBeLessThanOrEqual(PAGE_WIDTH - MARGIN_X + 0.01);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const overlapY = Math.min(a.top, b.top) - Math.max(a.bottom, b.bottom);
      if (overlapX > 0.5 && overlapY > 0.5) expect.fail(`${JSON.stringify(a.run.text)} overlaps ${JSON.stringify(b.run.text)}`);
    }
  }
}
