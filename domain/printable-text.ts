import { DOCUMENT_FONT_CHARACTERS } from './document-font-characters';
import type { FieldIssue } from './errors';

/** Whether the documents' font has a glyph for the code point: a binary search of its ranges. */
function isInDocumentFont(codePoint: number): boolean {
  let low = 0;
  let high = DOCUMENT_FONT_CHARACTERS.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (codePoint < DOCUMENT_FONT_CHARACTERS[2 * middle]!) high = middle - 1;
    else if (codePoint > DOCUMENT_FONT_CHARACTERS[2 * middle + 1]!) low = middle + 1;
    else return true;
  }
  return false;
}

/** A character as a message names it: itself, then its code point ("😀" (U+1F600)). */
export function describeCharacter(char: string): string {
  return `${JSON.stringify(char)} (U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * Text printed on the documents (a legal name, a user's name, a contract number, a payout
 * account): adds an issue naming every character the documents' font has no glyph for (a rare
 * character outside GB 18030, an emoji). The renderer refuses to draw such a character rather
 * than print an empty box on a legal document, so text that holds one, once stored, would stop
 * every document naming it, and the workflow waiting for the document, for good. A line break
 * is no glyph: the layout starts a new line there (where a field allows one).
 */
export function checkPrintable(value: string, path: string[], issues: FieldIssue[]): void {
  const missing = [...new Set(value)].filter((char) => char !== '\n' && !isInDocumentFont(char.codePointAt(0) ?? 0));
  if (missing.length > 0) issues.push({ path, message: `must not contain ${missing.map(describeCharacter).join(', ')}: the documents' font cannot print ${missing.length === 1 ? 'it' : 'them'}` });
}
