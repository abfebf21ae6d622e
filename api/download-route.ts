import type { Logger } from 'pino';
import type { PrismaClient } from '../prisma/client';
import { authenticate, type Viewer } from './authenticate';

// What the download routes (documents, reconciliation reports) share before they look for what
// is asked: only GET or HEAD, then the bearer token, answered in the gate's small JSON form.

export function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers } });
}

export interface DownloadDependencies {
  prisma: PrismaClient;
  apiKeyPepper: string;
  logger: Logger;
  requestIdOf: (request: Request) => string;
}

/**
 * Admits a download: the method (405 otherwise, naming `what`), then the token (401). Over HTTP the
 * gate has authenticated the caller already (and counted it against its rate limit) and hands it
 * over in the server context; in-process callers (yoga.fetch) are checked here. Returns the caller
 * and the request's id, or null once the request has been answered.
 */
export async function admitDownload(
  payload: { request: Request; serverContext: unknown; endResponse: (response: Response) => void },
  { prisma, apiKeyPepper, logger, requestIdOf }: DownloadDependencies,
  what: string,
): Promise<{ viewer: Viewer; requestId: string } | null> {
  const { request, endResponse } = payload;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    endResponse(jsonError(405, 'METHOD_NOT_ALLOWED', `${what} are read with GET`, { allow: 'GET, HEAD' }));
    return null;
  }
  const requestId = requestIdOf(request);
  const gated = (payload.serverContext as { viewer?: Viewer | null } | undefined)?.viewer;
  if (gated) return { viewer: gated, requestId };
  try {
    return { viewer: await authenticate(request, prisma, apiKeyPepper, logger, requestId), requestId };
  } catch (error) {
    endResponse(jsonError(401, 'UNAUTHENTICATED', error instanceof Error ? error.message : 'unauthenticated', { 'www-authenticate': 'Bearer realm="scf"' }));
    return null;
  }
}
