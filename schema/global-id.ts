import { GraphQLError } from 'graphql';

// Global object ids (Relay's Node): the type's name and the row's UUID, base64url-encoded so that
// clients treat them as opaque. Decoding checks both parts: a malformed id, or one whose inner id
// is not a UUID, is the client's mistake (BAD_USER_INPUT), never a database error.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPENAME = /^[A-Z][A-Za-z]{1,63}$/;
const GLOBAL_ID_LENGTH_MAX = 200;

export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${String(id)}`, 'utf8').toString('base64url');
}

/** How much of a refused id the answer quotes: enough to recognise it, never the whole of a huge one. */
const QUOTED_LENGTH_MAX = 80;

function badId(globalId: string): GraphQLError {
  const quoted = globalId.length > QUOTED_LENGTH_MAX ? `${JSON.stringify(globalId.slice(0, QUOTED_LENGTH_MAX))}… (${globalId.length} characters)` : JSON.stringify(globalId);
  return new GraphQLError(`${quoted} is not an id this API gave out: a global id is at most ${GLOBAL_ID_LENGTH_MAX} characters of base64url naming a type and a UUID`, { extensions: { code: 'BAD_USER_INPUT' } });
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  if (globalId.length === 0 || globalId.length > GLOBAL_ID_LENGTH_MAX || !/^[A-Za-z0-9_-]+$/.test(globalId)) throw badId(globalId);
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = text.indexOf(':');
  const typename = text.slice(0, separator);
  const id = text.slice(separator + 1);
  if (separator < 0 || !TYPENAME.test(typename) || !UUID.test(id)) throw badId(globalId);
  return { typename, id };
}

/**
 * The row id inside a global id argument, once it is known to name an object of `typename`
 * (the id of another type is input that cannot be valid).
 */
export function rowIdOf(globalId: { typename: string; id: string }, typename: string): string {
  if (globalId.typename !== typename) {
    throw new GraphQLError(`the id names a ${globalId.typename}, not a ${typename}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return globalId.id;
}

/** A where-clause that finds one row by its id only among the rows the caller may see. */
export function scopedById<Where>(id: string, visible: Where): { id: string; AND: Where[] } {
  return { id, AND: [visible] };
}
