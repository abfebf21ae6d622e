// A request that failed because PostgreSQL or the Temporal server could not be reached is not
// the client's mistake and not a bug: it is answered SERVICE_UNAVAILABLE (503, Retry-After),
// typed and at once, so that a client retries it (with the same idempotency key) instead of
// hanging, or of discarding a token the API could not look up.

/** What Retry-After says while a dependency is down. */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

// gRPC's UNAVAILABLE and DEADLINE_EXCEEDED; PostgreSQL's connection failures and shutdowns
// (admin_shutdown, crash_shutdown, cannot_connect_now), and the driver's own. A workflow whose
// task is failing (its worker died or lost the database mid-task) refuses Updates until the
// task is retried: that is the worker being unavailable, and passes by itself.
const GRPC_UNAVAILABLE_CODES = new Set([14, 4]);
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', 'P1001', 'P1002', 'P1017']);
const CONNECTION_MESSAGES = /Connection terminated|connection (was )?closed|terminating connection|Can't reach database server|the database system is (starting up|shutting down)|ECONNREFUSED|ECONNRESET|Failed to connect|No connection established|Workflow Task in failed state/i;

/** True when `error` (or one of its causes) says a dependency could not be reached. */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    const candidate = current as Error & { code?: unknown; name: string };
    if (candidate.name === 'ServiceError' || candidate.name === 'ConnectionError') return true;
    if (typeof candidate.code === 'number' && GRPC_UNAVAILABLE_CODES.has(candidate.code) && 'details' in candidate) return true;
    if (typeof candidate.code === 'string' && CONNECTION_ERROR_CODES.has(candidate.code)) return true;
    if (CONNECTION_MESSAGES.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}
