import { z } from 'zod';

// Input checks at the GraphQL edge, before any resolver runs: bounds on what a request may
// carry. The domain checks the meaning (and the exact limits) again, with its own messages.

/** An id argument: anything but a UUID cannot name an object. */
export const uuid = z.uuid({ message: 'must be a UUID' });

/**
 * Free text whose domain limit is `lengthMax` characters. The edge lets through four times as
 * many UTF-16 units (so the domain, which counts characters after normalising, gives the exact
 * answer) and refuses anything larger with the limit the domain applies.
 */
export function textUpTo(lengthMax: number) {
  return z
    .string()
    .max(lengthMax * 4, { message: `must be at most ${lengthMax} characters` })
    .refine((value) => !TEXT_FORBIDDEN.test(value), { message: 'must not contain control characters (but tab and line breaks) or bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069)' });
}

/**
 * A name (of a party, a user, an account) whose domain limit is `lengthMax` characters: as free
 * text, and on one line: a tab or a line break in a name would be shown as a second line, or
 * hidden, to the person reading it.
 */
export function nameUpTo(lengthMax: number) {
  return textUpTo(lengthMax).refine((value) => !/[\t\n\r]/.test(value), { message: 'must be on one line, without tabs' });
}

// Stored text must read as it is: no control characters (NUL cannot even be stored) and no
// bidirectional overrides or isolates, which show a string reversed or reordered. The API's edge
// (api/input-guard.ts) refuses them in every string of a request before this runs; this says so
// for the field, where a schema is used without that edge.
// eslint-disable-next-line no-control-regex
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/**
 * A range of days between two `Date` fields, both ends included, either one absent. A range that
 * ends before it starts holds no day: answered, it would be an empty list that tells a supplier
 * nothing is due, or an operator that the work queue is clear, when the range was only written
 * the wrong way round. `Date` is YYYY-MM-DD, so the text orders as the days do.
 */
export function dayRange(fromName: string, toName: string) {
  return z.looseObject({ [fromName]: z.string().nullish(), [toName]: z.string().nullish() }).refine(
    (range) => {
      const from = range[fromName];
      const to = range[toName];
      return !from || !to || from <= to;
    },
    { path: [toName], message: `must not be before ${fromName}` },
  );
}
