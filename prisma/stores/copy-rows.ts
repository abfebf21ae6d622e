import type pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';

// Bulk rows into a table with COPY ... FROM STDIN (text format) on a node-postgres connection:
// a busy day's 100,000 statement lines load without a parameter to bind or a
// JSON document to parse per row, which was most of the import's time (docs/performance.md).

/** Rows handed to the stream at once: one chunk of text rather than one per row. */
const COPY_ROWS_PER_CHUNK_MAX = 2_000;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A field of COPY's text format: backslash, tab and line breaks escaped, \N for null. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (character) => ESCAPES[character]!) : value;
}

function* copyChunks(rows: Iterable<readonly (string | null)[]>): Generator<string> {
  let chunk = '';
  let count = 0;
  for (const row of rows) {
    chunk += `${row.map(copyField).join('\t')}\n`;
    count += 1;
    if (count === COPY_ROWS_PER_CHUNK_MAX) {
      yield chunk;
      chunk = '';
      count = 0;
    }
  }
  if (count > 0) yield chunk;
}

/** Loads `rows` into `table (columns)` on `client`, inside whatever transaction the client is in. */
export async function copyRows(client: pg.ClientBase, table: string, columns: readonly string[], rows: Iterable<readonly (string | null)[]>): Promise<void> {
  await pipeline(Readable.from(copyChunks(rows)), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}
