import { PDFDocument, type PDFPage } from 'pdf-lib';
import { embedDocumentFont } from './document-fonts';
import { CONTENT_WIDTH, CONTINUED, COLORS, DocumentLayout, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_HEIGHT, STYLES } from './document-layout';
import type { DocumentSection, DocumentSpec } from './document-spec';
import { formatShanghaiTime } from '../../../domain/business-date';
import { wrapText } from './wrap-text';

export type { DocumentSection, DocumentSpec } from './document-spec';

export const PRODUCER = 'Supply-chain finance service';

/** Characters every document may draw besides its own text: page numbers and fixed labels. */
const DIGITS = '0123456789';

const pageNumber = (index: number, count: number) => `第 ${index + 1} / ${count} 页`;
const referenceLabel = (reference: string) => `编号 No. ${reference}`;
const issuedLabel = (issued: string) => `出具时间 Issued ${issued} (UTC+08:00)`;

// Signature labels are drawn by the layout; they are listed here so that the font subset has them.
const SIGNATURE_LABELS = ['签章 Signature / Seal', '日期 Date'];

const SPACE_LIKE = /[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]/g;
// Zero-width and direction marks, line/paragraph separators and the byte-order mark.
const INVISIBLE = /[\u200b-\u200f\u2028\u2029\ufeff]/g;

function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return char !== '\n' && (code < 0x20 || (code >= 0x7f && code <= 0x9f));
}

/**
 * Control characters and exotic spaces are no part of a document's text: they would be drawn
 * as boxes or change the meaning of a line break. Tabs and no-break spaces become spaces;
 * line breaks are kept only where the layout honours them (paragraphs and values wrap).
 */
function clean(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n').replace(SPACE_LIKE, ' ').replace(INVISIBLE, '');
  return [...normalised].filter((char) => !isControl(char)).join('');
}

function cleanSection(section: DocumentSection): DocumentSection {
  const heading = 'heading' in section && section.heading !== undefined ? { heading: clean(section.heading) } : {};
  switch (section.kind) {
    case 'fields':
      return { kind: 'fields', ...heading, rows: section.rows.map((row) => ({ label: clean(row.label), value: clean(row.value) })) };
    case 'table':
      return {
        kind: 'table',
        ...heading,
        columns: section.columns.map((column) => ({ ...column, header: clean(column.header) })),
        rows: section.rows.map((row) => row.map(clean)),
        ...(section.footer ? { footer: section.footer.map(clean) } : {}),
        ...(section.keepLinesWhole ? { keepLinesWhole: true } : {}),
      };
    case 'paragraph':
      return { kind: 'paragraph', ...heading, text: clean(section.text) };
    case 'signatures':
      return {
        kind: 'signatures',
        parties: section.parties.map((party) => ({ role: clean(party.role), name: clean(party.name), ...(party.signedAt ? { signedAt: clean(party.signedAt) } : {}) })),
      };
  }
}

/** The text drawn in bold: the title, headings, table headers and totals, signing parties. */
function boldTextOf(spec: DocumentSpec): string[] {
  const texts = [spec.title];
  for (const section of spec.sections) {
    if ('heading' in section && section.heading) texts.push(section.heading, CONTINUED);
    if (section.kind === 'table') texts.push(...section.columns.map((column) => column.header), ...(section.footer ?? []));
    if (section.kind === 'signatures') texts.push(...section.parties.map((party) => party.name));
  }
  return texts;
}

/** Everything else, drawn in the regular weight. */
function regularTextOf(spec: DocumentSpec, issued: string): string[] {
  const texts = [spec.subtitle ?? '', spec.footerNote ?? '', spec.title, referenceLabel(spec.reference), issuedLabel(issued), pageNumber(0, 1), DIGITS];
  for (const section of spec.sections) {
    if (section.kind === 'fields') texts.push(...section.rows.flatMap((row) => [row.label, row.value]));
    if (section.kind === 'table') texts.push(...section.rows.flat());
    if (section.kind === 'paragraph') texts.push(section.text);
    if (section.kind === 'signatures') texts.push(...section.parties.flatMap((party) => [party.role, party.signedAt ?? '']), ...SIGNATURE_LABELS);
  }
  return texts;
}

/**
 * Renders a business document to PDF bytes.
 *
 * The output is a pure function of the spec: the platform records each document's SHA-256, so
 * the same spec must give the same bytes on any machine, on any day. pdf-lib's own metadata
 * (which stamps the current time) is switched off and replaced with dates from `issuedAt`;
 * font names are derived from the text; pdf-lib writes no random file identifier.
 */
export async function renderDocument(input: DocumentSpec): Promise<Uint8Array> {
  if (Number.isNaN(input.issuedAt.getTime())) throw new RangeError('issuedAt is not a valid date');
  const spec: DocumentSpec = {
    title: clean(input.title).replace(/\n/g, ' '),
    ...(input.subtitle ? { subtitle: clean(input.subtitle).replace(/\n/g, ' ') } : {}),
    reference: clean(input.reference).replace(/\n/g, ' '),
    issuedAt: input.issuedAt,
    sections: input.sections.map(cleanSection),
    ...(input.footerNote ? { footerNote: clean(input.footerNote) } : {}),
  };
  const issued = formatShanghaiTime(spec.issuedAt);

  const pdf = await PDFDocument.create({ updateMetadata: false });
  const fonts = {
    regular: await embedDocumentFont(pdf, 'regular', regularTextOf(spec, issued).join('')),
    bold: await embedDocumentFont(pdf, 'bold', boldTextOf(spec).join('')),
  };

  // The footer's height depends on the note's length: measure it first so content stops above it.
  const measureFootnote = (text: string) => fonts.regular.widthOfTextAtSize(text, STYLES.footnote.size);
  const footnoteLines = spec.footerNote ? wrapText(spec.footerNote, CONTENT_WIDTH, measureFootnote) : [];
  const footerTop = MARGIN_BOTTOM + STYLES.small.lineHeight + footnoteLines.length * STYLES.footnote.lineHeight + 4;

  const top = PAGE_HEIGHT - MARGIN_TOP;
  const runningHeaderHeight = STYLES.small.lineHeight;
  const startPage = (page: PDFPage, pageIndex: number, current: DocumentLayout): number => {
    current.drawLine(page, pageIndex === 0 ? issuedLabel(issued) : [spec.title, spec.subtitle].filter(Boolean).join('  '), STYLES.small, { x: MARGIN_X, top });
    current.drawLine(page, referenceLabel(spec.reference), STYLES.small, { x: MARGIN_X, top, width: CONTENT_WIDTH, align: 'right' });
    if (pageIndex > 0) {
      current.rule(page, top - runningHeaderHeight - 4);
      return top - runningHeaderHeight - 18;
    }
    let y = top - runningHeaderHeight - 16;
    for (const line of current.wrap(spec.title, STYLES.title, CONTENT_WIDTH)) {
      current.drawLine(page, line, STYLES.title, { x: MARGIN_X, top: y, width: CONTENT_WIDTH, align: 'center' });
      y -= STYLES.title.lineHeight;
    }
    for (const line of spec.subtitle ? current.wrap(spec.subtitle, STYLES.subtitle, CONTENT_WIDTH) : []) {
      current.drawLine(page, line, STYLES.subtitle, { x: MARGIN_X, top: y, width: CONTENT_WIDTH, align: 'center' });
      y -= STYLES.subtitle.lineHeight;
    }
    y -= 8;
    current.rule(page, y, { color: COLORS.accent, thickness: 1.5 });
    return y - 18;
  };
  const layout = new DocumentLayout(pdf, fonts, { startPage, continuationTop: top - runningHeaderHeight - 18, contentBottom: footerTop + 12 });
  spec.sections.forEach((section, index) => layout.section(section, index === 0));

  const pages = layout.pages;
  pages.forEach((page, index) => {
    layout.rule(page, footerTop);
    const lineTop = footerTop - 3;
    layout.drawLine(page, referenceLabel(spec.reference), STYLES.small, { x: MARGIN_X, top: lineTop });
    layout.drawLine(page, pageNumber(index, pages.length), STYLES.small, { x: MARGIN_X, top: lineTop, width: CONTENT_WIDTH, align: 'right' });
    footnoteLines.forEach((line, lineIndex) =>
      layout.drawLine(page, line, STYLES.footnote, { x: MARGIN_X, top: lineTop - STYLES.small.lineHeight - lineIndex * STYLES.footnote.lineHeight }),
    );
  });

  pdf.setTitle(spec.subtitle ? `${spec.title} ${spec.subtitle}` : spec.title, { showInWindowTitleBar: true });
  pdf.setSubject(`${spec.title} ${spec.reference}`);
  pdf.setKeywords([spec.reference]);
  pdf.setProducer(PRODUCER);
  pdf.setCreator(PRODUCER);
  pdf.setLanguage('zh-CN');
  pdf.setCreationDate(spec.issuedAt);
  pdf.setModificationDate(spec.issuedAt);
  return pdf.save();
}
