import { DOCUMENTS_PATH } from '../schema/documents-path';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { PrismaClient } from '../prisma/client';
import { visibleFinancingsWhere } from '../prisma/stores/financing-store';
import { isOperator } from '../domain/actor';
import { visibleReceivablesWhere } from '../prisma/stores/receivable-store';
import { authenticate } from './authenticate';


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/**
 * GET /documents/<id>: the stored PDF, to the parties entitled to it (those who may see the
 * receivable or the financing it belongs to, and operators). Anyone else gets 404, as for an unknown id.
 * The body is exactly the bytes whose SHA-256 the API lists; the header repeats it.
 */
export function documentsRoute({ prisma, apiKeyPepper, logger, requestIdOf }: { prisma: PrismaClient; apiKeyPepper: string; logger: Logger; requestIdOf: (request: Request) => string }): Plugin {
  return {
    async onRequest(payload) {
      const { request, url } = payload;
      const endResponse = (response: Response) => payload.endResponse(response);
      if (!url.pathname.startsWith(DOCUMENTS_PATH)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(jsonError(405, 'METHOD_NOT_ALLOWED', 'documents are read with GET', { allow: 'GET, HEAD' }));
        return;
      }
      const requestId = requestIdOf(request);
      let viewer;
      try {
        viewer = await authenticate(request, prisma, apiKeyPepper, logger, requestId);
      } catch (error) {
        const message = error instanceof Error ? error.message : 'unauthenticated';
        endResponse(jsonError(401, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer realm="scf"' }));
        return;
      }
      const id = url.pathname.slice(DOCUMENTS_PATH.length);
      const notFound = () => endResponse(jsonError(404, 'NOT_FOUND', `document ${id} not found`));
      if (!UUID.test(id)) return notFound();
      const document = await prisma.document.findFirst({
        // Operators see every document (an empty relation filter inside OR would match nothing).
        where: isOperator(viewer) ? { id } : { id, OR: [{ receivable: visibleReceivablesWhere(viewer) }, { financing: visibleFinancingsWhere(viewer) }] },
      });
      if (!document) return notFound();
      logger.info({ requestId, documentId: document.id, kind: document.kind, partyId: viewer.partyId }, 'document served');
      endResponse(
        new Response(request.method === 'HEAD' ? null : new Uint8Array(document.content), {
          status: 200,
          headers: {
            'content-type': document.contentType,
            'content-length': String(document.sizeBytes),
            'content-disposition': `inline; filename="${document.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
            etag: `"${document.sha256}"`,
            'x-content-sha256': document.sha256,
            'cache-control': 'private, no-store',
            'x-request-id': requestId,
          },
        }),
      );
    },
  };
}
