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
  return z.string().max(lengthMax * 4, { message: `must be at most ${lengthMax} characters` });
}
