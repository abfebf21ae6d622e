import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { parseKeyedCursor } from '../schema/keyed-connection';

/**
 * The longest cursor this API gives out names a trial balance line by its account's type and
 * code (at most 200 characters, which the chart of accounts writes in ASCII): 312 characters at
 * most, under 200 in practice. Anything longer is not one.
 */
export const CURSOR_LENGTH_MAX = 400;
const INT64_MAX = 2n ** 63n - 1n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Characters no input may carry: C0 controls other than tab, line feed and carriage return
 * (NUL cannot even be stored by PostgreSQL), DEL, C1 controls, and the bidirectional overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069), which make stored text read differently from
 * what it is (a legal name or a reason shown reversed to a person deciding on it).
 */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

function badInput(message: string, path: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', path } });
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The problem with a string of the request, or null: named by where it is, never echoed. */
function textProblem(value: string, path: string): GraphQLError | null {
  const found = FORBIDDEN_CHARACTER.exec(value);
  if (!found) return null;
  return badInput(`${path} contains the control or bidirectional formatting character ${codePoint(found[0])} at position ${found.index}: text may carry none of U+0000–U+001F (but tab and line breaks), U+007F–U+009F, U+202A–U+202E, U+2066–U+2069`, path);
}

/**
 * Whether `cursor` is one this API could have given out: base64 of a row's key behind `GPC:` (the
 * Prisma connections: a UUID as `S:`, a bigint as `I:` or `N:`, a date as `D:` and its
 * milliseconds, a compound key as `T:` and a JSON list of such chunks), a row's ordering key
 * behind its list's name (lists built in memory, schema/keyed-connection.ts), an offset behind
 * `OffsetConnection:` (one past it still a safe integer), or an entry's id behind `entry:`
 * (statements). Anything else (a number past bigint, a string that is no UUID)
 * would reach the database as a value it cannot compare with the column: the client's mistake
 * taken for a bug. A well-formed cursor of another connection is refused when it is used
 * (cursorOfAnotherConnection in api/yoga.ts).
 */
function cursorProblem(cursor: string, path: string): GraphQLError | null {
  const refuse = () => badInput(`${path} is not a cursor this API gave out: pass back a cursor of an edge or of pageInfo, at most ${CURSOR_LENGTH_MAX} characters`, path);
  if (cursor.length > CURSOR_LENGTH_MAX || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(cursor)) return refuse();
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (decoded.startsWith('GPC:')) return isCursorChunk(decoded.slice(4), true) ? null : refuse();
  if (parseKeyedCursor(decoded)) return null;
  const match = /^(OffsetConnection|entry):(.*)$/s.exec(decoded);
  if (!match) return refuse();
  const [, kind, value = ''] = match;
  if (kind === 'OffsetConnection') return /^(0|[1-9]\d{0,15})$/.test(value) && Number(value) < Number.MAX_SAFE_INTEGER ? null : refuse();
  return isInt64(value) ? null : refuse();
}

/** A tagged cursor chunk the Prisma connections give out; a compound one (`T:`) only at the top. */
function isCursorChunk(chunk: string, top: boolean): boolean {
  const value = chunk.slice(2);
  switch (chunk.slice(0, 2)) {
    case 'S:':
      return UUID.test(value);
    case 'I:':
    case 'N:':
      return isInt64(value);
    case 'D:':
      return /^\d{1,15}$/.test(value);
    case 'T:': {
      if (!top) return false;
      try {
        const parts: unknown = JSON.parse(value);
        return Array.isArray(parts) && parts.length > 0 && parts.length <= 4 && parts.every((part) => typeof part === 'string' && isCursorChunk(part, false));
      } catch {
        return false;
      }
    }
    default:
      return false;
  }
}

function isInt64(value: string): boolean {
  return /^(0|[1-9]\d{0,18})$/.test(value) && BigInt(value) <= INT64_MAX;
}

/** Every string the variables hold, with where it is. */
function* stringsIn(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [value, path];
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* stringsIn(item, `${path}[${index}]`);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* stringsIn(item, `${path}.${key}`);
}

function firstProblem(document: DocumentNode, variables: Record<string, unknown>): GraphQLError | null {
  for (const [value, path] of stringsIn(variables, '$variables')) {
    const problem = textProblem(value, path);
    if (problem) return problem;
  }
  let found: GraphQLError | null = null;
  const check = (problem: GraphQLError | null) => {
    found ??= problem;
  };
  visit(document, {
    StringValue(node) {
      check(textProblem(node.value, 'a string in the document'));
    },
    Argument(node) {
      if (node.name.value !== 'after' && node.name.value !== 'before') return;
      const value = valueOf(node.value, variables);
      if (typeof value === 'string') check(cursorProblem(value, `argument "${node.name.value}"`));
    },
  });
  return found;
}

function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.STRING) return node.value;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return undefined;
}

/**
 * Refuses, before anything runs, input that no field could take: text with control or
 * bidirectional formatting characters anywhere, and connection cursors this API never gave
 * out. One place for every field, so that a new field is covered without remembering to be;
 * the fields' own validators (schema/validators.ts) then check each one's limits.
 */
export function inputGuard(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const problem = firstProblem(args.document as DocumentNode, (args.variableValues ?? {}) as Record<string, unknown>);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
  };
}
