import { randomUUID } from 'node:crypto';

const REQUEST_ID_LENGTH_MAX = 64;
const REQUEST_ID_SHAPE = /^[A-Za-z0-9._-]+$/;

/**
 * The request's id: the client's `x-request-id` when it is short and plain (so the client can
 * find its request in our logs), a fresh UUID otherwise. It names a request in logs and in
 * Temporal's deduplication of Updates; it is never trusted to name an object or a caller.
 */
export function requestIdFrom(offered: string | string[] | null | undefined): string {
  const value = Array.isArray(offered) ? offered[0] : offered;
  return value && value.length <= REQUEST_ID_LENGTH_MAX && REQUEST_ID_SHAPE.test(value) ? value : randomUUID();
}
