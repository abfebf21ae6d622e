import { StatementContinuityError, ConflictError } from '../../domain/errors';
import { dateColumn, isoDateOfColumn } from '../../domain/business-date';
import { STATEMENT_UPLOAD_BYTES_MAX, STATEMENT_FILE_FORMATS } from '../../bank/statement/statement-document';
import {
  ReconciliationOutcome as OutcomeValues,
  ReconciliationRule as RuleValues,
  ReconciliationStatus as StatusValues,
  StatementLineDirection as DirectionValues,
  StatementLineKind as KindValues,
} from '../../prisma/generated/client/enums';
import { STATEMENT_PAGE_SIZE_MAX, visibleToOperators } from '../../prisma/stores/bank-statement-store';
import { getTransaction } from '../../prisma/stores/ledger/transactions';
import { importBankStatement } from '../../use-cases/import-bank-statement';
import { builder } from '../builder';
import { COMMON_ERRORS, ErrorInterface } from '../errors';
import { scopedById } from '../global-id';
import { Money, money, queryCurrency } from '../money';
import { dayRange } from '../validators';
import { LedgerTransaction } from './ledger';

// The escrow bank's statements and their reconciliation against the ledger
// (docs/reconciliation.md): each statement with its lines, what each line matched, and the
// items still unresolved (the operators' work queue). Operators only.

builder.objectType(StatementContinuityError, {
  name: 'StatementContinuityError',
  description: "The statement's opening balance is not the previous day's closing balance (or its closing not the next day's opening): nothing was stored.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StatementContinuityError,
  fields: (t) => ({
    statementDate: t.field({ type: 'Date', resolve: (error) => error.statementDate }),
    balance: t.field({ type: Money, description: "This statement's opening (or closing) balance.", resolve: (error) => money(error.balance, error.currency) }),
    adjacentDate: t.field({ type: 'Date', description: 'The day of the stored statement it does not continue.', resolve: (error) => error.adjacentDate }),
    adjacentBalance: t.field({ type: Money, description: "That statement's closing (or opening) balance.", resolve: (error) => money(error.adjacentBalance, error.currency) }),
  }),
});

const BankStatementFormatEnum = builder.enumType('BankStatementFormat', {
  values: { CAMT053: { value: 'CAMT053', description: 'ISO 20022 camt.053 (BkToCstmrStmt), XML.' }, CSV: { value: 'CSV', description: 'The documented CSV (docs/reconciliation.md).' } } as const,
});
const StatementLineKindEnum = builder.enumType('StatementLineKind', { values: Object.values(KindValues), description: 'PAYOUT (money paid out), PAYOUT_RETURN (a payout sent back), INBOUND_CREDIT (money in, to a virtual account), INBOUND_CREDIT_REVERSAL (the bank taking back a credit it booked in error, 冲正: money out).' });
const StatementLineDirectionEnum = builder.enumType('StatementLineDirection', { values: Object.values(DirectionValues) });
const ReconciliationOutcomeEnum = builder.enumType('ReconciliationOutcome', {
  values: {
    MATCHED: { value: OutcomeValues.MATCHED, description: 'The bank and the ledger agree.' },
    BANK_ONLY: { value: OutcomeValues.BANK_ONLY, description: 'The bank has it, the ledger does not (surplus, 长款), or not yet.' },
    LEDGER_ONLY: { value: OutcomeValues.LEDGER_ONLY, description: 'The ledger has it, the bank does not (shortage, 短款, or in transit).' },
  },
});
const ReconciliationStatusEnum = builder.enumType('ReconciliationStatus', {
  values: {
    OPEN: { value: StatusValues.OPEN, description: 'Unresolved: tried again at every later import.' },
    RESOLVED: { value: StatusValues.RESOLVED, description: 'Matched, or booked (a payout return found on the statement).' },
    NEEDS_ATTENTION: { value: StatusValues.NEEDS_ATTENTION, description: 'Unresolved after RECONCILIATION_ESCALATE_AFTER_DAYS: operators were told once; still tried at every import.' },
  },
});
const ReconciliationRuleEnum = builder.enumType('ReconciliationRule', {
  values: {
    BANK_REFERENCE: { value: RuleValues.BANK_REFERENCE, description: "The bank's reference is the one the feed booked the credit under." },
    PAYOUT_REFERENCE: { value: RuleValues.PAYOUT_REFERENCE, description: 'The payout reference the platform chose (the EndToEndId).' },
    ACCOUNT_AMOUNT_VALUE_DATE: { value: RuleValues.ACCOUNT_AMOUNT_VALUE_DATE, description: 'The virtual account credited, the amount and a receipt within the value-date window.' },
    EXPECTED_PAYMENT: { value: RuleValues.EXPECTED_PAYMENT, description: 'An approved offline receipt expects it; the feed has not booked the money yet.' },
    RETURN_BOOKED: { value: RuleValues.RETURN_BOOKED, description: 'A payout return the ledger had not seen, booked back to the source account from the statement.' },
  },
});

builder.prismaNode('BankStatement', {
  description: "The escrow bank's statement of one day (platform operators only).",
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleToOperators(ctx.viewer)),
  fields: (t) => ({
    accountNumber: t.exposeString('accountNumber', { description: 'The escrow account.' }),
    currency: t.exposeString('currency'),
    statementDate: t.field({ type: 'Date', resolve: (row) => isoDateOfColumn(row.statementDate) }),
    bankStatementId: t.exposeString('bankStatementId', { description: "The bank's id for the statement (camt.053 Stmt/Id)." }),
    format: t.field({ type: BankStatementFormatEnum, description: 'The format it was first imported in.', resolve: (row) => row.format }),
    openingBalance: t.field({ type: Money, resolve: (row) => money(row.openingBalance, row.currency) }),
    closingBalance: t.field({ type: Money, resolve: (row) => money(row.closingBalance, row.currency) }),
    entryCount: t.exposeInt('entryCount', { description: 'Entries in the file, repeated ones included.' }),
    duplicateCount: t.exposeInt('duplicateCount', { description: 'Entries the file listed again under a bank reference it had already listed: kept, flagged, counted once.' }),
    importedAt: t.expose('importedAt', { type: 'DateTime' }),
    lines: t.relatedConnection('lines', { totalCount: true, cursor: 'id', maxSize: STATEMENT_PAGE_SIZE_MAX, query: () => ({ orderBy: { position: 'asc' } }) }),
  }),
});

builder.prismaNode('BankStatementLine', {
  description: 'One entry of a statement, as the file had it.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleToOperators(ctx.viewer)),
  fields: (t) => ({
    position: t.exposeInt('position', { description: "1-based place in the file's entries." }),
    bankReference: t.exposeString('bankReference', { description: "The bank's id for the entry (AcctSvcrRef)." }),
    kind: t.field({ type: StatementLineKindEnum, resolve: (row) => row.kind }),
    direction: t.field({ type: StatementLineDirectionEnum, resolve: (row) => row.direction }),
    amount: t.field({ type: Money, resolve: (row) => money(row.amount, row.currency) }),
    reference: t.exposeString('reference', { description: 'The payout reference (PAYOUT, PAYOUT_RETURN) or the virtual account number credited (INBOUND_CREDIT, and the one a reversal takes back from).' }),
    bookingDate: t.field({ type: 'Date', resolve: (row) => isoDateOfColumn(row.bookingDate) }),
    valueDate: t.field({ type: 'Date', resolve: (row) => isoDateOfColumn(row.valueDate) }),
    endToEndId: t.exposeString('endToEndId', { nullable: true }),
    debtorName: t.exposeString('debtorName', { nullable: true }),
    debtorAccountNumber: t.exposeString('debtorAccountNumber', { nullable: true }),
    creditorName: t.exposeString('creditorName', { nullable: true }),
    creditorAccountNumber: t.exposeString('creditorAccountNumber', { nullable: true }),
    remittanceInformation: t.exposeString('remittanceInformation', { description: '附言, as the bank carried it; matching never relies on it.' }),
    duplicate: t.boolean({ description: 'The file listed this entry already: not counted, not matched.', resolve: (row) => row.duplicateOfId !== null }),
    reconciliation: t.prismaField({
      type: 'ReconciliationItem',
      nullable: true,
      description: 'What reconciliation made of the line; null for a duplicate.',
      resolve: (query, row, _args, ctx) => ctx.prisma.reconciliationItem.findUnique({ ...query, where: { statementLineId: row.id } }),
    }),
  }),
});

export const ReconciliationItemRef = builder.prismaNode('ReconciliationItem', {
  description: 'What reconciliation made of a statement line (MATCHED, BANK_ONLY), or ledger activity no statement showed (LEDGER_ONLY).',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleToOperators(ctx.viewer)),
  fields: (t) => ({
    outcome: t.field({ type: ReconciliationOutcomeEnum, resolve: (row) => row.outcome }),
    status: t.field({ type: ReconciliationStatusEnum, resolve: (row) => row.status }),
    kind: t.field({ type: StatementLineKindEnum, resolve: (row) => row.kind }),
    amount: t.field({ type: Money, resolve: (row) => money(row.amount, row.currency) }),
    rule: t.field({ type: ReconciliationRuleEnum, nullable: true, description: 'The rule that matched (or booked) it.', resolve: (row) => row.rule }),
    detail: t.exposeString('detail', { description: 'What was found, in words.' }),
    firstStatementDate: t.field({ type: 'Date', description: 'The statement that first showed it (or, for LEDGER_ONLY, the first that should have).', resolve: (row) => isoDateOfColumn(row.firstStatementDate) }),
    lastCheckedDate: t.field({ type: 'Date', description: 'The statement at whose import it was last tried.', resolve: (row) => isoDateOfColumn(row.lastCheckedDate) }),
    escalatedAt: t.expose('escalatedAt', { type: 'DateTime', nullable: true }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    line: t.prismaField({
      type: 'BankStatementLine',
      nullable: true,
      description: "The bank's side; null for LEDGER_ONLY.",
      resolve: (query, row, _args, ctx) => (row.statementLineId ? ctx.prisma.bankStatementLine.findUnique({ ...query, where: { id: row.statementLineId } }) : null),
    }),
    inboundCredit: t.prismaField({
      type: 'InboundCredit',
      nullable: true,
      description: 'The credit the ledger booked that the line matched, or, for a bank\'s reversal (INBOUND_CREDIT_REVERSAL), the credit it takes back.',
      resolve: (query, row, _args, ctx) => (row.inboundCreditId ? ctx.prisma.inboundCredit.findUnique({ ...query, where: { id: row.inboundCreditId } }) : null),
    }),
    payout: t.prismaField({
      type: 'Payout',
      nullable: true,
      description: 'The payout the line is of.',
      resolve: (query, row, _args, ctx) => (row.payoutId ? ctx.prisma.payout.findUnique({ ...query, where: { id: row.payoutId } }) : null),
    }),
    offlineRepayment: t.prismaField({
      type: 'OfflineRepayment',
      nullable: true,
      description: 'EXPECTED_PAYMENT: the approved offline receipt that expects the money.',
      resolve: (query, row, _args, ctx) => (row.offlineRepaymentId ? ctx.prisma.offlineRepayment.findUnique({ ...query, where: { id: row.offlineRepaymentId } }) : null),
    }),
    bookedTransaction: t.field({
      type: LedgerTransaction,
      nullable: true,
      description: 'RETURN_BOOKED: the posting that brought the returned money back to its source account.',
      resolve: (row, _args, ctx) => (row.bookedTransactionId ? getTransaction(ctx.prisma, row.bookedTransactionId) : null),
    }),
  }),
});

const ImportBankStatementInput = builder.inputType('ImportBankStatementInput', {
  fields: (t) => ({
    format: t.field({ type: BankStatementFormatEnum }),
    content: t.string({ description: `The file's text, UTF-8; at most ${STATEMENT_UPLOAD_BYTES_MAX} bytes.` }),
  }),
});

interface ImportResult {
  statementId: string;
  importedBefore: boolean;
  returnsBooked: number;
}

const ImportBankStatementResult = builder.objectRef<ImportResult>('ImportBankStatementResult').implement({
  description: 'The statement as stored, and what the import did.',
  fields: (t) => ({
    statement: t.prismaField({ type: 'BankStatement', resolve: (query, result, _args, ctx) => ctx.prisma.bankStatement.findUniqueOrThrow({ ...query, where: { id: result.statementId } }) }),
    importedBefore: t.exposeBoolean('importedBefore', { description: 'The same statement was imported before: nothing changed.' }),
    returnsBooked: t.exposeInt('returnsBooked', { description: 'Payout returns found on statements and booked back to their source accounts by this import.' }),
  }),
});

builder.mutationFields((t) => ({
  importBankStatement: t.field({
    type: ImportBankStatementResult,
    description: "Imports the escrow bank's statement of one day and reconciles it against the ledger (platform operators). The same statement again changes nothing and answers the stored one.",
    errors: { types: [...COMMON_ERRORS, ConflictError, StatementContinuityError] },
    args: { input: t.arg({ type: ImportBankStatementInput }) },
    resolve: async (_root, { input }, ctx) => {
      if (!(STATEMENT_FILE_FORMATS as readonly string[]).includes(input.format)) throw new Error(`unknown format ${input.format}`);
      const imported = await importBankStatement(ctx, ctx.viewer, { format: input.format, content: input.content });
      return { statementId: imported.statement.id, importedBefore: !imported.created, returnsBooked: imported.returnsBooked };
    },
  }),
}));

function reconciliationItemsWhere(args: { outcome?: OutcomeValues | null; status?: StatusValues | null; from?: string | null; to?: string | null }) {
  const firstStatementDate = { ...(args.from ? { gte: dateColumn(args.from) } : {}), ...(args.to ? { lte: dateColumn(args.to) } : {}) };
  return { ...(args.outcome ? { outcome: args.outcome } : {}), ...(args.status ? { status: args.status } : {}), ...(args.from || args.to ? { firstStatementDate } : {}) };
}

builder.queryFields((t) => ({
  bankStatements: t.prismaConnection({
    nullable: true,
    type: 'BankStatement',
    cursor: 'id',
    description: "The escrow bank's statements, newest day first (operators only).",
    totalCount: (_root, { currency }, ctx) => ctx.prisma.bankStatement.count({ where: { ...(currency ? { currency: queryCurrency(currency) } : {}) } }),
    authScopes: { permitted: 'READ_BANK_STATEMENTS' },
    maxSize: STATEMENT_PAGE_SIZE_MAX,
    args: { currency: t.arg.string({ required: false }) },
    resolve: (query, _root, { currency }, ctx) =>
      ctx.prisma.bankStatement.findMany({ ...query, where: { ...(currency ? { currency: queryCurrency(currency) } : {}) }, orderBy: [{ statementDate: 'desc' }, { id: 'asc' }] }),
  }),
  reconciliationItems: t.prismaConnection({
    nullable: true,
    type: 'ReconciliationItem',
    cursor: 'id',
    totalCount: (_root, args, ctx) => ctx.prisma.reconciliationItem.count({ where: reconciliationItemsWhere(args) }),
    description: 'Reconciliation items, oldest first, filtered by outcome, status and the day of their first statement, `from` to `to` inclusive (operators only): `status: OPEN` and `NEEDS_ATTENTION` are the work queue.',
    authScopes: { permitted: 'READ_BANK_STATEMENTS' },
    maxSize: STATEMENT_PAGE_SIZE_MAX,
    args: {
      outcome: t.arg({ type: ReconciliationOutcomeEnum, required: false }),
      status: t.arg({ type: ReconciliationStatusEnum, required: false }),
      from: t.arg({ type: 'Date', required: false, description: 'First statement on or after this day.' }),
      to: t.arg({ type: 'Date', required: false, description: 'First statement on or before this day.' }),
    },
    validate: dayRange('from', 'to'),
    resolve: (query, _root, args, ctx) => ctx.prisma.reconciliationItem.findMany({ ...query, where: reconciliationItemsWhere(args), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));
