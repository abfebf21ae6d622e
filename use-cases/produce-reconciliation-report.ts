import type { Logger } from 'pino';
import type { IsoDate } from '../domain/business-date';
import type { Currency } from '../domain/money';
import type { PrismaClient } from '../prisma/client';
import { produceReconciliationReport as produce, type ProducedReport, type ReportNotReady } from '../prisma/stores/reconciliation-report-store';

/**
 * The daily reconciliation report of a day and currency (docs/reconciliation.md, "The identity,
 * every day"), made after the day's cut-off and the day's statement import, whichever comes
 * last: both ask for it (the cut-off's activity through the store), and the one that comes first
 * finds the other missing and makes nothing. A report that does not balance is stored all the
 * same, logged at error level, and every operator party is told once.
 */
export async function produceReconciliationReport(ctx: { prisma: PrismaClient; logger: Logger }, date: IsoDate, currency: Currency, now = new Date()): Promise<ProducedReport | ReportNotReady> {
  return produce(ctx.prisma, ctx.logger, date, currency, now);
}
