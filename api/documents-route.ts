import { DOCUMENTS_PATH } from '../schema/documents-path';
import type { Plugin } from 'graphql-yoga';
import { visibleDocumentsWhere } from '../prisma/stores/visibility';
import { decodeGlobalId } from '../schema/global-id';
import { admitDownload, jsonError, type DownloadDependencies } from './download-route';

/** The row behind a document's global id (the API's `Document.id`), or null for anything else. */
function documentRowId(globalId: string): string | null {
  try {
    const decoded = decodeGlobalId(globalId);
    return decoded.typename === 'Document' ? decoded.id : null;
  } catch {
    return null;
  }
}

/**
 * GET /documents/<id>: the stored PDF, to the parties entitled to it (those who may see the
 * receivable or the financing it belongs to, and operators). Anyone else gets 404, as for an unknown id.
 * The body is exactly the bytes whose SHA-256 the API lists; the header repeats it.
 */
export function documentsRoute(deps: DownloadDependencies): Plugin {
  const { prisma, logger } = deps;
  return {
    async onRequest(payload) {
      const { request, url } = payload;
      const endResponse = (response: Response) => payload.endResponse(response);
      if (!url.pathname.startsWith(DOCUMENTS_PATH)) return;
      const admitted = await admitDownload({ request, serverContext: payload.serverContext, endResponse }, deps, 'documents');
      if (!admitted) return;
      const { viewer, requestId } = admitted;
      const globalId = url.pathname.slice(DOCUMENTS_PATH.length);
      const notFound = () => endResponse(jsonError(404, 'NOT_FOUND', `document ${globalId.slice(0, 80)} not found`));
      const id = documentRowId(globalId);
      if (!id) return notFound();
      const document = await prisma.document.findFirst({ where: { AND: [{ id }, visibleDocumentsWhere(viewer)] } });
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
            // A browser must take a document for what its content type says, never guess HTML in it.
            'x-content-type-options': 'nosniff',
            'x-request-id': requestId,
          },
        }),
      );
    },
  };
}
