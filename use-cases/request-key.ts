import { createHash } from 'node:crypto';

/**
 * The key under which one caller's request on one object is done once: derived from the
 * operation, the object, the caller's party and user, and the request's id. The request id
 * alone is the client's to choose (`x-request-id`): keyed by it alone, one party's request could
 * be taken for another's and turn that party's decision into a no-op. With the object and the
 * caller in the key, the request id only tells a retry of the same request from a new one.
 *
 * A digest keeps the key short and of one length (the workflows prefix it again, and the
 * database keeps such keys in 200 characters), whatever request id the client sent.
 */
export function requestKey(operation: string, objectId: string, caller: { partyId: string; userId: string }, requestId: string): string {
  const digest = createHash('sha256').update(JSON.stringify([operation, objectId, caller.partyId, caller.userId, requestId])).digest('base64url');
  return `${operation}-${digest}`;
}
