import type { Logger } from 'pino';
import type { ReconciliationReportFigures } from '../../domain/reconciliation-report';
import type { PrismaClient } from '../../prisma/client';
import { reportsAwaitingPdf, storeReportPdf } from '../../prisma/stores/reconciliation-report-store';
import { renderReconciliationReport } from '../activities/documents/reconciliation-report-document';

/**
 * Renders the PDF of every reconciliation report that has none of its current version, and
 * keeps it with the report. The worker does this (after each cut-off and on its own loop), so
 * the API process renders nothing: it serves the stored bytes. Returns how many were rendered.
 */
export async function renderReconciliationReportPdfs(ctx: { prisma: PrismaClient; logger: Logger }): Promise<number> {
  let rendered = 0;
  for (const report of await reportsAwaitingPdf(ctx.prisma)) {
    const pdf = await renderReconciliationReport(report.figures as unknown as ReconciliationReportFigures, report.computedAt);
    if (await storeReportPdf(ctx.prisma, report.id, report.version, pdf)) rendered += 1;
  }
  if (rendered > 0) ctx.logger.info({ rendered }, 'reconciliation report PDFs rendered');
  return rendered;
}
