import { type PDFDocument, type PDFFont, type PDFPage, type RGB, rgb } from 'pdf-lib';
import type { DocumentSection, FieldsSection, ParagraphSection, SignatureParty, SignaturesSection, TableSection } from './document-spec';
import { wrapText } from './wrap-text';

/** A4 portrait, in PDF points (1/72 inch). */
export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;
/** 20 mm left and right: room for a binder's holes and a seal overlapping the edge. */
export const MARGIN_X = 56.69;
export const MARGIN_TOP = 48;
export const MARGIN_BOTTOM = 40;
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X;

export const COLORS = {
  ink: rgb(0.12, 0.13, 0.15),
  muted: rgb(0.4, 0.43, 0.47),
  accent: rgb(0.1, 0.24, 0.44),
  rule: rgb(0.8, 0.82, 0.85),
  headerFill: rgb(0.93, 0.95, 0.97),
} as const;

export interface TextStyle {
  weight: 'regular' | 'bold';
  size: number;
  color: RGB;
  /** Distance between baselines. Chinese needs more leading than Latin: about 1.5 em. */
  lineHeight: number;
}

export const STYLES = {
  title: { weight: 'bold', size: 20, color: COLORS.ink, lineHeight: 28 },
  subtitle: { weight: 'regular', size: 10.5, color: COLORS.muted, lineHeight: 16 },
  heading: { weight: 'bold', size: 11.5, color: COLORS.accent, lineHeight: 18 },
  body: { weight: 'regular', size: 10, color: COLORS.ink, lineHeight: 16.5 },
  // Labels and values share a line height so that their baselines line up row by row.
  label: { weight: 'regular', size: 9, color: COLORS.muted, lineHeight: 15 },
  value: { weight: 'regular', size: 10, color: COLORS.ink, lineHeight: 15 },
  cell: { weight: 'regular', size: 9, color: COLORS.ink, lineHeight: 13.5 },
  cellHeader: { weight: 'bold', size: 8.5, color: COLORS.ink, lineHeight: 13.5 },
  cellFooter: { weight: 'bold', size: 9, color: COLORS.ink, lineHeight: 13.5 },
  partyName: { weight: 'bold', size: 10.5, color: COLORS.ink, lineHeight: 16 },
  small: { weight: 'regular', size: 8, color: COLORS.muted, lineHeight: 12 },
  footnote: { weight: 'regular', size: 7.5, color: COLORS.muted, lineHeight: 10.5 },
} as const satisfies Record<string, TextStyle>;

/** Appended to a section's heading when a table or paragraph continues on a new page. */
export const CONTINUED = '（续）';

const SECTION_GAP = 14;
const HEADING_GAP = 6;
const FIELD_LABEL_WIDTH = 150;
const FIELD_GAP = 12;
const ROW_PADDING_Y = 4.5;
const CELL_PADDING_X = 5;

/** The smallest type a table takes to keep its lines whole (TableSection.keepLinesWhole). */
export const TABLE_TYPE_SIZE_MIN = 7;
const TABLE_TYPE_SIZE_STEP = 0.25;

interface TableStyles {
  cell: TextStyle;
  header: TextStyle;
  footer: TextStyle;
}

/** A table's cell styles at a type size (the body's cell size by default), their proportions kept. */
function tableStyles(size: number = STYLES.cell.size): TableStyles {
  const scale = size / STYLES.cell.size;
  const scaled = (style: TextStyle): TextStyle => (scale === 1 ? style : { ...style, size: style.size * scale, lineHeight: style.lineHeight * scale });
  return { cell: scaled(STYLES.cell), header: scaled(STYLES.cellHeader), footer: scaled(STYLES.cellFooter) };
}
const SIGNATURE_COLUMNS = 2;
const SIGNATURE_GAP = 28;
const SEAL_SPACE = 34;

export interface LayoutFonts {
  regular: PDFFont;
  bold: PDFFont;
}

export interface LayoutOptions {
  /** Draws the running header of a new page and returns the y where content starts. */
  startPage: (page: PDFPage, pageIndex: number, layout: DocumentLayout) => number;
  /** Where content starts on a page after the first, to know whether a block can ever fit. */
  continuationTop: number;
  /** Lowest y content may reach; the footer lives below it. */
  contentBottom: number;
}

interface Cell {
  x: number;
  width: number;
  lines: string[];
  style: TextStyle;
  align: 'left' | 'right';
}

interface RowOptions {
  lineHeight: number;
  fill?: RGB;
  ruleAbove?: { color: RGB; thickness: number };
  ruleBelow?: { color: RGB; thickness: number };
  /** Draws what must precede the row's continuation on a new page (a table's header). */
  onNewPage?: () => void;
}

/**
 * Lays sections out top to bottom on A4 pages, breaking pages where a block does not fit.
 * Text is wrapped and measured with the embedded fonts themselves, so what is measured is
 * exactly what is drawn.
 */
export class DocumentLayout {
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = 0;
  private readonly characterSets: Record<'regular' | 'bold', Set<number>>;
  private readonly widths = new Map<string, number>();

  constructor(
    private readonly pdf: PDFDocument,
    private readonly fonts: LayoutFonts,
    private readonly options: LayoutOptions,
  ) {
    this.characterSets = { regular: new Set(fonts.regular.getCharacterSet()), bold: new Set(fonts.bold.getCharacterSet()) };
    this.newPage();
  }

  measure(text: string, style: TextStyle): number {
    const key = `${style.weight}:${style.size}:${text}`;
    let width = this.widths.get(key);
    if (width === undefined) {
      width = this.fonts[style.weight].widthOfTextAtSize(text, style.size);
      this.widths.set(key, width);
    }
    return width;
  }

  wrap(text: string, style: TextStyle, width: number): string[] {
    return wrapText(text, width, (candidate) => this.measure(candidate, style));
  }

  /** Draws one line with its baseline placed inside a line box whose top is `top`. */
  drawLine(page: PDFPage, text: string, style: TextStyle, { x, top, width, align = 'left' }: { x: number; top: number; width?: number; align?: 'left' | 'right' | 'center' }): void {
    if (text === '') return;
    // The fonts were cut down to the characters the document was expected to draw: a character
    // outside that set would print as an empty box, so a mismatch is a bug to stop at once.
    const characters = this.characterSets[style.weight];
    for (const char of text) {
      if (!characters.has(char.codePointAt(0) ?? 0)) throw new Error(`character ${JSON.stringify(char)} was not included in the ${style.weight} font subset`);
    }
    const textWidth = this.measure(text, style);
    let left = x;
    if (align === 'right') left = x + (width ?? 0) - textWidth;
    else if (align === 'center') left = x + ((width ?? 0) - textWidth) / 2;
    // Chinese glyphs sit on an em box of about 0.88 em above the baseline and 0.12 em below;
    // centring that box in the line box gives even space above and below every line.
    const baseline = top - (style.lineHeight - style.size) / 2 - style.size * 0.88;
    page.drawText(text, { x: left, y: baseline, size: style.size, font: this.fonts[style.weight], color: style.color });
  }

  rule(page: PDFPage, y: number, { x = MARGIN_X, width = CONTENT_WIDTH, color = COLORS.rule, thickness = 0.5 }: { x?: number; width?: number; color?: RGB; thickness?: number } = {}): void {
    page.drawLine({ start: { x, y }, end: { x: x + width, y }, thickness, color });
  }

  section(section: DocumentSection, first: boolean): void {
    if (!first) this.y -= SECTION_GAP;
    switch (section.kind) {
      case 'fields':
        return this.fields(section);
      case 'table':
        return this.table(section);
      case 'paragraph':
        return this.paragraph(section);
      case 'signatures':
        return this.signatures(section);
    }
  }

  private newPage(): void {
    this.page = this.pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.pages.push(this.page);
    this.y = this.options.startPage(this.page, this.pages.length - 1, this);
  }

  private available(): number {
    return this.y - this.options.contentBottom;
  }

  private freshPageSpace(): number {
    return this.options.continuationTop - this.options.contentBottom;
  }

  /** Starts a new page unless `height` fits; a heading is kept with what follows it. */
  private ensure(height: number): void {
    if (height > this.available() && this.y < this.options.continuationTop) this.newPage();
  }

  private heading(text: string | undefined, keepWith: number): void {
    if (text === undefined || text === '') {
      this.ensure(keepWith);
      return;
    }
    const lines = this.wrap(text, STYLES.heading, CONTENT_WIDTH - 8);
    const height = lines.length * STYLES.heading.lineHeight + HEADING_GAP;
    this.ensure(height + keepWith);
    this.drawHeadingLines(lines, height);
  }

  private drawHeadingLines(lines: string[], height: number): void {
    // A short accent bar marks each section, the way the title block's rule marks the document.
    this.page.drawRectangle({ x: MARGIN_X, y: this.y - STYLES.heading.lineHeight + 3.5, width: 3, height: STYLES.heading.lineHeight - 7, color: COLORS.accent });
    lines.forEach((line, index) => this.drawLine(this.page, line, STYLES.heading, { x: MARGIN_X + 8, top: this.y - index * STYLES.heading.lineHeight }));
    this.y -= height;
  }

  private continuedHeading(text: string | undefined): void {
    if (text === undefined || text === '') return;
    const lines = this.wrap(`${text}${CONTINUED}`, STYLES.heading, CONTENT_WIDTH - 8);
    this.drawHeadingLines(lines, lines.length * STYLES.heading.lineHeight + HEADING_GAP);
  }

  private rowHeight(cells: Cell[], lineHeight: number): number {
    return Math.max(1, ...cells.map((cell) => cell.lines.length)) * lineHeight + 2 * ROW_PADDING_Y;
  }

  /** What a heading must be kept with: the first row, or its first two lines when it is tall. */
  private keepHeight(cells: Cell[] | undefined, lineHeight: number): number {
    return cells ? Math.min(this.rowHeight(cells, lineHeight), 2 * lineHeight + 2 * ROW_PADDING_Y) : 0;
  }

  /**
   * Draws a row of cells. A row that does not fit moves to a new page; a row taller than a
   * whole page (a very long value) is split between lines instead, so nothing is ever clipped.
   */
  private row(cells: Cell[], options: RowOptions): void {
    let remaining = cells;
    for (;;) {
      const height = this.rowHeight(remaining, options.lineHeight);
      if (height > this.available() && (height <= this.freshPageSpace() || this.available() < options.lineHeight + 2 * ROW_PADDING_Y)) {
        this.newPage();
        options.onNewPage?.();
      }
      const fitting = Math.max(1, Math.floor((this.available() - 2 * ROW_PADDING_Y) / options.lineHeight));
      const now = remaining.map((cell) => ({ ...cell, lines: cell.lines.slice(0, fitting) }));
      this.drawRowPart(now, options);
      remaining = remaining.map((cell) => ({ ...cell, lines: cell.lines.slice(fitting) }));
      if (remaining.every((cell) => cell.lines.length === 0)) return;
      this.newPage();
      options.onNewPage?.();
    }
  }

  private drawRowPart(cells: Cell[], options: RowOptions): void {
    const height = this.rowHeight(cells, options.lineHeight);
    const top = this.y;
    if (options.fill) this.page.drawRectangle({ x: MARGIN_X, y: top - height, width: CONTENT_WIDTH, height, color: options.fill });
    if (options.ruleAbove) this.rule(this.page, top, options.ruleAbove);
    for (const cell of cells) {
      cell.lines.forEach((line, index) =>
        this.drawLine(this.page, line, cell.style, { x: cell.x, top: top - ROW_PADDING_Y - index * options.lineHeight, width: cell.width, align: cell.align }),
      );
    }
    if (options.ruleBelow) this.rule(this.page, top - height, options.ruleBelow);
    this.y = top - height;
  }

  private fields(section: FieldsSection): void {
    const valueX = MARGIN_X + FIELD_LABEL_WIDTH + FIELD_GAP;
    const valueWidth = CONTENT_WIDTH - FIELD_LABEL_WIDTH - FIELD_GAP;
    const rows = section.rows.map((row): Cell[] => [
      { x: MARGIN_X, width: FIELD_LABEL_WIDTH, lines: this.wrap(row.label, STYLES.label, FIELD_LABEL_WIDTH), style: STYLES.label, align: 'left' },
      { x: valueX, width: valueWidth, lines: this.wrap(row.value, STYLES.value, valueWidth), style: STYLES.value, align: 'left' },
    ]);
    const lineHeight = STYLES.value.lineHeight;
    this.heading(section.heading, this.keepHeight(rows[0], lineHeight));
    const rule = { color: COLORS.rule, thickness: 0.5 };
    const onNewPage = () => {
      this.continuedHeading(section.heading);
      this.rule(this.page, this.y, rule);
    };
    rows.forEach((cells, index) => this.row(cells, { lineHeight, ruleAbove: index === 0 ? rule : undefined, ruleBelow: rule, onNewPage }));
  }

  private table(section: TableSection): void {
    const total = section.columns.reduce((sum, column) => sum + column.width, 0);
    if (!(total > 0) || section.columns.some((column) => !(column.width > 0))) throw new RangeError('table column widths must be positive');
    let x = MARGIN_X;
    const geometry = section.columns.map((column) => {
      const width = (column.width / total) * CONTENT_WIDTH;
      const cell = { x: x + CELL_PADDING_X, width: width - 2 * CELL_PADDING_X, align: column.align ?? 'left' };
      x += width;
      return cell;
    });
    const cellsOf = (values: string[], style: TextStyle): Cell[] => {
      if (values.length !== geometry.length) throw new RangeError(`a table row has ${values.length} cells for ${geometry.length} columns`);
      return geometry.map((column, index) => ({ ...column, style, lines: this.wrap(values[index] ?? '', style, column.width) }));
    };
    const styles = section.keepLinesWhole ? this.wholeLineStyles(section, geometry) : tableStyles();
    const header = cellsOf(
      section.columns.map((column) => column.header),
      styles.header,
    );
    const rows = section.rows.map((values) => cellsOf(values, styles.cell));
    const footer = section.footer ? cellsOf(section.footer, styles.footer) : undefined;
    const lineHeight = styles.cell.lineHeight;
    const drawHeader = () => this.drawRowPart(header, { lineHeight, fill: COLORS.headerFill, ruleBelow: { color: COLORS.muted, thickness: 0.6 } });
    const firstRow = rows[0] ?? footer;
    this.heading(section.heading, this.rowHeight(header, lineHeight) + this.keepHeight(firstRow, lineHeight));
    drawHeader();
    // The header repeats at the top of every page the table continues on, so that each page
    // can be read on its own.
    const onNewPage = () => {
      this.continuedHeading(section.heading);
      drawHeader();
    };
    for (const cells of rows) this.row(cells, { lineHeight, ruleBelow: { color: COLORS.rule, thickness: 0.5 }, onNewPage });
    if (footer) this.row(footer, { lineHeight, ruleAbove: { color: COLORS.ink, thickness: 0.8 }, ruleBelow: { color: COLORS.ink, thickness: 0.8 }, onNewPage });
  }

  /** The largest type, down to TABLE_TYPE_SIZE_MIN, at which every line of every cell fits its column. */
  private wholeLineStyles(section: TableSection, geometry: Array<{ width: number }>): TableStyles {
    const fits = (styles: TableStyles) => {
      const rowsFit = (values: readonly string[], style: TextStyle) => values.every((value, index) => value.split('\n').every((line) => this.measure(line, style) <= geometry[index]!.width));
      return (
        rowsFit(
          section.columns.map((column) => column.header),
          styles.header,
        ) &&
        section.rows.every((row) => rowsFit(row, styles.cell)) &&
        (!section.footer || rowsFit(section.footer, styles.footer))
      );
    };
    for (let size = STYLES.cell.size; size > TABLE_TYPE_SIZE_MIN; size -= TABLE_TYPE_SIZE_STEP) {
      const styles = tableStyles(size);
      if (fits(styles)) return styles;
    }
    return tableStyles(TABLE_TYPE_SIZE_MIN);
  }

  private paragraph(section: ParagraphSection): void {
    const style = STYLES.body;
    const lines = this.wrap(section.text, style, CONTENT_WIDTH);
    // Two lines at least stay with the heading; a lone line under a heading reads as a mistake.
    this.heading(section.heading, Math.min(lines.length, 2) * style.lineHeight);
    for (const line of lines) {
      if (style.lineHeight > this.available()) {
        this.newPage();
        this.continuedHeading(section.heading);
      }
      this.drawLine(this.page, line, style, { x: MARGIN_X, top: this.y });
      this.y -= style.lineHeight;
    }
  }

  private signatureBlock(party: SignatureParty, width: number): { height: number; draw: (x: number, top: number) => void } {
    const role = this.wrap(party.role, STYLES.label, width);
    const name = this.wrap(party.name, STYLES.partyName, width);
    const caption = this.wrap('签章 Signature / Seal', STYLES.small, width);
    const date = this.wrap(`日期 Date${party.signedAt ? `  ${party.signedAt}` : ''}`, STYLES.small, width);
    const height =
      role.length * STYLES.label.lineHeight + name.length * STYLES.partyName.lineHeight + SEAL_SPACE + caption.length * STYLES.small.lineHeight + date.length * STYLES.small.lineHeight;
    const draw = (x: number, top: number) => {
      let y = top;
      for (const [lines, style] of [
        [role, STYLES.label],
        [name, STYLES.partyName],
      ] as const) {
        for (const line of lines) {
          this.drawLine(this.page, line, style, { x, top: y });
          y -= style.lineHeight;
        }
      }
      y -= SEAL_SPACE;
      this.rule(this.page, y, { x, width, color: COLORS.muted, thickness: 0.6 });
      for (const line of [...caption, ...date]) {
        this.drawLine(this.page, line, STYLES.small, { x, top: y - 1 });
        y -= STYLES.small.lineHeight;
      }
      if (!party.signedAt) {
        // A blank to date by hand, after the label on the last line.
        const start = x + this.measure('日期 Date', STYLES.small) + 6;
        this.rule(this.page, y + 3, { x: start, width: Math.min(90, x + width - start), color: COLORS.muted, thickness: 0.5 });
      }
    };
    return { height, draw };
  }

  private signatures(section: SignaturesSection): void {
    const width = (CONTENT_WIDTH - (SIGNATURE_COLUMNS - 1) * SIGNATURE_GAP) / SIGNATURE_COLUMNS;
    // Signatures close the document: set them apart from the last table or paragraph.
    this.y -= SECTION_GAP;
    for (let start = 0; start < section.parties.length; start += SIGNATURE_COLUMNS) {
      const blocks = section.parties.slice(start, start + SIGNATURE_COLUMNS).map((party) => this.signatureBlock(party, width));
      const height = Math.max(...blocks.map((block) => block.height));
      // A signature block is never split: a name on one page and its seal line on the next
      // would invite a dispute about what was signed.
      this.ensure(height);
      blocks.forEach((block, index) => block.draw(MARGIN_X + index * (width + SIGNATURE_GAP), this.y));
      this.y -= height + (start + SIGNATURE_COLUMNS < section.parties.length ? SECTION_GAP : 0);
    }
  }
}
