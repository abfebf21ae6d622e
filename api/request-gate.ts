import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isOperator } from '../domain/actor';
import type { PrismaClient } from '../prisma/client';
import { authenticate, type Viewer } from './authenticate';
import { isDependencyUnavailable, SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS } from './dependency-unavailable';
import { rateLimitHeaders, type RateLimit } from './rate-limit';
import { requestIdFrom } from './request-id';
import { DOCUMENTS_PATH } from '../schema/documents-path';
import { RECONCILIATION_REPORTS_PATH } from '../schema/reconciliation-reports-path';

/**
 * The largest GraphQL request body the API reads. The biggest legitimate request (a receivable
 * registration with its invoices, a ledger adjustment with its entries) is a few tens of
 * kilobytes; 1 MiB leaves room for generated clients without letting one request hold megabytes.
 */
export const REQUEST_BODY_BYTES_MAX = 1024 * 1024;

/**
 * The largest body a platform operator's request may carry: an escrow bank statement imported
 * by hand (importBankStatement, at most STATEMENT_UPLOAD_BYTES_MAX of file, JSON-escaped). Only
 * operators import statements, and the token is checked before a byte is read.
 */
export const OPERATOR_REQUEST_BODY_BYTES_MAX = 10 * 1024 * 1024;

/** How much of a body the caller may send. */
export function requestBodyBytesMax(viewer: Viewer): number {
  return isOperator(viewer) ? OPERATOR_REQUEST_BODY_BYTES_MAX : REQUEST_BODY_BYTES_MAX;
}

/** Media types a GraphQL POST may carry: JSON only (no forms, no multipart uploads). */
const JSON_MEDIA_TYPES = new Set(['application/json']);

/** What the gate hands on to GraphQL: who is calling, the request's id and its body. */
export interface AdmittedRequest {
  viewer: Viewer | null;
  requestId: string;
  body: Buffer | null;
}

export interface RequestGateOptions {
  prisma: PrismaClient;
  apiKeyPepper: string;
  logger: Logger;
  graphqlPath: string;
  /** Whether GET of the GraphQL path serves the GraphiQL page. */
  graphiql: boolean;
  /** The per-key and per-address counters (api/rate-limit.ts). */
  rateLimit: RateLimit;
}

const RATE_LIMITED = 'RATE_LIMITED';

function rateLimited(response: ServerResponse, requestId: string, headers: Record<string, string>, what: string, limit: number, windowSeconds: number): null {
  return refuse(response, 429, RATE_LIMITED, `too many requests: ${what} may send ${limit} in ${windowSeconds} seconds; retry after the time Retry-After gives`, requestId, headers);
}

function refuse(response: ServerResponse, status: number, code: string, message: string, requestId: string, headers: Record<string, string> = {}): null {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'x-request-id': requestId, 'x-content-type-options': 'nosniff', ...headers });
  response.end(body);
  return null;
}

/**
 * The first thing a request to the GraphQL path meets, before any of it is read: an address that
 * has failed too many authentications is refused before its token is looked up, then the bearer
 * token is checked (an unauthenticated caller costs one indexed lookup and never a parse), then
 * the key's rate limit, then the method, the media type and the size, and only then is the body read, at most
 * REQUEST_BODY_BYTES_MAX bytes of it (OPERATOR_REQUEST_BODY_BYTES_MAX for an operator). Anything refused gets a small JSON error. Downloads
 * (documents, reconciliation reports) meet the same address, token and key limits, then their
 * own routes; other paths (the health check) pass untouched.
 *
 * Returns what GraphQL needs, or null once the request has been answered here.
 */
/** The download routes (documents, reconciliation reports): rate-limited here, answered by their own routes. */
const DOWNLOAD_PATH_PREFIXES = [DOCUMENTS_PATH, RECONCILIATION_REPORTS_PATH];

export function requestGate({ prisma, apiKeyPepper, logger, graphqlPath, graphiql, rateLimit }: RequestGateOptions): (request: IncomingMessage, response: ServerResponse) => Promise<AdmittedRequest | null> {
  /**
   * The address's allowance of refused authentications, the token, then the key's rate limit:
   * the caller, or null once the request has been answered (401 or 429). Every later answer tells
   * the caller where it stands in the RateLimit headers.
   */
  async function admitCaller(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<Viewer | null> {
    const address = request.socket.remoteAddress ?? 'unknown';
    const addressBefore = await rateLimit.addressVerdict(address);
    if (addressBefore !== null && !addressBefore.allowed) {
      logger.warn({ requestId, address }, 'rate limited: too many refused authentications');
      return rateLimited(response, requestId, rateLimitHeaders(addressBefore), 'an address without a valid API key', addressBefore.limit, rateLimit.windowSeconds);
    }
    let viewer: Viewer;
    try {
      viewer = await authenticate(headersOf(request), prisma, apiKeyPepper, logger, requestId);
    } catch (error) {
      // A key that could not be looked up (the database is down) is not a wrong key: answering
      // 401 would tell the client to discard a good token.
      if (isDependencyUnavailable(error)) {
        logger.warn({ requestId, err: error }, 'authentication could not reach the database');
        return refuse(response, 503, 'SERVICE_UNAVAILABLE', 'the service cannot reach its database; try again shortly', requestId, { 'retry-after': String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS) });
      }
      const counted = await rateLimit.consumeAddress(address);
      return refuse(response, 401, 'UNAUTHENTICATED', error instanceof Error ? error.message : 'unauthenticated', requestId, { 'www-authenticate': 'Bearer realm="scf"', ...rateLimitHeaders({ ...counted, allowed: true }) });
    }
    const verdict = await rateLimit.consumeKey(viewer.apiKeyId);
    if (!verdict.allowed) {
      logger.warn({ requestId, keyId: viewer.apiKeyId }, 'rate limited: too many requests for the key');
      return rateLimited(response, requestId, rateLimitHeaders(verdict), 'an API key', verdict.limit, rateLimit.windowSeconds);
    }
    for (const [name, value] of Object.entries(rateLimitHeaders(verdict))) response.setHeader(name, value);
    return viewer;
  }

  return async (request, response) => {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (DOWNLOAD_PATH_PREFIXES.some((prefix) => path.startsWith(prefix)) && (request.method === 'GET' || request.method === 'HEAD')) {
      // A download costs a read of stored bytes: it counts against the key's allowance like a
      // GraphQL request, and the route then answers it for the caller found here.
      const viewer = await admitCaller(request, response, requestId);
      return viewer === null ? null : { viewer, requestId, body: null };
    }
    if (path !== graphqlPath) return { viewer: null, requestId, body: null };
    const method = request.method ?? 'GET';
    // A browser's CORS preflight carries no credentials by design; yoga answers it from the allow-list.
    if (method === 'OPTIONS') return { viewer: null, requestId, body: null };
    // The GraphiQL page is what a browser opens before anyone has typed a token: it holds no data.
    if ((method === 'GET' || method === 'HEAD') && graphiql && (request.headers.accept ?? '').includes('text/html')) return { viewer: null, requestId, body: null };

    const viewer = await admitCaller(request, response, requestId);
    if (viewer === null) return null;
    if (method !== 'POST') return refuse(response, 405, 'METHOD_NOT_ALLOWED', `GraphQL requests are sent with POST, not ${method}`, requestId, { allow: 'POST' });
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!JSON_MEDIA_TYPES.has(mediaType)) {
      return refuse(response, 415, 'UNSUPPORTED_MEDIA_TYPE', `GraphQL requests carry Content-Type: application/json, not ${JSON.stringify(mediaType.slice(0, 80) || '(none)')}`, requestId, { accept: 'application/json' });
    }
    const bytesMax = requestBodyBytesMax(viewer);
    const declared = request.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= bytesMax)) return tooLarge(response, requestId, bytesMax);
    const body = await readBody(request, bytesMax);
    if (body === null) return tooLarge(response, requestId, bytesMax);
    return { viewer, requestId, body };
  };
}

function tooLarge(response: ServerResponse, requestId: string, bytesMax: number): null {
  // The rest of an over-long body is not worth receiving: close the connection after the answer.
  return refuse(response, 413, 'PAYLOAD_TOO_LARGE', `a GraphQL request body may be at most ${bytesMax} bytes`, requestId, { connection: 'close' });
}

/**
 * The body, or null as soon as it passes `bytesMax`: nothing beyond the limit is kept. The
 * stream is paused rather than destroyed there, so that the 413 can still be written.
 */
function readBody(request: IncomingMessage, bytesMax: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > bytesMax) {
        stop();
        request.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, length));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', onError);
  });
}

/** The request's headers as the Fetch API's Headers, which authenticate reads. */
function headersOf(request: IncomingMessage): { headers: Headers } {
  const headers = new Headers();
  const authorization = request.headers.authorization;
  if (authorization !== undefined) headers.set('authorization', authorization);
  return { headers };
}
