import { z } from 'zod';
import {
  LedgerAccountPurpose as LedgerAccountPurposeValues,
  LedgerAccountType as LedgerAccountTypeValues,
  LedgerAdjustmentStatus as LedgerAdjustmentStatusValues,
  LedgerBook as LedgerBookValues,
  LedgerDirection as LedgerDirectionValues,
} from '../../prisma/generated/client/enums';
import { ADJUSTMENT_PAGE_SIZE_MAX, ADJUSTMENT_REASON_LENGTH_MAX, adjustmentsWhere } from '../../prisma/stores/ledger-adjustment-store';
import { balanceOfTotals, getBalance, type AccountBalance } from '../../prisma/stores/ledger/balances';
import { getStatement, STATEMENT_PAGE_SIZE_DEFAULT, STATEMENT_PAGE_SIZE_MAX, type Statement, type StatementLine } from '../../prisma/stores/ledger/statements';
import { getTransaction, type TransactionEntryView, type TransactionView } from '../../prisma/stores/ledger/transactions';
import { trialBalance, type TrialBalance } from '../../prisma/stores/ledger/trial-balance';
import { visibleAccountsWhere, visibleAdjustmentsWhere } from '../../prisma/stores/visibility';
import { decideLedgerAdjustment } from '../../use-cases/decide-ledger-adjustment';
import { proposeLedgerAdjustment } from '../../use-cases/propose-ledger-adjustment';
import { isOperator } from '../../domain/actor';
import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import { maskVirtualAccountNumber, type LedgerDirection } from '../../domain/ledger-rules';
import { type Currency } from '../../domain/money';
import type { Prisma } from '../../prisma/client';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { LOOKUP_ERRORS } from '../errors';
import { Money, money, queryCurrency } from '../money';
import { rowIdOf, scopedById } from '../global-id';
import { textUpTo } from '../validators';
import { resolveKeyedConnection, type KeyedList } from '../keyed-connection';
import { totalCountField } from '../total-count';

// The escrow ledger, read-only but for one door: an operator's manual adjustment, which a
// second operator must approve. A party sees its own accounts (and, of a transaction, only
// the entries on them); operators see everything, platform accounts and the trial balance
// included. Every amount is Money.

const LedgerAccountTypeEnum = builder.enumType('LedgerAccountType', { values: Object.values(LedgerAccountTypeValues) });
const LedgerDirectionEnum = builder.enumType('LedgerDirection', { values: Object.values(LedgerDirectionValues) });
export const LedgerBookEnum = builder.enumType('LedgerBook', {
  values: Object.values(LedgerBookValues),
  description: 'MONEY is the balance sheet of the escrow; MEMO holds commitments (credit limits, accrued penalties).',
});
const LedgerAccountPurposeEnum = builder.enumType('LedgerAccountPurpose', { values: Object.values(LedgerAccountPurposeValues) });
const LedgerAdjustmentStatusEnum = builder.enumType('LedgerAdjustmentStatus', { values: Object.values(LedgerAdjustmentStatusValues) });

function ownsOrOperates(ctx: GraphQLContext, ownerPartyId: string | null): boolean {
  return isOperator(ctx.viewer) || (ownerPartyId !== null && ownerPartyId === ctx.viewer.partyId);
}

/** A currency argument of a query: an unknown code is input that cannot be valid. */
const LedgerBalance = builder.objectRef<AccountBalance>('LedgerBalance').implement({
  description: "An account's balances on its normal side (credits for liabilities, debits for assets).",
  fields: (t) => ({
    normalBalance: t.field({ type: LedgerDirectionEnum, resolve: (balance) => balance.normalBalance }),
    posted: t.field({ type: Money, description: 'Posted balance.', resolve: (balance) => money(balance.posted, balance.currency) }),
    pending: t.field({ type: Money, description: 'The balance once every pending hold posts in full.', resolve: (balance) => money(balance.pending, balance.currency) }),
    available: t.field({
      type: Money,
      description: 'What can be spent: posted, less holds on their way out (money on its way in does not count).',
      resolve: (balance) => money(balance.available, balance.currency),
    }),
    debitsPosted: t.field({ type: Money, resolve: (balance) => money(balance.debitsPosted, balance.currency) }),
    creditsPosted: t.field({ type: Money, resolve: (balance) => money(balance.creditsPosted, balance.currency) }),
    debitsPending: t.field({ type: Money, resolve: (balance) => money(balance.debitsPending, balance.currency) }),
    creditsPending: t.field({ type: Money, resolve: (balance) => money(balance.creditsPending, balance.currency) }),
    asOf: t.field({ type: 'DateTime', nullable: true, description: 'Null for the balance now.', resolve: (balance) => balance.asOf }),
  }),
});

const LedgerStatementLine = builder.objectRef<StatementLine & { currency: Currency }>('LedgerStatementLine').implement({
  fields: (t) => ({
    transactionId: t.globalID({ resolve: (line) => ({ type: 'LedgerTransaction', id: line.transactionId }) }),
    code: t.exposeString('code'),
    description: t.exposeString('description', { nullable: true }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime' }),
    direction: t.field({ type: LedgerDirectionEnum, resolve: (line) => line.direction }),
    amount: t.field({ type: Money, resolve: (line) => money(line.amount, line.currency) }),
    runningBalance: t.field({ type: Money, description: 'The posted balance after this entry.', resolve: (line) => money(line.runningBalance, line.currency) }),
  }),
});

const LedgerStatementPage = builder.objectRef<Pick<Statement, 'hasNextPage' | 'endCursor'>>('LedgerStatementPageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` for the next page.' }),
  }),
});

const LedgerStatement = builder.objectRef<Statement>('LedgerStatement').implement({
  description: 'One page of a statement: the opening balance, the entries of [from, to) in order with the running balance after each, and the closing balance.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime', description: 'Exclusive.' }),
    openingBalance: t.field({ type: Money, resolve: (statement) => money(statement.openingBalance, statement.currency) }),
    closingBalance: t.field({ type: Money, resolve: (statement) => money(statement.closingBalance, statement.currency) }),
    lines: t.field({
      type: [LedgerStatementLine],
      description: `This page's entries: at most \`first\` (${STATEMENT_PAGE_SIZE_MAX} at the most); \`pageInfo\` leads to the next page.`,
      resolve: (statement) => statement.lines.map((line) => ({ ...line, currency: statement.currency })),
    }),
    pageInfo: t.field({ type: LedgerStatementPage, resolve: (statement) => statement }),
  }),
});

builder.prismaNode('LedgerAccount', {
  description: 'An account in the escrow ledger: a party’s virtual account, or one of the platform’s own.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleAccountsWhere(ctx.viewer)),
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    type: t.field({ type: LedgerAccountTypeEnum, resolve: (account) => account.type }),
    normalBalance: t.field({ type: LedgerDirectionEnum, resolve: (account) => account.normalBalance }),
    book: t.field({ type: LedgerBookEnum, resolve: (account) => account.book }),
    purpose: t.field({ type: LedgerAccountPurposeEnum, resolve: (account) => account.purpose }),
    currency: t.exposeString('currency'),
    ownerParty: t.relation('ownerParty', { nullable: true, description: 'Null for the platform’s own accounts.' }),
    debitsMustNotExceedCredits: t.exposeBoolean('debitsMustNotExceedCredits', { description: 'No overdraft.' }),
    creditsMustNotExceedDebits: t.exposeBoolean('creditsMustNotExceedDebits'),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    virtualAccountNumber: t.string({
      nullable: true,
      description: 'The full number to pay into: shown to the owning party and to operators only.',
      resolve: (account, _args, ctx) => (ownsOrOperates(ctx, account.ownerPartyId) ? account.virtualAccountNumber : null),
    }),
    maskedVirtualAccountNumber: t.string({
      nullable: true,
      description: 'E.g. "9558 **** **** ***2 345".',
      resolve: (account) => (account.virtualAccountNumber ? maskVirtualAccountNumber(account.virtualAccountNumber) : null),
    }),
    balance: t.field({
      type: LedgerBalance,
      description: 'Balances now.',
      resolve: (account) => balanceOfTotals(account.id, account),
    }),
    balanceAt: t.field({
      type: LedgerBalance,
      description: 'Balances as of a past instant: entries effective by then, holds pending at that time.',
      args: { asOf: t.arg({ type: 'DateTime' }) },
      resolve: (account, { asOf }, ctx) => getBalance(ctx.prisma, account.id, asOf),
    }),
    statement: t.field({
      type: LedgerStatement,
      args: {
        from: t.arg({ type: 'DateTime' }),
        to: t.arg({ type: 'DateTime', description: 'Exclusive.' }),
        first: t.arg.int({ required: false, defaultValue: STATEMENT_PAGE_SIZE_DEFAULT, validate: z.number().int().min(1).max(STATEMENT_PAGE_SIZE_MAX, { message: `must be at most ${STATEMENT_PAGE_SIZE_MAX}` }) }),
        after: t.arg.string({ required: false, validate: z.string().max(100) }),
      },
      resolve: (account, args, ctx) => getStatement(ctx.prisma, account.id, { from: args.from, to: args.to, first: args.first ?? STATEMENT_PAGE_SIZE_DEFAULT, after: args.after }),
    }),
  }),
});

const LedgerEntry = builder.objectRef<TransactionEntryView>('LedgerEntry').implement({
  fields: (t) => ({
    account: t.prismaField({ type: 'LedgerAccount', resolve: (query, entry, _args, ctx) => ctx.prisma.ledgerAccount.findUniqueOrThrow({ ...query, where: { id: entry.accountId } }) }),
    direction: t.field({ type: LedgerDirectionEnum, resolve: (entry) => entry.direction }),
    amount: t.field({ type: Money, resolve: (entry) => money(entry.amount, entry.currency) }),
  }),
});

/**
 * A transaction as the caller may see it: operators whole; a party only the entries on its own
 * accounts, and not at all when it has none there.
 */
export async function asSeenBy(ctx: GraphQLContext, transaction: TransactionView): Promise<TransactionView | null> {
  if (isOperator(ctx.viewer)) return transaction;
  const own = await ctx.prisma.ledgerAccount.findMany({ where: { id: { in: transaction.entries.map((entry) => entry.accountId) }, ownerPartyId: ctx.viewer.partyId }, select: { id: true } });
  const ownIds = new Set(own.map((account) => account.id));
  if (ownIds.size === 0) return null;
  return { ...transaction, entries: transaction.entries.filter((entry) => ownIds.has(entry.accountId)) };
}

export async function visibleTransaction(ctx: GraphQLContext, id: string): Promise<TransactionView | null> {
  const transaction = await getTransaction(ctx.prisma, id);
  return transaction && asSeenBy(ctx, transaction);
}

export const LedgerTransaction = builder.objectRef<TransactionView>('LedgerTransaction');

builder.node(LedgerTransaction, {
  description: 'A balanced, immutable movement of money. Corrections are reversing transactions linked to it.',
  id: { resolve: (transaction) => transaction.id },
  loadOne: (id, ctx) => visibleTransaction(ctx, id),
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'idempotencyKey' in value && 'entries' in value,
  fields: (t) => ({
    idempotencyKey: t.exposeString('idempotencyKey'),
    code: t.exposeString('code', { description: 'Why the money moved, e.g. DISBURSEMENT, MANUAL_ADJUSTMENT, REVERSAL.' }),
    description: t.exposeString('description', { nullable: true }),
    book: t.field({ type: LedgerBookEnum, resolve: (transaction) => transaction.book }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    metadata: t.string({ description: 'JSON text.', resolve: (transaction) => JSON.stringify(transaction.metadata) }),
    reverses: t.field({
      type: LedgerTransaction,
      nullable: true,
      description: 'The transaction this one reverses, if you may see it.',
      resolve: (transaction, _args, ctx) => (transaction.reversesTransactionId ? visibleTransaction(ctx, transaction.reversesTransactionId) : null),
    }),
    reversedBy: t.field({
      type: LedgerTransaction,
      nullable: true,
      description: 'The transaction that reversed this one, if any and if you may see it.',
      resolve: (transaction, _args, ctx) => (transaction.reversedByTransactionId ? visibleTransaction(ctx, transaction.reversedByTransactionId) : null),
    }),
    entries: t.field({
      type: [LedgerEntry],
      description: 'Its entries, at least two and a handful in practice; for a party only the entries on its own accounts.',
      resolve: (transaction) => transaction.entries,
    }),
  }),
});

type TrialBalanceLineShape = TrialBalance['lines'][number] & { currency: Currency };

/** The lines in the trial balance's order (trialBalance): by account type, then code. */
const TRIAL_BALANCE_LINES: KeyedList<TrialBalanceLineShape> = {
  name: 'TrialBalanceLine',
  key: [{ of: (line) => line.account.type, values: Object.values(LedgerAccountTypeValues) }, { of: (line) => line.account.code }],
};

const TrialBalanceLine = builder.objectRef<TrialBalanceLineShape>('TrialBalanceLine').implement({
  fields: (t) => ({
    account: t.prismaField({ type: 'LedgerAccount', resolve: (query, line, _args, ctx) => ctx.prisma.ledgerAccount.findUniqueOrThrow({ ...query, where: { id: line.account.id } }) }),
    debit: t.field({ type: Money, resolve: (line) => money(line.debit, line.currency) }),
    credit: t.field({ type: Money, resolve: (line) => money(line.credit, line.currency) }),
  }),
});

const TrialBalanceTypeTotal = builder.objectRef<TrialBalance['totalsByType'][number] & { currency: Currency }>('TrialBalanceTypeTotal').implement({
  fields: (t) => ({
    type: t.field({ type: LedgerAccountTypeEnum, resolve: (total) => total.type }),
    debit: t.field({ type: Money, resolve: (total) => money(total.debit, total.currency) }),
    credit: t.field({ type: Money, resolve: (total) => money(total.credit, total.currency) }),
  }),
});

const TrialBalanceRef = builder.objectRef<TrialBalance>('TrialBalance').implement({
  description: 'Every account’s posted balance in the debit or the credit column; the columns add up to the same total.',
  fields: (t) => ({
    book: t.field({ type: LedgerBookEnum, resolve: (trial) => trial.book }),
    lines: t.connection(
      {
        type: TrialBalanceLine,
        description: 'One line per account, by account type (ASSET, LIABILITY, EQUITY, REVENUE, EXPENSE) and then account code. A cursor names its line: a page goes on from it whatever accounts were opened meanwhile.',
        resolve: (trial, args) => resolveKeyedConnection(TRIAL_BALANCE_LINES, args, trial.lines.map((line) => ({ ...line, currency: trial.currency }))),
      },
      { fields: totalCountField },
    ),
    totalsByType: t.field({ type: [TrialBalanceTypeTotal], description: 'One total per account type (five at most).', resolve: (trial) => trial.totalsByType.map((total) => ({ ...total, currency: trial.currency })) }),
    totalDebit: t.field({ type: Money, resolve: (trial) => money(trial.totalDebit, trial.currency) }),
    totalCredit: t.field({ type: Money, resolve: (trial) => money(trial.totalCredit, trial.currency) }),
    balanced: t.exposeBoolean('balanced', { description: 'Debits equal credits.' }),
  }),
});

interface AdjustmentEntryShape {
  accountId: string;
  direction: LedgerDirection;
  amount: string;
  currency: string;
}

const LedgerAdjustmentEntry = builder.objectRef<AdjustmentEntryShape>('LedgerAdjustmentEntry').implement({
  fields: (t) => ({
    account: t.prismaField({ type: 'LedgerAccount', resolve: (query, entry, _args, ctx) => ctx.prisma.ledgerAccount.findUniqueOrThrow({ ...query, where: { id: entry.accountId } }) }),
    direction: t.field({ type: LedgerDirectionEnum, resolve: (entry) => entry.direction }),
    amount: t.field({ type: Money, resolve: (entry) => money(entry.amount, entry.currency) }),
  }),
});

/** At most this many entries in one adjustment. */
const ADJUSTMENT_ENTRIES_MAX = 64;

builder.prismaNode('LedgerAdjustment', {
  description: 'A manual correction: proposed by one operator, approved (and then posted) or rejected by another.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleAdjustmentsWhere(ctx.viewer)),
  fields: (t) => ({
    status: t.field({ type: LedgerAdjustmentStatusEnum, resolve: (adjustment) => adjustment.status }),
    reason: t.exposeString('reason'),
    entries: t.field({
      type: [LedgerAdjustmentEntry],
      description: `Its entries, at most ${ADJUSTMENT_ENTRIES_MAX}.`,
      resolve: (adjustment) => adjustment.entries as unknown as AdjustmentEntryShape[],
    }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime', nullable: true }),
    maker: t.prismaField({ type: 'User', description: 'Who proposed it.', resolve: (query, adjustment, _args, ctx) => ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: adjustment.makerUserId } }) }),
    checker: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'Who approved or rejected it.',
      resolve: (query, adjustment, _args, ctx) => (adjustment.checkerUserId ? ctx.prisma.user.findUnique({ ...query, where: { id: adjustment.checkerUserId } }) : null),
    }),
    decisionNote: t.exposeString('decisionNote', { nullable: true }),
    transaction: t.field({
      type: LedgerTransaction,
      nullable: true,
      description: 'The posted MANUAL_ADJUSTMENT transaction, once approved.',
      resolve: (adjustment, _args, ctx) => (adjustment.transactionId ? getTransaction(ctx.prisma, adjustment.transactionId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
  }),
});

const LedgerAccountFilter = builder.inputType('LedgerAccountFilter', {
  fields: (t) => ({
    purpose: t.field({ type: LedgerAccountPurposeEnum, required: false }),
    currency: t.string({ required: false, validate: z.string().length(3) }),
    ownerPartyId: t.globalID({ required: false, description: 'Operators only: one party’s accounts.' }),
    platformOnly: t.boolean({ required: false, description: 'Operators only: the platform’s own accounts.' }),
  }),
});

/** The accounts a list shows: the caller's (every one for operators, who may also pick a party's or the platform's), narrowed by the filter. */
function accountsWhere(ctx: GraphQLContext, filter: typeof LedgerAccountFilter.$inferInput | null | undefined): Prisma.LedgerAccountWhereInput {
  const operatorFilter = isOperator(ctx.viewer)
    ? { ...(filter?.ownerPartyId ? { ownerPartyId: rowIdOf(filter.ownerPartyId, 'Party') } : {}), ...(filter?.platformOnly ? { ownerPartyId: null } : {}) }
    : {};
  return { AND: [visibleAccountsWhere(ctx.viewer), operatorFilter, filter?.purpose ? { purpose: filter.purpose } : {}, filter?.currency ? { currency: queryCurrency(filter.currency, ['filter', 'currency']) } : {}] };
}

builder.queryFields((t) => ({
  accounts: t.prismaConnection({
    nullable: true,
    type: 'LedgerAccount',
    cursor: 'id',
    totalCount: (_root, { filter }, ctx) => ctx.prisma.ledgerAccount.count({ where: accountsWhere(ctx, filter) }),
    description: 'Ledger accounts: your party’s; operators see every account, the platform’s included.',
    args: { filter: t.arg({ type: LedgerAccountFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => ctx.prisma.ledgerAccount.findMany({ ...query, where: accountsWhere(ctx, filter), orderBy: { code: 'asc' } }),
  }),
  account: t.prismaField({
    type: 'LedgerAccount',
    nullable: true,
    description: 'A ledger account by id; null when there is none or it is another party’s.',
    args: { id: t.arg.globalID() },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.ledgerAccount.findFirst({ ...query, where: scopedById(rowIdOf(id, 'LedgerAccount'), visibleAccountsWhere(ctx.viewer)) }),
  }),
  ledgerTransaction: t.field({
    type: LedgerTransaction,
    nullable: true,
    description: 'A ledger transaction; null unless it touches one of your accounts, and then with only those entries.',
    args: { id: t.arg.globalID() },
    resolve: (_root, { id }, ctx) => visibleTransaction(ctx, rowIdOf(id, 'LedgerTransaction')),
  }),
  trialBalance: t.field({
    nullable: true,
    type: TrialBalanceRef,
    description: 'Every account’s balance, totals per account type, and whether debits equal credits (operators only).',
    authScopes: { permitted: 'READ_TRIAL_BALANCE' },
    args: {
      currency: t.arg.string({ required: false, defaultValue: 'CNY', validate: z.string().length(3) }),
      book: t.arg({ type: LedgerBookEnum, required: false, defaultValue: 'MONEY' }),
    },
    resolve: (_root, { currency, book }, ctx) => trialBalance(ctx.prisma, queryCurrency(currency ?? 'CNY'), book ?? 'MONEY'),
  }),
  ledgerAdjustments: t.prismaConnection({
    nullable: true,
    type: 'LedgerAdjustment',
    cursor: 'id',
    totalCount: (_root, { status }, ctx) => ctx.prisma.ledgerAdjustment.count({ where: { ...adjustmentsWhere(status), ...visibleAdjustmentsWhere(ctx.viewer) } }),
    description: 'Manual adjustments, newest first (operators only).',
    authScopes: { permitted: 'READ_LEDGER_ADJUSTMENTS' },
    maxSize: ADJUSTMENT_PAGE_SIZE_MAX,
    args: { status: t.arg({ type: LedgerAdjustmentStatusEnum, required: false }) },
    resolve: (query, _root, { status }, ctx) =>
      ctx.prisma.ledgerAdjustment.findMany({ ...query, where: { ...adjustmentsWhere(status), ...visibleAdjustmentsWhere(ctx.viewer) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

const LedgerEntryInputRef = builder.inputType('LedgerEntryInput', {
  fields: (t) => ({
    accountId: t.globalID(),
    direction: t.field({ type: LedgerDirectionEnum }),
    amount: t.field({ type: 'Decimal', description: 'Positive, with no more decimals than the currency has.' }),
    currency: t.string({ validate: z.string().length(3, { message: 'must be an ISO 4217 code such as CNY' }) }),
  }),
});

const ProposeLedgerAdjustmentInput = builder.inputType('ProposeLedgerAdjustmentInput', {
  fields: (t) => ({
    reason: t.string({ validate: textUpTo(ADJUSTMENT_REASON_LENGTH_MAX) }),
    entries: t.field({ type: [LedgerEntryInputRef], validate: z.array(z.any()).max(ADJUSTMENT_ENTRIES_MAX, { message: `at most ${ADJUSTMENT_ENTRIES_MAX} entries` }) }),
    effectiveAt: t.field({ type: 'DateTime', required: false, description: 'Back-dating, e.g. to a bank value date; now when omitted.' }),
  }),
});

builder.mutationFields((t) => ({
  proposeLedgerAdjustment: t.prismaField({
    type: 'LedgerAdjustment',
    description: 'Proposes a manual adjustment (an operator with the MAKER role). Nothing moves until another operator approves it. An effectiveAt in a closed accounting day is a WrongStateError ACCOUNTING_DAY_CLOSED.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { input: t.arg({ type: ProposeLedgerAdjustmentInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { adjustmentId } = await proposeLedgerAdjustment(ctx, ctx.viewer, {
        reason: input.reason,
        effectiveAt: input.effectiveAt ?? null,
        entries: input.entries.map((entry) => ({ accountId: rowIdOf(entry.accountId, 'LedgerAccount'), direction: entry.direction, amount: entry.amount.toFixed(), currency: entry.currency })),
      });
      return ctx.prisma.ledgerAdjustment.findUniqueOrThrow({ ...query, where: { id: adjustmentId } });
    },
  }),
  approveLedgerAdjustment: t.prismaField({
    type: 'LedgerAdjustment',
    description: 'Approves and posts an adjustment (an operator with the CHECKER role, not the one who proposed it).',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError, ConflictError, LimitExceededError] },
    args: { id: t.arg.globalID(), note: t.arg.string({ required: false, validate: textUpTo(ADJUSTMENT_REASON_LENGTH_MAX) }) },
    resolve: async (query, _root, { id, note }, ctx) => {
      const { adjustmentId } = await decideLedgerAdjustment(ctx, ctx.viewer, rowIdOf(id, 'LedgerAdjustment'), { approve: true, note });
      return ctx.prisma.ledgerAdjustment.findUniqueOrThrow({ ...query, where: { id: adjustmentId } });
    },
  }),
  rejectLedgerAdjustment: t.prismaField({
    type: 'LedgerAdjustment',
    description: 'Rejects an adjustment (an operator with the CHECKER role, not the one who proposed it).',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID(), note: t.arg.string({ validate: textUpTo(ADJUSTMENT_REASON_LENGTH_MAX) }) },
    resolve: async (query, _root, { id, note }, ctx) => {
      const { adjustmentId } = await decideLedgerAdjustment(ctx, ctx.viewer, rowIdOf(id, 'LedgerAdjustment'), { approve: false, note });
      return ctx.prisma.ledgerAdjustment.findUniqueOrThrow({ ...query, where: { id: adjustmentId } });
    },
  }),
}));
