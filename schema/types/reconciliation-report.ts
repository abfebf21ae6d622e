import { REPORT_ITEM_LINES_MAX, type ReconciliationReportFigures, type ReportLine } from '../../domain/reconciliation-report';
import { dateColumn } from '../../prisma/stores/ledger/accounting-days';
import { builder } from '../builder';
import { RECONCILIATION_REPORTS_PATH } from '../reconciliation-reports-path';
import { Money, money, queryCurrency } from '../money';

// The daily reconciliation report (余额调节表, docs/reconciliation.md "The identity, every day"),
// operators only: read as stored by the cut-off or the statement import that made it.

const figuresOf = (figures: unknown) => figures as ReconciliationReportFigures;

const ReconciliationReportLineRef = builder.objectRef<ReportLine & { currency: string }>('ReconciliationReportLine').implement({
  description: 'One line of the report, signed as it enters its sum: the bank’s figures, each part of the escrow, each open difference, the explained closing balance and what is left unexplained.',
  fields: (t) => ({
    position: t.exposeInt('position'),
    code: t.exposeString('code', { description: 'BANK_OPENING, BANK_CREDITS, BANK_DEBITS, BANK_CLOSING, the parts (SUPPLIER_SETTLEMENT … SUSPENSE), LEDGER_ESCROW_BANK, BANK_ONLY, LEDGER_ONLY, CUT_OFF_TIMING (on the day’s statement, in the ledger after the cut-off), EXPLAINED_CLOSING, UNEXPLAINED_DIFFERENCE.' }),
    label: t.exposeString('label'),
    amount: t.field({ type: Money, resolve: (line) => money(line.amount, line.currency) }),
    reference: t.exposeString('reference', { nullable: true, description: 'The bank reference (BANK_ONLY, CUT_OFF_TIMING) or the payout or credit reference (LEDGER_ONLY) of a difference.' }),
    ageDays: t.exposeInt('ageDays', { nullable: true, description: 'Days since the difference was first on a statement.' }),
  }),
});

builder.prismaObject('ReconciliationReport', {
  description: 'The proof, for one closed accounting day and currency, that the ledger equals the bank: bank closing balance = customer money + platform money + in transit + suspense ± the open differences.',
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (report) => report.businessDate.toISOString().slice(0, 10) }),
    currency: t.exposeString('currency'),
    version: t.exposeInt('version', { description: 'Computed again (the next version) only when the day’s statement or its differences changed.' }),
    computedAt: t.expose('computedAt', { type: 'DateTime' }),
    balanced: t.exposeBoolean('balanced'),
    openingBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).openingBalance, report.currency) }),
    bankCredits: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).bankCredits, report.currency) }),
    bankDebits: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).bankDebits, report.currency) }),
    closingBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).closingBalance, report.currency) }),
    customerBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).customerBalance, report.currency) }),
    platformBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).platformBalance, report.currency) }),
    inTransitBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).inTransitBalance, report.currency) }),
    suspenseBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).suspenseBalance, report.currency) }),
    ledgerEscrowBalance: t.field({ type: Money, description: 'The ledger’s escrow bank account at the day’s cut-off.', resolve: (report) => money(figuresOf(report.figures).ledgerEscrowBalance, report.currency) }),
    ledgerEscrowEqualsParts: t.boolean({ description: 'The ledger’s escrow bank account equals the sum of the parts (账账相符).', resolve: (report) => figuresOf(report.figures).ledgerEscrowEqualsParts }),
    bankOnlyTotal: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).bankOnlyTotal, report.currency) }),
    ledgerOnlyTotal: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).ledgerOnlyTotal, report.currency) }),
    explainedClosingBalance: t.field({ type: Money, resolve: (report) => money(figuresOf(report.figures).explainedClosingBalance, report.currency) }),
    unexplainedDifference: t.field({ type: Money, description: 'Bank closing balance less the explained one: 0.00 when balanced.', resolve: (report) => money(figuresOf(report.figures).unexplainedDifference, report.currency) }),
    csvUrl: t.string({
      description: 'Where to download the report as CSV on this server: /reconciliation-reports/<date>/<currency>.csv, with the same bearer token (operators only).',
      resolve: (report) => `${RECONCILIATION_REPORTS_PATH}${report.businessDate.toISOString().slice(0, 10)}/${report.currency}.csv`,
    }),
    pdfUrl: t.string({
      description: 'Where to download the report as PDF on this server: /reconciliation-reports/<date>/<currency>.pdf, with the same bearer token (operators only).',
      resolve: (report) => `${RECONCILIATION_REPORTS_PATH}${report.businessDate.toISOString().slice(0, 10)}/${report.currency}.pdf`,
    }),
    lines: t.field({
      type: [ReconciliationReportLineRef],
      description: `The report's lines in order: seventeen fixed lines and at most ${REPORT_ITEM_LINES_MAX} open differences one by one (any beyond summed into one line per outcome).`,
      resolve: (report) => figuresOf(report.figures).lines.map((line) => ({ ...line, currency: report.currency })),
    }),
  }),
});

builder.prismaObjectField('AccountingDay', 'reconciliationReports', (t) =>
  t.prismaField({
    type: ['ReconciliationReport'],
    description: 'The day’s reconciliation reports, one per currency whose statement is imported (operators only; empty until the day is closed and its statement imported).',
    authScopes: { permitted: 'READ_RECONCILIATION_REPORTS' },
    resolve: (query, day, _args, ctx) => ctx.prisma.reconciliationReport.findMany({ ...query, where: { businessDate: day.businessDate }, orderBy: { currency: 'asc' } }),
  }),
);

builder.queryFields((t) => ({
  reconciliationReport: t.prismaField({
    type: 'ReconciliationReport',
    nullable: true,
    description: 'The reconciliation report of a closed accounting day and currency (operators only); null until the day is closed and its statement imported.',
    authScopes: { permitted: 'READ_RECONCILIATION_REPORTS' },
    args: { date: t.arg({ type: 'Date' }), currency: t.arg.string() },
    resolve: (query, _root, { date, currency }, ctx) =>
      ctx.prisma.reconciliationReport.findUnique({ ...query, where: { businessDate_currency: { businessDate: dateColumn(date), currency: queryCurrency(currency) } } }),
  }),
}));
