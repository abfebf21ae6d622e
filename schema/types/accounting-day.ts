import { AccountingDayStatus as AccountingDayStatusValues } from '../../prisma/generated/client/enums';
import { dateColumn } from '../../prisma/stores/ledger/accounting-days';
import { builder } from '../builder';
import { Money, money } from '../money';
import { LedgerBookEnum } from './ledger';

// Accounting days and the daily cut-off (docs/ledger.md, "Accounting days and cut-off"): the
// days, newest first, with the trial balance the cut-off stored for each (operators only), and
// an account's day-end balances (scoped like the account: another party's account is not found,
// so neither are its balances). Read-only: days are closed by the cut-off's schedule alone.

export const ACCOUNTING_DAY_PAGE_SIZE_MAX = 100;

const AccountingDayStatusEnum = builder.enumType('AccountingDayStatus', {
  values: Object.values(AccountingDayStatusValues),
  description: 'OPEN until the cut-off closes the day; a CLOSED day takes no more postings.',
});

/** A DATE column (midnight UTC) as the calendar date it stands for. */
function dateOf(value: Date): string {
  return value.toISOString().slice(0, 10);
}

const AccountingDayTrialBalanceRef = builder.prismaObject('AccountingDayTrialBalance', {
  description: 'A closed day’s trial balance in one currency and book: every account’s day-end posted balance in its debit or credit column, and the day’s own entries.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    book: t.field({ type: LedgerBookEnum, resolve: (trial) => trial.book }),
    totalDebit: t.field({ type: Money, resolve: (trial) => money(trial.totalDebit, trial.currency) }),
    totalCredit: t.field({ type: Money, resolve: (trial) => money(trial.totalCredit, trial.currency) }),
    dayDebits: t.field({ type: Money, description: 'The day’s entries on the debit side.', resolve: (trial) => money(trial.dayDebits, trial.currency) }),
    dayCredits: t.field({ type: Money, description: 'The day’s entries on the credit side.', resolve: (trial) => money(trial.dayCredits, trial.currency) }),
    transactionCount: t.exposeInt('transactionCount', { description: 'Transactions effective in the day.' }),
    accountCount: t.exposeInt('accountCount'),
    balanced: t.boolean({ description: 'Debits equal credits, for the balances and for the day’s entries.', resolve: (trial) => trial.totalDebit.equals(trial.totalCredit) && trial.dayDebits.equals(trial.dayCredits) }),
  }),
});

builder.prismaObject('AccountingDay', {
  description: 'An accounting day (会计日): the postings effective from `opensAt` (inclusive) to `cutOffAt` (exclusive). A posting exactly at a cut-off instant is the next day’s.',
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (day) => dateOf(day.businessDate) }),
    status: t.field({ type: AccountingDayStatusEnum, resolve: (day) => day.status }),
    opensAt: t.expose('opensAt', { type: 'DateTime', nullable: true, description: 'The previous day’s cut-off; null for the first day the ledger closed, which holds everything before.' }),
    cutOffAt: t.expose('cutOffAt', { type: 'DateTime' }),
    cutOffZone: t.exposeString('cutOffZone', { description: 'The IANA zone of the cut-off time, e.g. Asia/Shanghai.' }),
    cutOffTime: t.exposeString('cutOffTime', { description: 'The wall-clock cut-off, HH:MM (24:00 is the midnight that ends the date).' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    trialBalances: t.field({
      type: [AccountingDayTrialBalanceRef],
      description: 'One per currency and book the ledger keeps, as stored when the day closed; empty while it is open.',
      resolve: (day, _args, ctx) => ctx.prisma.accountingDayTrialBalance.findMany({ where: { businessDate: day.businessDate }, orderBy: [{ currency: 'asc' }, { book: 'asc' }] }),
    }),
  }),
});

builder.prismaObject('AccountingDayBalance', {
  description: 'An account’s balances at a closed day’s cut-off, on its normal side.',
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (balance) => dateOf(balance.businessDate) }),
    posted: t.field({ type: Money, resolve: (balance) => money(balance.posted, balance.currency) }),
    available: t.field({ type: Money, description: 'Posted, less holds on their way out at the cut-off.', resolve: (balance) => money(balance.available, balance.currency) }),
    debitsPosted: t.field({ type: Money, resolve: (balance) => money(balance.debitsPosted, balance.currency) }),
    creditsPosted: t.field({ type: Money, resolve: (balance) => money(balance.creditsPosted, balance.currency) }),
    debitsPending: t.field({ type: Money, resolve: (balance) => money(balance.debitsPending, balance.currency) }),
    creditsPending: t.field({ type: Money, resolve: (balance) => money(balance.creditsPending, balance.currency) }),
  }),
});

builder.prismaObjectField('LedgerAccount', 'dayEndBalances', (t) =>
  t.prismaConnection({
    type: 'AccountingDayBalance',
    cursor: 'businessDate_accountId',
    totalCount: (account, _args, ctx) => ctx.prisma.accountingDayBalance.count({ where: { accountId: account.id } }),
    description: 'The account’s balances at the cut-off of each closed accounting day, newest first.',
    maxSize: ACCOUNTING_DAY_PAGE_SIZE_MAX,
    resolve: (query, account, _args, ctx) => ctx.prisma.accountingDayBalance.findMany({ ...query, where: { accountId: account.id }, orderBy: { businessDate: 'desc' } }),
  }),
);

builder.queryFields((t) => ({
  accountingDays: t.prismaConnection({
    nullable: true,
    type: 'AccountingDay',
    cursor: 'businessDate',
    totalCount: (_root, _args, ctx) => ctx.prisma.accountingDay.count(),
    description: 'Accounting days, newest first: the open day and every closed one (operators only).',
    authScopes: { permitted: 'READ_ACCOUNTING_DAYS' },
    maxSize: ACCOUNTING_DAY_PAGE_SIZE_MAX,
    resolve: (query, _root, _args, ctx) => ctx.prisma.accountingDay.findMany({ ...query, orderBy: { businessDate: 'desc' } }),
  }),
  accountingDay: t.prismaField({
    type: 'AccountingDay',
    nullable: true,
    description: 'One accounting day by its date, with its trial balance once closed (operators only); null for a day the cut-off has not reached.',
    authScopes: { permitted: 'READ_ACCOUNTING_DAYS' },
    args: { date: t.arg({ type: 'Date' }) },
    resolve: (query, _root, { date }, ctx) => ctx.prisma.accountingDay.findUnique({ ...query, where: { businessDate: dateColumn(date) } }),
  }),
}));
