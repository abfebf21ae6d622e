import type { Logger } from 'pino';
import { isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import type { Currency } from '../../domain/money';
import { computeReconciliationReport, type ReconciliationReportFigures, type ReportItem } from '../../domain/reconciliation-report';
import type { PrismaClient, ReconciliationReport } from '../client';
import { dateColumn } from './ledger/accounting-days';
import { runTransaction } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';
import { notifyOperators } from './operator-notices';

// The daily reconciliation report's store (docs/reconciliation.md, "The identity, every day"):
// reads the closed day's stored balances, the day's statement and the reconciliation items open
// on that day, has the domain add them up, and keeps the result once per day and currency.

export interface ProducedReport {
  report: ReconciliationReport;
  figures: ReconciliationReportFigures;
  /** CREATED the first time, RECOMPUTED when the statement or the items changed since, UNCHANGED otherwise (nothing written). */
  outcome: 'CREATED' | 'RECOMPUTED' | 'UNCHANGED';
}

/** Why no report can be made yet: the day is still open, or its statement is not imported. */
export type ReportNotReady = { notReady: 'DAY_OPEN' | 'NO_STATEMENT' };

// Items open on the day: first shown on or before it, and not resolved by a statement of that
// day or earlier. A line matched later was BANK_ONLY then (roll-forward only retries BANK_ONLY
// lines); an item resolved by a booking (a return booked from the statement, a resolution an
// operator approved) is open on every day whose cut-off came before the booking's effective
// time, because the day's ledger does not hold it yet.
const OPEN_ITEMS_SQL = `
  SELECT i."id"::text AS "itemId",
         CASE WHEN i."outcome" = 'LEDGER_ONLY' THEN 'LEDGER_ONLY' ELSE 'BANK_ONLY' END AS "outcome",
         i."kind"::text AS "kind", i."amount"::text AS "amount", i."first_statement_date"::text AS "firstStatementDate",
         coalesce(l."bank_reference", p."payout_reference", c."bank_reference", '') AS "reference"
  FROM "reconciliation_item" i
  LEFT JOIN "bank_statement_line" l ON l."id" = i."statement_line_id"
  LEFT JOIN "payout" p ON p."id" = i."payout_id"
  LEFT JOIN "inbound_credit" c ON c."id" = i."inbound_credit_id"
  LEFT JOIN "ledger_transaction" t ON t."id" = i."booked_transaction_id"
  WHERE i."account_number" = $1 AND i."currency" = $2 AND i."first_statement_date" <= $3::date
    AND (i."status" <> 'RESOLVED' OR i."last_checked_date" > $3::date OR (i."booked_transaction_id" IS NOT NULL AND t."effective_at" >= $4::timestamptz))
  ORDER BY i."first_statement_date", i."id"`;

const DAY_END_MONEY_BALANCES_SQL = `
  SELECT a."purpose"::text AS "purpose", b."debits_posted"::text AS "debitsPosted", b."credits_posted"::text AS "creditsPosted"
  FROM "accounting_day_balance" b JOIN "ledger_account" a ON a."id" = b."account_id"
  WHERE b."business_date" = $1::date AND b."currency" = $2 AND a."book" = 'MONEY'
  ORDER BY a."id"`;

const STATEMENT_MOVEMENTS_SQL = `
  SELECT coalesce(sum(l."amount") FILTER (WHERE l."direction" = 'CREDIT'), 0)::text AS "credits",
         coalesce(sum(l."amount") FILTER (WHERE l."direction" = 'DEBIT'), 0)::text AS "debits"
  FROM "bank_statement_line" l WHERE l."statement_id" = $1::uuid AND l."duplicate_of_id" IS NULL`;

/**
 * Computes the report of a closed day and currency whose statement is imported, and stores it.
 * Idempotent: the same inputs answer the stored report and write nothing; changed inputs (an
 * item resolved by a later import) recompute it in place with the next version. An unbalanced
 * report is stored as well, and every operator party is told once per day and currency.
 */
export async function produceReconciliationReport(prisma: PrismaClient, logger: Logger, date: IsoDate, currency: Currency, now = new Date()): Promise<ProducedReport | ReportNotReady> {
  const produced = await computeAndStore(prisma, date, currency, now);
  logProduced(logger, produced, date, currency);
  return produced;
}

/** A report that does not balance is said loudly, at error level, every time it is produced. */
function logProduced(logger: Logger, produced: ProducedReport | ReportNotReady, date: IsoDate, currency: Currency): void {
  if ('notReady' in produced) {
    logger.info({ date, currency, notReady: produced.notReady }, 'reconciliation report not ready');
    return;
  }
  const { figures, report, outcome } = produced;
  const facts = { date, currency, reportId: report.id, version: report.version, outcome, closingBalance: figures.closingBalance, unexplainedDifference: figures.unexplainedDifference };
  if (!figures.balanced) logger.error({ ...facts, balanced: false, ledgerEscrowEqualsParts: figures.ledgerEscrowEqualsParts, bankMovementsAddUp: figures.bankMovementsAddUp }, 'reconciliation report does not balance');
  else if (outcome !== 'UNCHANGED') logger.info({ ...facts, balanced: true }, 'reconciliation report balances');
}

async function computeAndStore(prisma: PrismaClient, date: IsoDate, currency: Currency, now: Date): Promise<ProducedReport | ReportNotReady> {
  return runTransaction(prisma, async (tx) => {
    // One computation per day and currency at a time: two would both find nothing stored.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`reconciliation_report:${date}:${currency}`}))`;
    const day = await tx.accountingDay.findUnique({ where: { businessDate: dateColumn(date) } });
    if (day?.status !== 'CLOSED') return { notReady: 'DAY_OPEN' as const };
    const statement = await tx.bankStatement.findFirst({ where: { statementDate: dateColumn(date), currency }, orderBy: { accountNumber: 'asc' } });
    if (!statement) return { notReady: 'NO_STATEMENT' as const };

    const [movements] = await tx.$queryRawUnsafe<[{ credits: string; debits: string }]>(STATEMENT_MOVEMENTS_SQL, statement.id);
    const accounts = await tx.$queryRawUnsafe<Array<{ purpose: string; debitsPosted: string; creditsPosted: string }>>(DAY_END_MONEY_BALANCES_SQL, date, currency);
    const items = await tx.$queryRawUnsafe<Array<{ itemId: string; outcome: ReportItem['outcome']; kind: ReportItem['kind']; amount: string; firstStatementDate: string; reference: string }>>(
      OPEN_ITEMS_SQL,
      statement.accountNumber,
      currency,
      date,
      day.cutOffAt.toISOString(),
    );
    const inputs = { statementId: statement.id, opening: statement.openingBalance.toFixed(), closing: statement.closingBalance.toFixed(), movements, accounts, items };
    const inputsSha256 = sha256Hex(JSON.stringify(inputs));
    const stored = await tx.reconciliationReport.findUnique({ where: { businessDate_currency: { businessDate: dateColumn(date), currency } } });
    if (stored && stored.inputsSha256 === inputsSha256) {
      return { report: stored, figures: stored.figures as unknown as ReconciliationReportFigures, outcome: 'UNCHANGED' as const };
    }

    const figures = computeReconciliationReport({
      businessDate: date,
      currency,
      statement: { openingBalance: toDecimal(statement.openingBalance), closingBalance: toDecimal(statement.closingBalance), credits: toDecimal(movements.credits), debits: toDecimal(movements.debits) },
      accounts: accounts.map((row) => ({ purpose: row.purpose, debitsPosted: toDecimal(row.debitsPosted), creditsPosted: toDecimal(row.creditsPosted) })),
      items: items.map((row) => ({ ...row, amount: toDecimal(row.amount) })),
    });
    const data = {
      statementId: statement.id,
      inputsSha256,
      balanced: figures.balanced,
      closingBalance: figures.closingBalance,
      unexplainedDifference: figures.unexplainedDifference,
      figures: figures as unknown as object,
      computedAt: now,
    };
    const report = stored
      ? await tx.reconciliationReport.update({ where: { id: stored.id }, data: { ...data, version: stored.version + 1 } })
      : await tx.reconciliationReport.create({ data: { ...data, businessDate: dateColumn(date), currency } });
    if (!figures.balanced) {
      await notifyOperators(
        tx,
        {
          kind: 'RECONCILIATION_REPORT_UNBALANCED',
          subject: `余额调节表不平 ${date} ${currency} / Reconciliation report does not balance`,
          body: `The reconciliation report of ${date} (${currency}) does not balance: bank closing balance ${figures.closingBalance}, explained ${figures.explainedClosingBalance}, unexplained difference ${figures.unexplainedDifference} ${currency}.`,
        },
        `reconciliation-report:${date}:${currency}:unbalanced`,
      );
    }
    return { report, figures, outcome: stored ? ('RECOMPUTED' as const) : ('CREATED' as const) };
  });
}

/** After a day's cut-off: the report of every currency whose statement of the day is already imported. */
export async function produceReconciliationReportsOfDay(prisma: PrismaClient, logger: Logger, date: IsoDate, now = new Date()): Promise<Array<ProducedReport | ReportNotReady>> {
  const rows = await prisma.bankStatement.findMany({ where: { statementDate: dateColumn(date) }, select: { currency: true }, distinct: ['currency'], orderBy: { currency: 'asc' } });
  const produced = [];
  for (const { currency } of rows) produced.push(await produceReconciliationReport(prisma, logger, date, currency as Currency, now));
  return produced;
}

/** The stored report of a day and currency, or null. */
export async function findReconciliationReport(prisma: PrismaClient, date: IsoDate, currency: Currency): Promise<ReconciliationReport | null> {
  return prisma.reconciliationReport.findUnique({ where: { businessDate_currency: { businessDate: dateColumn(date), currency } } });
}

export function reportDateOf(report: ReconciliationReport): IsoDate {
  return isoDateOfColumn(report.businessDate);
}

/** Reports whose PDF is missing or of an older version, oldest first: what the worker renders next. */
export const REPORT_PDFS_PER_PASS_MAX = 20;

export function reportsAwaitingPdf(prisma: PrismaClient): Promise<ReconciliationReport[]> {
  return prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM reconciliation_report
     WHERE pdf_version IS DISTINCT FROM version
     ORDER BY computed_at, id LIMIT ${REPORT_PDFS_PER_PASS_MAX}`.then((rows) => prisma.reconciliationReport.findMany({ where: { id: { in: rows.map((row) => row.id) } }, orderBy: [{ computedAt: 'asc' }, { id: 'asc' }] }));
}

/** Keeps the PDF of `version`, unless the report was computed again meanwhile (then the next pass renders the new one). */
export async function storeReportPdf(prisma: PrismaClient, reportId: string, version: number, pdf: Uint8Array): Promise<boolean> {
  const { count } = await prisma.reconciliationReport.updateMany({ where: { id: reportId, version }, data: { pdf: Buffer.from(pdf), pdfVersion: version } });
  return count === 1;
}
