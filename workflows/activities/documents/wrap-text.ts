/** Width of a string in points, at the size the caller draws it. */
export type MeasureText = (text: string) => number;

// Chinese has no spaces: a line may break between any two ideographs (and kana, Hangul,
// full-width forms). Latin words break only at spaces.
const BREAK_ANYWHERE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u2e80-\u2fff\u3000-\u303f\u31c0-\u31ef\uff00-\uffef]/u;

// Line-breaking rules of Chinese typesetting (the kinsoku rules): closing punctuation never
// starts a line and opening punctuation never ends one, so "公司，" keeps its comma.
const NO_BREAK_BEFORE = new Set([...'，。、；：？！）】」』》〉〕”’…—·,.;:?!)]}%']);
const NO_BREAK_AFTER = new Set([...'（【「『《〈〔“‘([{']);

interface Atom {
  text: string;
  space: boolean;
}

/** Splits one paragraph into ideographs, Latin words and single spaces. */
function atomsOf(paragraph: string): Atom[] {
  const atoms: Atom[] = [];
  let word = '';
  const flushWord = () => {
    if (word !== '') atoms.push({ text: word, space: false });
    word = '';
  };
  for (const char of paragraph) {
    if (/\s/u.test(char)) {
      flushWord();
      if (atoms.at(-1)?.space !== true) atoms.push({ text: ' ', space: true });
    } else if (BREAK_ANYWHERE.test(char)) {
      flushWord();
      atoms.push({ text: char, space: false });
    } else {
      word += char;
    }
  }
  flushWord();
  return atoms;
}

/** Joins atoms that may not be separated into clusters; a line breaks only between clusters. */
function clustersOf(atoms: Atom[]): Atom[] {
  const clusters: Atom[] = [];
  for (const atom of atoms) {
    const previous = clusters.at(-1);
    const glued =
      previous !== undefined && !previous.space && !atom.space && (NO_BREAK_BEFORE.has(atom.text[0] ?? '') || NO_BREAK_AFTER.has(previous.text.at(-1) ?? ''));
    if (glued) previous.text += atom.text;
    else clusters.push({ ...atom });
  }
  return clusters;
}

/** Breaks a cluster wider than a whole line at characters: a long hash or URL must still fit. */
function splitByCharacters(text: string, width: number, measure: MeasureText): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const char of text) {
    if (piece !== '' && measure(piece + char) > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += char;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/**
 * Breaks text into lines no wider than `width`: between any two Chinese characters, at spaces
 * between Latin words, inside a word only when the word alone is wider than the line. A "\n"
 * is a hard break. Spaces at line ends are dropped; runs of spaces collapse to one.
 */
export function wrapText(text: string, width: number, measure: MeasureText): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let pendingSpace = false;
    for (const cluster of clustersOf(atomsOf(paragraph))) {
      if (cluster.space) {
        pendingSpace = line !== '';
        continue;
      }
      const candidate = line + (pendingSpace ? ' ' : '') + cluster.text;
      pendingSpace = false;
      if (measure(candidate) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      if (measure(cluster.text) <= width) {
        line = cluster.text;
        continue;
      }
      const pieces = splitByCharacters(cluster.text, width, measure);
      line = pieces.pop() ?? '';
      lines.push(...pieces);
    }
    lines.push(line);
  }
  return lines;
}
