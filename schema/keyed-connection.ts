import { parseCursorConnectionArgs, PothosValidationError } from '@pothos/core';
import type { DefaultConnectionArguments } from '@pothos/plugin-relay';
import { CONNECTION_PAGE_SIZE_DEFAULT, CONNECTION_PAGE_SIZE_MAX } from './builder';
import { withTotalCount } from './total-count';

// A list built in memory (the trial balance's lines, a program's limits) is paged by a cursor
// that names the row by its ordering key, as the database connections' cursors name theirs. A
// position would slide when a row sorts in before it between two pages, and the next page would
// show a row again; a key goes on from that row whatever was added meanwhile, and from the
// place of a row since gone.

/** One part of a row's ordering key, most significant first. */
export interface KeyPart<Row> {
  of: (row: Row) => string;
  /**
   * The values in the order the list sorts them: an enum, which PostgreSQL sorts in declaration
   * order. Without it the part is text, sorted by code point (as under COLLATE "C").
   */
  values?: readonly string[];
}

/** How a list is ordered, and the name its cursors carry so that one of another list is refused, not misread. */
export interface KeyedList<Row> {
  name: string;
  key: ReadonlyArray<KeyPart<Row>>;
}

const KEYED_CURSOR = /^([A-Z][A-Za-z]*):(\[.*\])$/s;
const KEY_PARTS_MAX = 4;

/** The list and key a decoded cursor of a keyed list names, or null when it is not one. */
export function parseKeyedCursor(decoded: string): { list: string; parts: string[] } | null {
  const match = KEYED_CURSOR.exec(decoded);
  if (!match) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(match[2] as string);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > KEY_PARTS_MAX || !parts.every((part) => typeof part === 'string')) return null;
  return { list: match[1] as string, parts };
}

function cursorOf<Row>(list: KeyedList<Row>, row: Row): string {
  return Buffer.from(`${list.name}:${JSON.stringify(list.key.map((part) => part.of(row)))}`, 'utf8').toString('base64');
}

function keyOfCursor<Row>(list: KeyedList<Row>, cursor: string): string[] {
  const parsed = parseKeyedCursor(Buffer.from(cursor, 'base64').toString('utf8'));
  const fits = parsed !== null && parsed.list === list.name && parsed.parts.length === list.key.length && list.key.every((part, index) => !part.values || part.values.includes(parsed.parts[index] as string));
  if (!fits) throw new PothosValidationError('"after" or "before" is not a cursor of this connection: pass back a cursor of its edges or pageInfo');
  return parsed.parts;
}

function compareKeys<Row>(list: KeyedList<Row>, a: string[], b: string[]): number {
  for (const [index, part] of list.key.entries()) {
    const [x, y] = [a[index] as string, b[index] as string];
    const order = part.values ? part.values.indexOf(x) - part.values.indexOf(y) : Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * A page of `rows` (in the list's order) with its total, by the same arguments and rules as the
 * database connections: `first` and `after` from the start, `last` and `before` from the end.
 */
export function resolveKeyedConnection<Row>(list: KeyedList<Row>, args: DefaultConnectionArguments, rows: readonly Row[]) {
  if (args.before != null && args.after != null) throw new PothosValidationError('Arguments "before" and "after" are not supported at the same time');
  if (args.before != null && args.first != null) throw new PothosValidationError('Arguments "before" and "first" are not supported at the same time');
  if (args.after != null && args.last != null) throw new PothosValidationError('Arguments "after" and "last" are not supported at the same time');
  const { after, before, limit, expectedSize, inverted, hasNextPage, hasPreviousPage } = parseCursorConnectionArgs({ args, defaultSize: CONNECTION_PAGE_SIZE_DEFAULT, maxSize: CONNECTION_PAGE_SIZE_MAX });
  const [from, to] = [after ? keyOfCursor(list, after) : null, before ? keyOfCursor(list, before) : null];
  const within = rows.filter((row) => {
    const key = list.key.map((part) => part.of(row));
    return (!from || compareKeys(list, key, from) > 0) && (!to || compareKeys(list, key, to) < 0);
  });
  // One row past the page tells whether there is another page in the direction read.
  const read = inverted ? within.slice(-limit) : within.slice(0, limit);
  const page = inverted ? read.slice(Math.max(read.length - expectedSize, 0)) : read.slice(0, expectedSize);
  const edges = page.map((row) => ({ cursor: cursorOf(list, row), node: row }));
  return withTotalCount(
    {
      edges,
      pageInfo: {
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
        hasPreviousPage: hasPreviousPage(read.length),
        hasNextPage: hasNextPage(read.length),
      },
    },
    rows.length,
  );
}
