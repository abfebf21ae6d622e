import type { Logger } from 'pino';
import type { IsoDate } from '../domain/business-date';
import type { Currency } from '../domain/money';
import type { PrismaClient } from '../prisma/client';
import { produceReconciliationReport as produce, statementCurrenciesOf, type ProducedReport, type ReportNotReady } from '../prisma/stores/reconciliation-report-store';

/**
 * The daily reconciliation report of a day and currency (docs/reconciliation.md, "The identity,
 * every day"), made after the day's cut-off and the day's statement import, whichever comes
 * last: both call this, and the one that comes first finds the other missing and makes nothing.
 * A report that does not balance is stored all the same and logged at error level; the store
 * tells every operator party once.
 */
export async function produceReconciliationReport(ctx: { prisma: PrismaClient; logger: Logger }, date: IsoDate, currency: Currency, now = new Date()): Promise<ProducedReport | ReportNotReady> {
  const produced = await produce(ctx.prisma, date, currency, now);
  if ('notReady' in produced) {
    ctx.logger.info({ date, currency, notReady: produced.notReady }, 'reconciliation report not ready');
    return produced;
  }
  const { figures, report, outcome } = produced;
  const facts = { date, currency, reportId: report.id, version: report.version, outcome, closingBalance: figures.closingBalance, unexplainedDifference: figures.unexplainedDifference };
  if (!figures.balanced) ctx.logger.error({ ...facts, balanced: false, ledgerEscrowEqualsParts: figures.ledgerEscrowEqualsParts, bankMovementsAddUp: figures.bankMovementsAddUp }, 'reconciliation report does not balance');
  else if (outcome !== 'UNCHANGED') ctx.logger.info({ ...facts, balanced: true }, 'reconciliation report balances');
  return produced;
}

/** After a day's cut-off: the report of every currency whose statement of the day is already imported. */
export async function produceReconciliationReportsOfDay(ctx: { prisma: PrismaClient; logger: Logger }, date: IsoDate, now = new Date()): Promise<Array<ProducedReport | ReportNotReady>> {
  const produced = [];
  for (const currency of await statementCurrenciesOf(ctx.prisma, date)) produced.push(await produceReconciliationReport(ctx, date, currency, now));
  return produced;
}
