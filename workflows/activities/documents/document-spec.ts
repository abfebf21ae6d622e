// The declarative shape of every business document. A document is a title block, a list of
// sections laid out top to bottom with automatic page breaks, and a footer; how it looks is
// decided once, in document-layout.ts, so that all documents look alike.

export interface FieldsSection {
  kind: 'fields';
  heading?: string;
  /** Label/value pairs in two columns; long values wrap inside their column. */
  rows: Array<{ label: string; value: string }>;
}

export interface TableColumn {
  header: string;
  /** Numbers are right-aligned so that their digits line up. */
  align?: 'left' | 'right';
  /** A proportion: the widths of all columns are scaled to fill the content width. */
  width: number;
}

export interface TableSection {
  kind: 'table';
  heading?: string;
  columns: TableColumn[];
  /** One string per column; amounts arrive formatted. */
  rows: string[][];
  /** A totals row drawn in bold under a rule. */
  footer?: string[];
  /**
   * Every line of every cell (a figure, a date) is drawn whole: where one would not fit its
   * column at the table's usual type size, the whole table takes a smaller type, down to
   * TABLE_TYPE_SIZE_MIN, rather than break it.
   */
  keepLinesWhole?: boolean;
}

export interface ParagraphSection {
  kind: 'paragraph';
  heading?: string;
  /** Wraps between Chinese characters and at spaces between Latin words; "\n" starts a new line. */
  text: string;
}

export interface SignatureParty {
  role: string;
  name: string;
  /** Shown under the signature line; a blank line to fill in by hand when absent. */
  signedAt?: string;
}

export interface SignaturesSection {
  kind: 'signatures';
  parties: SignatureParty[];
}

export type DocumentSection = FieldsSection | TableSection | ParagraphSection | SignaturesSection;

export interface DocumentSpec {
  /** e.g. '应收账款登记证明' */
  title: string;
  /** e.g. 'Receivable Registration Certificate' */
  subtitle?: string;
  /** The business reference (e.g. a registration number): top right and in every footer. */
  reference: string;
  /** Shown as YYYY-MM-DD HH:mm in UTC+08:00; also the PDF's creation and modification date. */
  issuedAt: Date;
  sections: DocumentSection[];
  /** Small print at the foot of every page. */
  footerNote?: string;
}
