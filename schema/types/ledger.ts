import { z } from 'zod';
import {
  LedgerAccountPurpose as LedgerAccountPurposeValues,
  LedgerAccountType as LedgerAccountTypeValues,
  LedgerAdjustmentStatus as LedgerAdjustmentStatusValues,
  LedgerBook as LedgerBookValues,
  LedgerDirection as LedgerDirectionValues,
} from '../../prisma/generated/client/enums';
import { ADJUSTMENT_PAGE_SIZE_MAX, ADJUSTMENT_REASON_LENGTH_MAX, adjustmentsWhere } from '../../prisma/stores/ledger-adjustment-store';
import { decideLedgerAdjustment } from '../../use-cases/decide-ledger-adjustment';
import { proposeLedgerAdjustment } from '../../use-cases/propose-ledger-adjustment';
import { balanceOfTotals, getBalance, type AccountBalance } from '../../prisma/stores/ledger/balances';
import { getStatement, STATEMENT_PAGE_SIZE_DEFAULT, STATEMENT_PAGE_SIZE_MAX, type Statement, type StatementLine } from '../../prisma/stores/ledger/statements';
import { getTransaction, type TransactionEntryView, type TransactionView } from '../../prisma/stores/ledger/transactions';
import { trialBalance, type TrialBalance } from '../../prisma/stores/ledger/trial-balance';
import { isOperator } from '../../domain/actor';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { maskVirtualAccountNumber, type LedgerDirection } from '../../domain/ledger-rules';
import { formatAmount, isCurrency, type Currency, type Decimal } from '../../domain/money';
import { builder } from '../builder';
import { textUpTo, uuid } from '../validators';
import type { GraphQLContext } from '../context';
import { COMMON_ERRORS, LOOKUP_ERRORS } from '../errors';

// The escrow ledger, read-only but for one door: an operator's manual adjustment, which a
// second operator must approve. A party sees its own accounts (and, of a transaction, only
// the entries on them); operators see everything, platform accounts and the trial balance
// included. Amounts are Decimal strings with exactly the currency's decimals.

const LedgerAccountTypeEnum = builder.enumType('LedgerAccountType', { values: Object.values(LedgerAccountTypeValues) });
const LedgerDirectionEnum = builder.enumType('LedgerDirection', { values: Object.values(LedgerDirectionValues) });
const LedgerBookEnum = builder.enumType('LedgerBook', {
  values: Object.values(LedgerBookValues),
  description: 'MONEY is the balance sheet of the escrow; MEMO holds commitments (credit limits, accrued penalties).',
});
const LedgerAccountPurposeEnum = builder.enumType('LedgerAccountPurpose', { values: Object.values(LedgerAccountPurposeValues) });
const LedgerAdjustmentStatusEnum = builder.enumType('LedgerAdjustmentStatus', { values: Object.values(LedgerAdjustmentStatusValues) });


function amount(value: Decimal, currency: string): string {
  return isCurrency(currency) ? formatAmount(value, currency) : value.toFixed();
}

function ownsOrOperates(ctx: GraphQLContext, ownerPartyId: string | null): boolean {
  return isOperator(ctx.viewer) || (ownerPartyId !== null && ownerPartyId === ctx.viewer.partyId);
}

/** Where-clause of the accounts a viewer may see: its party's, or all of them for operators. */
function visibleAccountsWhere(ctx: GraphQLContext) {
  return isOperator(ctx.viewer) ? {} : { ownerPartyId: ctx.viewer.partyId };
}

const LedgerBalance = builder.objectRef<AccountBalance>('LedgerBalance').implement({
  description: "An account's balances on its normal side (credits for liabilities, debits for assets).",
  fields: (t) => ({
    currency: t.exposeString('currency'),
    normalBalance: t.field({ type: LedgerDirectionEnum, resolve: (balance) => balance.normalBalance }),
    posted: t.field({ type: 'Decimal', description: 'Posted balance.', resolve: (balance) => amount(balance.posted, balance.currency) }),
    pending: t.field({ type: 'Decimal', description: 'The balance once every pending hold posts in full.', resolve: (balance) => amount(balance.pending, balance.currency) }),
    available: t.field({
      type: 'Decimal',
      description: 'What can be spent: posted, less holds on their way out (money on its way in does not count).',
      resolve: (balance) => amount(balance.available, balance.currency),
    }),
    debitsPosted: t.field({ type: 'Decimal', resolve: (balance) => amount(balance.debitsPosted, balance.currency) }),
    creditsPosted: t.field({ type: 'Decimal', resolve: (balance) => amount(balance.creditsPosted, balance.currency) }),
    debitsPending: t.field({ type: 'Decimal', resolve: (balance) => amount(balance.debitsPending, balance.currency) }),
    creditsPending: t.field({ type: 'Decimal', resolve: (balance) => amount(balance.creditsPending, balance.currency) }),
    asOf: t.field({ type: 'DateTime', nullable: true, description: 'Null for the balance now.', resolve: (balance) => balance.asOf }),
  }),
});

const LedgerStatementLine = builder.objectRef<StatementLine & { currency: Currency }>('LedgerStatementLine').implement({
  fields: (t) => ({
    entryId: t.exposeID('entryId'),
    transactionId: t.exposeID('transactionId'),
    code: t.exposeString('code'),
    description: t.exposeString('description', { nullable: true }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime' }),
    direction: t.field({ type: LedgerDirectionEnum, resolve: (line) => line.direction }),
    amount: t.field({ type: 'Decimal', resolve: (line) => amount(line.amount, line.currency) }),
    runningBalance: t.field({ type: 'Decimal', description: 'The posted balance after this entry.', resolve: (line) => amount(line.runningBalance, line.currency) }),
  }),
});

const LedgerStatementPage = builder.objectRef<Pick<Statement, 'hasNextPage' | 'endCursor'>>('LedgerStatementPageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` for the next page.' }),
  }),
});

const LedgerStatement = builder.objectRef<Statement>('LedgerStatement').implement({
  description: 'Opening balance, the entries of [from, to) in order with the running balance after each, and the closing balance.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime', description: 'Exclusive.' }),
    openingBalance: t.field({ type: 'Decimal', resolve: (statement) => amount(statement.openingBalance, statement.currency) }),
    closingBalance: t.field({ type: 'Decimal', resolve: (statement) => amount(statement.closingBalance, statement.currency) }),
    lines: t.field({ type: [LedgerStatementLine], resolve: (statement) => statement.lines.map((line) => ({ ...line, currency: statement.currency })) }),
    pageInfo: t.field({ type: LedgerStatementPage, resolve: (statement) => statement }),
  }),
});

builder.prismaObject('LedgerAccount', {
  description: 'An account in the escrow ledger: a party’s virtual account, or one of the platform’s own.',
  fields: (t) => ({
    id: t.exposeID('id'),
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
      errors: { types: [ValidationError] },
      resolve: (account, args, ctx) => getStatement(ctx.prisma, account.id, { from: args.from, to: args.to, first: args.first ?? STATEMENT_PAGE_SIZE_DEFAULT, after: args.after }),
    }),
  }),
});

const LedgerEntry = builder.objectRef<TransactionEntryView>('LedgerEntry').implement({
  fields: (t) => ({
    entryId: t.exposeID('entryId'),
    accountId: t.exposeID('accountId'),
    account: t.prismaField({ type: 'LedgerAccount', resolve: (query, entry, _args, ctx) => ctx.prisma.ledgerAccount.findUniqueOrThrow({ ...query, where: { id: entry.accountId } }) }),
    direction: t.field({ type: LedgerDirectionEnum, resolve: (entry) => entry.direction }),
    amount: t.field({ type: 'Decimal', resolve: (entry) => amount(entry.amount, entry.currency) }),
    currency: t.exposeString('currency'),
  }),
});

export const LedgerTransaction = builder.objectRef<TransactionView>('LedgerTransaction').implement({
  description: 'A balanced, immutable movement of money. Corrections are reversing transactions linked to it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    idempotencyKey: t.exposeString('idempotencyKey'),
    code: t.exposeString('code', { description: 'Why the money moved, e.g. DISBURSEMENT, MANUAL_ADJUSTMENT, REVERSAL.' }),
    description: t.exposeString('description', { nullable: true }),
    book: t.field({ type: LedgerBookEnum, resolve: (transaction) => transaction.book }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    metadata: t.string({ description: 'JSON text.', resolve: (transaction) => JSON.stringify(transaction.metadata) }),
    reversesTransactionId: t.exposeID('reversesTransactionId', { nullable: true }),
    reversedByTransactionId: t.exposeID('reversedByTransactionId', { nullable: true }),
    entries: t.field({ type: [LedgerEntry], description: 'For a party: only the entries on its own accounts.', resolve: (transaction) => transaction.entries }),
  }),
});

const TrialBalanceLine = builder.objectRef<TrialBalance['lines'][number] & { currency: Currency }>('TrialBalanceLine').implement({
  fields: (t) => ({
    account: t.prismaField({ type: 'LedgerAccount', resolve: (query, line, _args, ctx) => ctx.prisma.ledgerAccount.findUniqueOrThrow({ ...query, where: { id: line.account.id } }) }),
    debit: t.field({ type: 'Decimal', resolve: (line) => amount(line.debit, line.currency) }),
    credit: t.field({ type: 'Decimal', resolve: (line) => amount(line.credit, line.currency) }),
  }),
});

const TrialBalanceTypeTotal = builder.objectRef<TrialBalance['totalsByType'][number] & { currency: Currency }>('TrialBalanceTypeTotal').implement({
  fields: (t) => ({
    type: t.field({ type: LedgerAccountTypeEnum, resolve: (total) => total.type }),
    debit: t.field({ type: 'Decimal', resolve: (total) => amount(total.debit, total.currency) }),
    credit: t.field({ type: 'Decimal', resolve: (total) => amount(total.credit, total.currency) }),
  }),
});

const TrialBalanceRef = builder.objectRef<TrialBalance>('TrialBalance').implement({
  description: 'Every account’s posted balance in the debit or the credit column; the columns add up to the same total.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    book: t.field({ type: LedgerBookEnum, resolve: (trial) => trial.book }),
    lines: t.field({ type: [TrialBalanceLine], resolve: (trial) => trial.lines.map((line) => ({ ...line, currency: trial.currency })) }),
    totalsByType: t.field({ type: [TrialBalanceTypeTotal], resolve: (trial) => trial.totalsByType.map((total) => ({ ...total, currency: trial.currency })) }),
    totalDebit: t.field({ type: 'Decimal', resolve: (trial) => amount(trial.totalDebit, trial.currency) }),
    totalCredit: t.field({ type: 'Decimal', resolve: (trial) => amount(trial.totalCredit, trial.currency) }),
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
    accountId: t.exposeID('accountId'),
    direction: t.field({ type: LedgerDirectionEnum, resolve: (entry) => entry.direction }),
    amount: t.field({ type: 'Decimal', resolve: (entry) => entry.amount }),
    currency: t.exposeString('currency'),
  }),
});

builder.prismaObject('LedgerAdjustment', {
  description: 'A manual correction: proposed by one operator, approved (and then posted) or rejected by another.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: LedgerAdjustmentStatusEnum, resolve: (adjustment) => adjustment.status }),
    reason: t.exposeString('reason'),
    entries: t.field({ type: [LedgerAdjustmentEntry], resolve: (adjustment) => adjustment.entries as unknown as AdjustmentEntryShape[] }),
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
    ownerPartyId: t.id({ required: false, validate: uuid, description: 'Operators only: one party’s accounts.' }),
    platformOnly: t.boolean({ required: false, description: 'Operators only: the platform’s own accounts.' }),
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

builder.queryFields((t) => ({
  accounts: t.prismaConnection({
    type: 'LedgerAccount',
    cursor: 'id',
    description: 'Ledger accounts: your party’s; operators see every account, the platform’s included.',
    errors: { types: [...COMMON_ERRORS] },
    args: { filter: t.arg({ type: LedgerAccountFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => {
      const operatorFilter = isOperator(ctx.viewer)
        ? { ...(filter?.ownerPartyId ? { ownerPartyId: String(filter.ownerPartyId) } : {}), ...(filter?.platformOnly ? { ownerPartyId: null } : {}) }
        : {};
      return ctx.prisma.ledgerAccount.findMany({
        ...query,
        where: { ...operatorFilter, ...visibleAccountsWhere(ctx), ...(filter?.purpose ? { purpose: filter.purpose } : {}), ...(filter?.currency ? { currency: filter.currency } : {}) },
        orderBy: { code: 'asc' },
      });
    },
  }),
  account: t.prismaField({
    type: 'LedgerAccount',
    description: 'A ledger account by id. Another party’s account is "not found".',
    errors: { types: [...LOOKUP_ERRORS] },
    args: { id: t.arg.id({ validate: uuid }) },
    resolve: async (query, _root, { id }, ctx) => {
      const account = await ctx.prisma.ledgerAccount.findFirst({ ...query, where: { id: String(id), ...visibleAccountsWhere(ctx) } });
      if (!account) throw new NotFoundError('LedgerAccount', String(id));
      return account;
    },
  }),
  ledgerTransaction: t.field({
    type: LedgerTransaction,
    description: 'A ledger transaction. A party sees it only if it touches one of its accounts, and then only those entries.',
    errors: { types: [...LOOKUP_ERRORS] },
    args: { id: t.arg.id({ validate: uuid }) },
    resolve: async (_root, { id }, ctx) => {
      const transaction = await getTransaction(ctx.prisma, String(id));
      const visible = transaction && (await asSeenBy(ctx, transaction));
      if (!visible) throw new NotFoundError('LedgerTransaction', String(id));
      return visible;
    },
  }),
  trialBalance: t.field({
    type: TrialBalanceRef,
    description: 'Every account’s balance, totals per account type, and whether debits equal credits (operators only).',
    authScopes: { operator: true },
    errors: { types: [...COMMON_ERRORS] },
    args: {
      currency: t.arg.string({ required: false, defaultValue: 'CNY', validate: z.string().length(3) }),
      book: t.arg({ type: LedgerBookEnum, required: false, defaultValue: 'MONEY' }),
    },
    resolve: (_root, { currency, book }, ctx) => {
      const code = currency ?? 'CNY';
      if (!isCurrency(code)) throw ValidationError.field(['currency'], `currency ${code} is not supported`, 'CURRENCY_NOT_SUPPORTED');
      return trialBalance(ctx.prisma, code, book ?? 'MONEY');
    },
  }),
  ledgerAdjustments: t.prismaConnection({
    type: 'LedgerAdjustment',
    cursor: 'id',
    description: 'Manual adjustments, newest first (operators only).',
    authScopes: { operator: true },
    errors: { types: [...COMMON_ERRORS] },
    maxSize: ADJUSTMENT_PAGE_SIZE_MAX,
    args: { status: t.arg({ type: LedgerAdjustmentStatusEnum, required: false }) },
    resolve: (query, _root, { status }, ctx) => {
      // authScopes has already refused non-operators; this is a second lock on the same door.
      if (!isOperator(ctx.viewer)) return [];
      return ctx.prisma.ledgerAdjustment.findMany({ ...query, where: adjustmentsWhere(status), orderBy: { createdAt: 'desc' } });
    },
  }),
}));

const LedgerEntryInputRef = builder.inputType('LedgerEntryInput', {
  fields: (t) => ({
    accountId: t.id({ validate: uuid }),
    direction: t.field({ type: LedgerDirectionEnum }),
    amount: t.field({ type: 'Decimal', description: 'Positive, with no more decimals than the currency has.' }),
    currency: t.string({ validate: z.string().length(3, { message: 'must be an ISO 4217 code such as CNY' }) }),
  }),
});

const ProposeLedgerAdjustmentInput = builder.inputType('ProposeLedgerAdjustmentInput', {
  fields: (t) => ({
    reason: t.string({ validate: textUpTo(ADJUSTMENT_REASON_LENGTH_MAX) }),
    entries: t.field({ type: [LedgerEntryInputRef], validate: z.array(z.any()).max(64, { message: 'at most 64 entries' }) }),
    effectiveAt: t.field({ type: 'DateTime', required: false, description: 'Back-dating, e.g. to a bank value date; now when omitted.' }),
  }),
});

builder.mutationFields((t) => ({
  proposeLedgerAdjustment: t.prismaField({
    type: 'LedgerAdjustment',
    description: 'Proposes a manual adjustment (an operator with the MAKER role). Nothing moves until another operator approves it.',
    authScopes: { $all: { operator: true, userRole: 'MAKER' } },
    errors: { types: [...LOOKUP_ERRORS] },
    args: { input: t.arg({ type: ProposeLedgerAdjustmentInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { adjustmentId } = await proposeLedgerAdjustment(ctx, ctx.viewer, {
        reason: input.reason,
        effectiveAt: input.effectiveAt ?? null,
        entries: input.entries.map((entry) => ({ accountId: String(entry.accountId), direction: entry.direction, amount: entry.amount.toFixed(), currency: entry.currency })),
      });
      return ctx.prisma.ledgerAdjustment.findUniqueOrThrow({ ...query, where: { id: adjustmentId } });
    },
  }),
  approveLedgerAdjustment: t.prismaField({
    type: 'LedgerAdjustment',
    description: 'Approves and posts an adjustment (an operator with the CHECKER role, not the one who proposed it).',
    authScopes: { $all: { operator: true, userRole: 'CHECKER' } },
    errors: { types: [...LOOKUP_ERRORS, WrongStateError, ConflictError, LimitExceededError] },
    args: { id: t.arg.id({ validate: uuid }), note: t.arg.string({ required: false, validate: textUpTo(ADJUSTMENT_REASON_LENGTH_MAX) }) },
    resolve: async (query, _root, { id, note }, ctx) => {
      const { adjustmentId } = await decideLedgerAdjustment(ctx, ctx.viewer, String(id), { approve: true, note });
      return ctx.prisma.ledgerAdjustment.findUniqueOrThrow({ ...query, where: { id: adjustmentId } });
    },
  }),
  rejectLedgerAdjustment: t.prismaField({
    type: 'LedgerAdjustment',
    description: 'Rejects an adjustment (an operator with the CHECKER role, not the one who proposed it).',
    authScopes: { $all: { operator: true, userRole: 'CHECKER' } },
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.id({ validate: uuid }), note: t.arg.string({ validate: textUpTo(ADJUSTMENT_REASON_LENGTH_MAX) }) },
    resolve: async (query, _root, { id, note }, ctx) => {
      const { adjustmentId } = await decideLedgerAdjustment(ctx, ctx.viewer, String(id), { approve: false, note });
      return ctx.prisma.ledgerAdjustment.findUniqueOrThrow({ ...query, where: { id: adjustmentId } });
    },
  }),
}));

