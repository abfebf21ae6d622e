import type { Plugin } from 'graphql-yoga';
import { isPermitted } from '../domain/actor';
import { isIsoDate } from '../domain/business-date';
import { isCurrency } from '../domain/money';
import type { ReconciliationReportFigures } from '../domain/reconciliation-report';
import { reconciliationReportCsv } from '../domain/reconciliation-report-csv';
import { findReconciliationReport } from '../prisma/stores/reconciliation-report-store';
import { sha256Hex } from '../prisma/stores/sha256-hex';
import { RECONCILIATION_REPORTS_PATH } from '../schema/reconciliation-reports-path';
import { admitDownload, jsonError, type DownloadDependencies } from './download-route';

/**
 * GET /reconciliation-reports/<date>/<currency>.csv (or .pdf): the stored report of a closed day,
 * to platform operators only (anyone else gets 404, as for a day with no report). Both carry
 * the stored figures: the CSV is written from them here, the PDF was rendered from them by the
 * worker (this process renders nothing) and is served as stored; until the worker has rendered
 * the report's current version, the PDF answers 503 with Retry-After.
 */
export function reconciliationReportsRoute(deps: DownloadDependencies): Plugin {
  const { prisma, logger } = deps;
  return {
    async onRequest(payload) {
      const { request, url } = payload;
      const endResponse = (response: Response) => payload.endResponse(response);
      if (!url.pathname.startsWith(RECONCILIATION_REPORTS_PATH)) return;
      const admitted = await admitDownload({ request, serverContext: payload.serverContext, endResponse }, deps, 'reconciliation reports');
      if (!admitted) return;
      const { viewer, requestId } = admitted;
      const path = url.pathname.slice(RECONCILIATION_REPORTS_PATH.length);
      const notFound = () => endResponse(jsonError(404, 'NOT_FOUND', `reconciliation report ${path.slice(0, 40)} not found`));
      const match = /^(\d{4}-\d{2}-\d{2})\/([A-Z]{3})\.(csv|pdf)$/.exec(path);
      if (!match || !isIsoDate(match[1]!) || !isCurrency(match[2]!) || !isPermitted(viewer, 'READ_RECONCILIATION_REPORTS')) return notFound();
      const report = await findReconciliationReport(prisma, match[1], match[2]);
      if (!report) return notFound();
      const figures = report.figures as unknown as ReconciliationReportFigures;
      const pdf = match[3] === 'pdf';
      if (pdf && (report.pdf === null || report.pdfVersion !== report.version)) {
        endResponse(jsonError(503, 'DOCUMENT_NOT_READY', `the PDF of reconciliation report ${match[1]} ${match[2]} version ${report.version} is being rendered by the worker; try again shortly`, { 'retry-after': '5' }));
        return;
      }
      const body = pdf ? new Uint8Array(report.pdf!) : new TextEncoder().encode(reconciliationReportCsv(figures));
      logger.info({ requestId, reportId: report.id, format: match[3], partyId: viewer.partyId }, 'reconciliation report served');
      endResponse(
        new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
          status: 200,
          headers: {
            'content-type': pdf ? 'application/pdf' : 'text/csv; charset=utf-8',
            'content-length': String(body.byteLength),
            'content-disposition': `attachment; filename="reconciliation-${match[1]}-${match[2]}-v${report.version}.${match[3]}"`,
            'x-content-sha256': sha256Hex(body),
            'cache-control': 'private, no-store',
            'x-content-type-options': 'nosniff',
            'x-request-id': requestId,
          },
        }),
      );
    },
  };
}
