import { addDays, dateColumn, type IsoDate } from '../../domain/business-date';
import { ForbiddenError } from '../../domain/errors';
import { AWAITING_DECISION, SERVICING, type FinancingStatus } from '../../domain/financing-rules';
import { Decimal, type Currency } from '../../domain/money';
import { totalOutstanding } from '../../domain/servicing-rules';
import { Prisma, type PrismaClient } from '../client';
import { visibleFinancingsWhere } from './financing-store';
import { isOperator, type Actor } from '../../domain/actor';
import { toDecimal } from './to-decimal';

// A funder's book, read from the servicing columns of the financing table. Every sum is taken
// by PostgreSQL over NUMERIC columns and crosses into decimal.js as a string or a Prisma
// Decimal, so no figure ever passes through a JavaScript number.

/** The furthest ahead `repaymentsDue` looks: a year, leap day included. */
export const REPAYMENTS_DUE_WITHIN_DAYS_MAX = 366;
/** The breakdowns list the largest exposures only, so one funder with many obligors cannot make one request unbounded. */
export const PORTFOLIO_EXPOSURES_MAX = 100;

/** Applied for and not yet disbursed: the pipeline, holding limits but not yet money. */
export const NOT_YET_DISBURSED: readonly FinancingStatus[] = [...AWAITING_DECISION, 'APPROVED', 'FUNDING_PENDING'];

/**
 * Financings whose repayment is due by `today + withinDays` and still owed, overdue ones
 * included whatever their due date, among those the actor may see.
 */
export function repaymentsDueWhere(actor: Actor, today: IsoDate, withinDays: number): Prisma.FinancingWhereInput {
  return {
    AND: [
      visibleFinancingsWhere(actor),
      { status: { in: [...SERVICING] } },
      // An OVERDUE financing's due date has passed, so the date bound already holds it; the
      // status test keeps it listed even if a due date were ever moved out.
      { OR: [{ dueDate: { lte: dateColumn(addDays(today, withinDays)) } }, { status: 'OVERDUE' }] },
    ],
  };
}

/** Whose book a portfolio covers. Made only by `portfolioScopeOf`, so "every funder" is never an accident. */
export interface PortfolioScope {
  readonly currency: Currency;
  /** The funder whose financings count; null for an operator, who sees every funder's. */
  readonly funderPartyId: string | null;
}

/** A funder sees its own book, an operator every funder's; anyone else is refused. */
export function portfolioScopeOf(actor: Actor, currency: Currency): PortfolioScope {
  if (isOperator(actor)) return { currency, funderPartyId: null };
  if (actor.partyRoles.includes('FUNDER')) return { currency, funderPartyId: actor.partyId };
  throw new ForbiddenError('only a funder or an operator can see a portfolio');
}

export interface OwedTotals {
  count: number;
  principal: Decimal;
  interest: Decimal;
  fees: Decimal;
  penalty: Decimal;
  total: Decimal;
}

export interface PortfolioTotals {
  /** Every servicing financing, overdue ones included. */
  outstanding: OwedTotals;
  overdue: OwedTotals;
  settled: { count: number; principal: Decimal; repaid: Decimal; penaltyCollected: Decimal };
  pending: { count: number; principal: Decimal };
}

const zero = () => new Decimal(0);
const emptyOwed = (): OwedTotals => ({ count: 0, principal: zero(), interest: zero(), fees: zero(), penalty: zero(), total: zero() });

/**
 * The portfolio's totals in one grouped query: one row per status, sums by PostgreSQL, then
 * the statuses added into the four figures (additions of exact decimals, still exact).
 */
export async function portfolioTotals(prisma: PrismaClient, scope: PortfolioScope): Promise<PortfolioTotals> {
  const rows = await prisma.financing.groupBy({
    by: ['status'],
    where: {
      currency: scope.currency,
      status: { in: [...SERVICING, 'SETTLED', ...NOT_YET_DISBURSED] },
      ...(scope.funderPartyId === null ? {} : { funderPartyId: scope.funderPartyId }),
    },
    _count: { _all: true },
    _sum: {
      principal: true,
      principalOutstanding: true,
      interestOutstanding: true,
      feesOutstanding: true,
      penaltyOutstanding: true,
      repaidPrincipal: true,
      repaidInterest: true,
      repaidFees: true,
      repaidPenalty: true,
    },
  });
  const totals: PortfolioTotals = {
    outstanding: emptyOwed(),
    overdue: emptyOwed(),
    settled: { count: 0, principal: zero(), repaid: zero(), penaltyCollected: zero() },
    pending: { count: 0, principal: zero() },
  };
  // A sum over no rows is NULL in SQL; the grouped rows always have some, but a zero is the honest reading of none.
  const sum = (value: Prisma.Decimal | null) => (value === null ? zero() : toDecimal(value));
  for (const row of rows) {
    const count = row._count._all;
    if (SERVICING.includes(row.status)) {
      const owed = { principal: sum(row._sum.principalOutstanding), interest: sum(row._sum.interestOutstanding), fees: sum(row._sum.feesOutstanding), penalty: sum(row._sum.penaltyOutstanding) };
      const targets = row.status === 'OVERDUE' ? [totals.outstanding, totals.overdue] : [totals.outstanding];
      for (const target of targets) {
        target.count += count;
        target.principal = target.principal.plus(owed.principal);
        target.interest = target.interest.plus(owed.interest);
        target.fees = target.fees.plus(owed.fees);
        target.penalty = target.penalty.plus(owed.penalty);
        target.total = target.total.plus(totalOutstanding(owed));
      }
    } else if (row.status === 'SETTLED') {
      const penalty = sum(row._sum.repaidPenalty);
      totals.settled = {
        count,
        principal: sum(row._sum.principal),
        repaid: sum(row._sum.repaidPrincipal).plus(sum(row._sum.repaidInterest)).plus(sum(row._sum.repaidFees)).plus(penalty),
        penaltyCollected: penalty,
      };
    } else {
      totals.pending.count += count;
      totals.pending.principal = totals.pending.principal.plus(sum(row._sum.principal));
    }
  }
  return totals;
}

export type ExposureSide = 'OBLIGOR' | 'SUPPLIER';

export interface Exposure {
  partyId: string;
  /** Servicing financings of this party in the portfolio. */
  count: number;
  /** Everything still owed on them: principal, interest, fees and penalty. */
  outstanding: Decimal;
  /** The part of `outstanding` owed on OVERDUE financings. */
  overdue: Decimal;
}

// Fixed fragments, chosen by a closed union: no caller text ever reaches the SQL.
const PARTY_COLUMN: Record<ExposureSide, Prisma.Sql> = {
  OBLIGOR: Prisma.raw('"obligor_party_id"'),
  SUPPLIER: Prisma.raw('"supplier_party_id"'),
};
const OWED = Prisma.raw('"principal_outstanding" + "interest_outstanding" + "fees_outstanding" + "penalty_outstanding"');

/**
 * What each obligor (or supplier) owes across the portfolio's servicing financings, largest
 * first, at most PORTFOLIO_EXPOSURES_MAX parties. The ordering is on the NUMERIC sums, before
 * they are turned into text for the exact trip out.
 */
export async function portfolioExposures(prisma: PrismaClient, scope: PortfolioScope, side: ExposureSide): Promise<Exposure[]> {
  const party = PARTY_COLUMN[side];
  const funder = scope.funderPartyId === null ? Prisma.empty : Prisma.sql`AND "funder_party_id" = ${scope.funderPartyId}::uuid`;
  const rows = await prisma.$queryRaw<Array<{ partyId: string; count: number; outstanding: string; overdue: string }>>`
    WITH exposure AS (
      SELECT ${party} AS party_id,
             count(*) AS financings,
             sum(${OWED}) AS owed,
             coalesce(sum(${OWED}) FILTER (WHERE "status" = 'OVERDUE'), 0) AS owed_overdue
        FROM "financing"
       WHERE "currency" = ${scope.currency}
         AND "status"::text IN (${Prisma.join([...SERVICING])})
         ${funder}
       GROUP BY ${party}
    )
    SELECT party_id::text AS "partyId", financings::int AS "count", owed::text AS "outstanding", owed_overdue::text AS "overdue"
      FROM exposure
     ORDER BY exposure.owed DESC, exposure.party_id
     LIMIT ${PORTFOLIO_EXPOSURES_MAX}::int`;
  return rows.map((row) => ({ partyId: row.partyId, count: row.count, outstanding: toDecimal(row.outstanding), overdue: toDecimal(row.overdue) }));
}
