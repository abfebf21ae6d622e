import type { Logger } from 'pino';
import { isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import type { Currency } from '../../domain/money';
import { computeReconciliationReport, type ReconciliationReportFigures, type ReportItem } from '../../domain/reconciliation-report';
import type { PrismaClient, ReconciliationReport } from '../client';
import { reconcileStatementAgain } from './bank-statement-store';
import { dateColumn } from './ledger/accounting-days';
import { runTransaction } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';
import { notifyOperators } from './operator-notices';

// The daily reconciliation report's store (docs/reconciliation.md, "The identity, every day"):
// reads the closed day's stored balances, the day's statement and the differences of that day
// (open items and movements in transit over the cut-off), has the domain add them up, and keeps
// the result once per day and currency.

export interface ProducedReport {
  report: ReconciliationReport;
  figures: ReconciliationReportFigures;
  /** CREATED the first time, RECOMPUTED when the statement or the items changed since, UNCHANGED otherwise (nothing written). */
  outcome: 'CREATED' | 'RECOMPUTED' | 'UNCHANGED';
}

/** Why no report can be made yet: the day is still open, or the escrow account's statement of it is not imported. */
export type ReportNotReady = { notReady: 'DAY_OPEN' | 'NO_STATEMENT' };

// The differences of a day ($3, cut off at $4), each with the ledger booking that explains it
// where there is one ("ledger_at": the effective time of the booking made from a line, a return or
// a resolution, else of the activity a matched line was matched to; "activity_at": of the
// ledger-only activity itself, "booked_at": of its resolution). The day's ledger
// holds exactly the bookings dated before its cut-off, so:
// - a line of a statement of the day or before is a difference on the day when the ledger booked
//   it at or after the cut-off, or has not booked it. Matched by the day's import (or before), it
//   is in transit over the cut-off (CUT_OFF_TIMING: the statement day runs to midnight, the
//   accounting day to the cut-off, so a movement between them is on the day's statement and in
//   the next day's ledger); otherwise BANK_ONLY. A line matched to a booking before the cut-off
//   is no difference on the day, whenever it was matched. A resolved line with no booking to
//   date it keeps the rule of the day's import: open on the day when resolved by a later one.
// - ledger-only activity is a difference on the day when the ledger booked it before the
//   cut-off and no statement of the day or before shows it (resolved later, or not yet). Activity
//   booked at or after the cut-off is in neither the day's ledger nor its statement. Resolved by a
//   booking (a write-off an operator approved), it stays a difference on every day whose cut-off
//   came before that booking, because the day's ledger does not hold the correction yet.
const OPEN_ITEMS_SQL = `
  WITH dated AS (
    SELECT i.*, coalesce(l."bank_reference", p."payout_reference", c."bank_reference", '') AS "reference",
           CASE
             WHEN i."kind" = 'INBOUND_CREDIT' THEN ct."effective_at"
             WHEN i."kind" = 'PAYOUT' THEN st."effective_at"
             ELSE rt."effective_at"
           END AS "activity_at",
           bt."effective_at" AS "booked_at"
    FROM "reconciliation_item" i
    LEFT JOIN "bank_statement_line" l ON l."id" = i."statement_line_id"
    LEFT JOIN "payout" p ON p."id" = i."payout_id"
    LEFT JOIN "inbound_credit" c ON c."id" = i."inbound_credit_id"
    LEFT JOIN "ledger_transaction" bt ON bt."id" = i."booked_transaction_id"
    LEFT JOIN "ledger_transaction" ct ON ct."id" = c."transaction_id"
    LEFT JOIN "ledger_transaction" st ON st."id" = p."settled_transaction_id"
    LEFT JOIN "ledger_transaction" rt ON rt."id" = p."reversal_transaction_id"
    WHERE i."account_number" = $1 AND i."currency" = $2 AND i."first_statement_date" <= $3::date
  )
  SELECT d."id"::text AS "itemId",
         CASE WHEN d."outcome" = 'LEDGER_ONLY' THEN 'LEDGER_ONLY'
              WHEN d."outcome" = 'MATCHED' AND d."status" = 'RESOLVED' AND d."last_checked_date" <= $3::date THEN 'CUT_OFF_TIMING'
              ELSE 'BANK_ONLY' END AS "outcome",
         d."kind"::text AS "kind", d."amount"::text AS "amount", d."first_statement_date"::text AS "firstStatementDate", d."reference"
  FROM dated d,
       -- The booking that explains a line: the one booked from it, else the activity it matched.
       LATERAL (SELECT coalesce(d."booked_at", CASE WHEN d."outcome" <> 'BANK_ONLY' THEN d."activity_at" END) AS "ledger_at") explained
  WHERE CASE
          WHEN d."outcome" = 'LEDGER_ONLY' THEN (d."activity_at" IS NULL OR d."activity_at" < $4::timestamptz)
            AND CASE WHEN d."booked_at" IS NOT NULL THEN d."booked_at" >= $4::timestamptz
                     ELSE d."status" <> 'RESOLVED' OR d."last_checked_date" > $3::date END
          WHEN explained."ledger_at" IS NOT NULL THEN explained."ledger_at" >= $4::timestamptz
          ELSE d."status" <> 'RESOLVED' OR d."last_checked_date" > $3::date
        END
  ORDER BY d."first_statement_date", d."id"`;

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
    // The report is of the platform's escrow account (the ledger keeps one per currency), never
    // of another account's statement of the day, such as one stored before such files were refused.
    const escrow = await tx.escrowBankAccount.findUnique({ where: { currency }, select: { accountNumber: true } });
    const statement = escrow ? await tx.bankStatement.findUnique({ where: { accountNumber_currency_statementDate: { accountNumber: escrow.accountNumber, currency, statementDate: dateColumn(date) } } }) : null;
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

/**
 * After a day's cut-off: the report of every currency whose statement of the day is already
 * imported. A statement imported while the day was open is first reconciled again against the
 * closed day (reconcileStatementAgain), so that the report holds what the day's ledger booked
 * after the import; a failure there makes no report, and the next close of the day tries again.
 */
export async function produceReconciliationReportsOfDay(prisma: PrismaClient, logger: Logger, date: IsoDate, now = new Date()): Promise<Array<ProducedReport | ReportNotReady>> {
  const rows = await prisma.bankStatement.findMany({ where: { statementDate: dateColumn(date) }, select: { currency: true }, distinct: ['currency'], orderBy: { currency: 'asc' } });
  const produced = [];
  for (const { currency } of rows) {
    const importedWhileOpen = await statementImportedWhileOpen(prisma, date, currency as Currency);
    if (importedWhileOpen) await reconcileStatementAgain(prisma, importedWhileOpen, now);
    produced.push(await produceReconciliationReport(prisma, logger, date, currency as Currency, now));
  }
  return produced;
}

/**
 * The escrow account's statement of a closed day that was imported before the day closed, while
 * the day has no report yet: its items were decided against a ledger the day could still add to.
 * A statement imported after the cut-off was decided against the closed day already, and a day
 * with a report has been reconciled again before it (its items are the later imports' to change),
 * so a close run again changes nothing.
 */
async function statementImportedWhileOpen(prisma: PrismaClient, date: IsoDate, currency: Currency): Promise<string | null> {
  const day = await prisma.accountingDay.findUnique({ where: { businessDate: dateColumn(date) }, select: { status: true, closedAt: true } });
  if (day?.status !== 'CLOSED' || !day.closedAt) return null;
  const escrow = await prisma.escrowBankAccount.findUnique({ where: { currency }, select: { accountNumber: true } });
  if (!escrow) return null;
  const statement = await prisma.bankStatement.findUnique({
    where: { accountNumber_currency_statementDate: { accountNumber: escrow.accountNumber, currency, statementDate: dateColumn(date) } },
    select: { id: true, importedAt: true },
  });
  if (!statement || statement.importedAt >= day.closedAt) return null;
  const report = await prisma.reconciliationReport.findUnique({ where: { businessDate_currency: { businessDate: dateColumn(date), currency } }, select: { id: true } });
  return report ? null : statement.id;
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
