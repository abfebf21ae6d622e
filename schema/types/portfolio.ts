import { z } from 'zod';
import type { Party } from '../../prisma/client';
import {
  PORTFOLIO_EXPOSURES_MAX,
  REPAYMENTS_DUE_WITHIN_DAYS_MAX,
  portfolioExposures,
  portfolioScopeOf,
  portfolioTotals,
  repaymentsDueWhere,
  type Exposure,
  type ExposureSide,
  type OwedTotals,
  type PortfolioScope,
  type PortfolioTotals,
} from '../../prisma/stores/portfolio-store';
import { businessDateOf } from '../../domain/business-date';
import { type Currency } from '../../domain/money';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';

import { Money, money, queryCurrency } from '../money';
import { Counterparty } from './receivable';

const REPAYMENTS_DUE_WITHIN_DAYS_DEFAULT = 30;
const PORTFOLIO_CURRENCY_DEFAULT = 'CNY';

interface PortfolioShape {
  scope: PortfolioScope;
  totals: PortfolioTotals;
}

/** A figure block with the currency it is in, so each amount can be a Money. */
interface InCurrency<T> {
  figures: T;
  currency: Currency;
}

const PortfolioOwed = builder.objectRef<InCurrency<OwedTotals>>('PortfolioOwed').implement({
  description: 'What is still owed on a set of financings, per waterfall bucket.',
  fields: (t) => ({
    count: t.int({ description: 'How many financings.', resolve: ({ figures }) => figures.count }),
    principal: t.field({ type: Money, resolve: ({ figures, currency }) => money(figures.principal, currency) }),
    interest: t.field({ type: Money, resolve: ({ figures, currency }) => money(figures.interest, currency) }),
    fees: t.field({ type: Money, resolve: ({ figures, currency }) => money(figures.fees, currency) }),
    penalty: t.field({ type: Money, description: 'Penalty interest charged and not yet paid.', resolve: ({ figures, currency }) => money(figures.penalty, currency) }),
    total: t.field({ type: Money, description: 'Principal, interest, fees and penalty together.', resolve: ({ figures, currency }) => money(figures.total, currency) }),
  }),
});

const PortfolioSettled = builder.objectRef<InCurrency<PortfolioTotals['settled']>>('PortfolioSettled').implement({
  description: 'Financings repaid in full (SETTLED).',
  fields: (t) => ({
    count: t.int({ resolve: ({ figures }) => figures.count }),
    principal: t.field({ type: Money, description: 'The principal they were disbursed with.', resolve: ({ figures, currency }) => money(figures.principal, currency) }),
    repaid: t.field({ type: Money, description: 'Everything repaid on them: principal, interest, fees and penalty.', resolve: ({ figures, currency }) => money(figures.repaid, currency) }),
    penaltyCollected: t.field({ type: Money, description: 'The penalty interest part of `repaid`.', resolve: ({ figures, currency }) => money(figures.penaltyCollected, currency) }),
  }),
});

const PortfolioPending = builder.objectRef<InCurrency<PortfolioTotals['pending']>>('PortfolioPending').implement({
  description: 'Applications not yet disbursed: awaiting acknowledgement or approval, APPROVED, or FUNDING_PENDING.',
  fields: (t) => ({
    count: t.int({ resolve: ({ figures }) => figures.count }),
    principal: t.field({ type: Money, description: 'The principal applied for.', resolve: ({ figures, currency }) => money(figures.principal, currency) }),
  }),
});

interface ExposureShape extends Exposure {
  party: Party;
  currency: Currency;
}

const exposureType = (side: ExposureSide) =>
  builder.objectRef<ExposureShape>(side === 'OBLIGOR' ? 'ObligorExposure' : 'SupplierExposure').implement({
    description: side === 'OBLIGOR' ? 'What one core enterprise owes across the portfolio.' : 'What is owed on one supplier\'s financings across the portfolio.',
    fields: (t) => ({
      [side === 'OBLIGOR' ? 'obligor' : 'supplier']: t.field({ type: Counterparty, resolve: (row) => row.party }),
      count: t.int({ description: 'Servicing financings.', resolve: (row) => row.count }),
      outstanding: t.field({ type: Money, description: 'Principal, interest, fees and penalty still owed.', resolve: (row) => money(row.outstanding, row.currency) }),
      overdue: t.field({ type: Money, description: 'The part of `outstanding` on OVERDUE financings.', resolve: (row) => money(row.overdue, row.currency) }),
    }),
  });

const ObligorExposure = exposureType('OBLIGOR');
const SupplierExposure = exposureType('SUPPLIER');

/** The grouped figures, with each party loaded in one query rather than one per row. */
async function exposuresOf(ctx: GraphQLContext, scope: PortfolioScope, side: ExposureSide): Promise<ExposureShape[]> {
  const rows = await portfolioExposures(ctx.prisma, scope, side);
  const parties = new Map((await ctx.prisma.party.findMany({ where: { id: { in: rows.map((row) => row.partyId) } } })).map((party) => [party.id, party]));
  return rows.map((row) => {
    const party = parties.get(row.partyId);
    // A financing's parties are foreign keys that cannot be deleted: a missing one is a broken database, not a result.
    if (!party) throw new Error(`party ${row.partyId} of a financing does not exist`);
    return { ...row, party, currency: scope.currency };
  });
}

const Portfolio = builder.objectRef<PortfolioShape>('Portfolio').implement({
  description:
    "A funder's book in one currency (an operator's: every funder's): what is owed, what is overdue, what was repaid, and what is still in the pipeline. Sums are exact.",
  fields: (t) => ({
    currency: t.string({ resolve: ({ scope }) => scope.currency }),
    outstanding: t.field({
      type: PortfolioOwed,
      description: 'Disbursed and not yet settled (DISBURSING, PAYOUT_FAILED, DISBURSED, OVERDUE).',
      resolve: ({ scope, totals }) => ({ figures: totals.outstanding, currency: scope.currency }),
    }),
    overdue: t.field({ type: PortfolioOwed, description: 'The OVERDUE part of `outstanding`.', resolve: ({ scope, totals }) => ({ figures: totals.overdue, currency: scope.currency }) }),
    settled: t.field({ type: PortfolioSettled, resolve: ({ scope, totals }) => ({ figures: totals.settled, currency: scope.currency }) }),
    pending: t.field({ type: PortfolioPending, resolve: ({ scope, totals }) => ({ figures: totals.pending, currency: scope.currency }) }),
    byObligor: t.field({
      type: [ObligorExposure],
      description: `Outstanding per core enterprise, largest first (at most ${PORTFOLIO_EXPOSURES_MAX}).`,
      resolve: ({ scope }, _args, ctx) => exposuresOf(ctx, scope, 'OBLIGOR'),
    }),
    bySupplier: t.field({
      type: [SupplierExposure],
      description: `Outstanding per supplier, largest first (at most ${PORTFOLIO_EXPOSURES_MAX}).`,
      resolve: ({ scope }, _args, ctx) => exposuresOf(ctx, scope, 'SUPPLIER'),
    }),
  }),
});

builder.queryFields((t) => ({
  repaymentsDue: t.prismaConnection({
    nullable: true,
    type: 'Financing',
    cursor: 'id',
    totalCount: (_root, { withinDays }, ctx) => ctx.prisma.financing.count({ where: repaymentsDueWhere(ctx.viewer, businessDateOf(new Date()), withinDays ?? REPAYMENTS_DUE_WITHIN_DAYS_DEFAULT) }),
    description:
      'Disbursed financings still owed whose due date (a business date in China) is at most `withinDays` days from today, overdue ones always included; earliest due first. Scoped like `financings`.',
    args: {
      withinDays: t.arg.int({
        required: false,
        defaultValue: REPAYMENTS_DUE_WITHIN_DAYS_DEFAULT,
        validate: z
          .number()
          .int()
          .min(0, { message: 'must be 0 or more' })
          .max(REPAYMENTS_DUE_WITHIN_DAYS_MAX, { message: `must be at most ${REPAYMENTS_DUE_WITHIN_DAYS_MAX}` }),
      }),
    },
    resolve: (query, _root, { withinDays }, ctx) =>
      ctx.prisma.financing.findMany({
        ...query,
        where: repaymentsDueWhere(ctx.viewer, businessDateOf(new Date()), withinDays ?? REPAYMENTS_DUE_WITHIN_DAYS_DEFAULT),
        orderBy: [{ dueDate: 'asc' }, { id: 'asc' }],
      }),
  }),
  portfolio: t.field({
    nullable: true,
    type: Portfolio,
    description: "A funder's own book; operators see every funder's. Other parties are refused.",
    authScopes: { permitted: 'READ_PORTFOLIO' },
    args: { currency: t.arg.string({ required: false, defaultValue: PORTFOLIO_CURRENCY_DEFAULT, validate: z.string().length(3, { message: 'must be an ISO 4217 code' }) }) },
    resolve: async (_root, { currency }, ctx) => {
      const code = queryCurrency(currency ?? PORTFOLIO_CURRENCY_DEFAULT);
      // The store fixes whose book it is: the funder's own, or every funder's for an operator.
      const scope = portfolioScopeOf(ctx.viewer, code);
      return { scope, totals: await portfolioTotals(ctx.prisma, scope) };
    },
  }),
}));
