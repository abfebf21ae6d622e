import { addDays, cutOffInstant, type CutOffSettings } from '../../../domain/accounting-day';
import { balancesOf, type LedgerDirection } from '../../../domain/ledger-rules';
import { Decimal, type Currency } from '../../../domain/money';
import type { PrismaClient } from '../../client';
import { runTransaction, type Tx } from '../run-transaction';
import { toDecimal } from '../to-decimal';
import type { LedgerBook } from './accounts';
import { rowsOf, type LedgerDb } from './ledger-db';

// The accounting day's cut-off (日切), the ledger's side: closing a day freezes it with every
// account's day-end balances and its trial balance, in one database transaction; from then on
// the database refuses any posting effective in it (migration 20261212090000_accounting_days).

/** Where the cut-off starts: the latest closed day, and the ledger's first posting (for the first cut-off ever). */
export interface CutOffPlan {
  lastClosed: { businessDate: string; cutOffAt: Date } | null;
  firstEffectiveAt: Date | null;
}

export interface DayTrialBalance {
  currency: Currency;
  book: LedgerBook;
  /** Every account's day-end posted balance in its debit or credit column, summed. */
  totalDebit: Decimal;
  totalCredit: Decimal;
  /** The day's own entries. */
  dayDebits: Decimal;
  dayCredits: Decimal;
  transactionCount: number;
  accountCount: number;
}

export interface ClosedDay {
  businessDate: string;
  opensAt: Date | null;
  cutOffAt: Date;
  closedAt: Date;
  /** True when the day was already closed: nothing was computed or written. */
  replayed: boolean;
  trialBalances: DayTrialBalance[];
}

/** The database's clock has not reached the cut-off (clocks disagree): the caller tries again later. */
export class CutOffTooEarlyError extends Error {
  override readonly name = 'CutOffTooEarlyError';
}

function dateOf(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/** A date column: midnight UTC of the calendar date, as Prisma reads and writes DATE. */
export function dateColumn(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

export async function cutOffPlan(db: LedgerDb): Promise<CutOffPlan> {
  const [row] = await rowsOf<{ businessDate: string | null; cutOffAt: Date | null; firstEffectiveAt: Date | null }>(db, {
    text: `SELECT (SELECT d."business_date"::text FROM "accounting_day" d WHERE d."status" = 'CLOSED' ORDER BY d."cut_off_at" DESC LIMIT 1) AS "businessDate",
                  (SELECT max(d."cut_off_at") FROM "accounting_day" d WHERE d."status" = 'CLOSED') AS "cutOffAt",
                  (SELECT min(t."effective_at") FROM "ledger_transaction" t) AS "firstEffectiveAt"`,
    values: [],
  });
  return {
    lastClosed: row?.businessDate && row.cutOffAt ? { businessDate: row.businessDate, cutOffAt: new Date(row.cutOffAt) } : null,
    firstEffectiveAt: row?.firstEffectiveAt ? new Date(row.firstEffectiveAt) : null,
  };
}

/**
 * The effective time a posting that must be booked gets: its own, or the first open instant
 * when a closed accounting day holds it (a credit the bank reports after its day closed). Call
 * it inside the posting's database transaction: it takes the lock the cut-off waits for, so the
 * answer stays true until that transaction commits.
 */
export async function openEffectiveAt(db: LedgerDb, at: Date): Promise<Date> {
  const [row] = await rowsOf<{ effectiveAt: Date }>(db, { text: `SELECT "ledger_open_effective_at"($1::timestamptz) AS "effectiveAt"`, values: [at.toISOString()] });
  return new Date(row!.effectiveAt);
}

/** The closed accounting day that holds an instant, or null when its day is open. */
export async function closedDayHolding(db: LedgerDb, at: Date): Promise<string | null> {
  const [row] = await rowsOf<{ businessDate: string }>(db, {
    text: `SELECT d."business_date"::text AS "businessDate" FROM "accounting_day" d
           WHERE d."status" = 'CLOSED' AND $1::timestamptz < d."cut_off_at" AND (d."opens_at" IS NULL OR $1::timestamptz >= d."opens_at")
           ORDER BY d."cut_off_at" LIMIT 1`,
    values: [at.toISOString()],
  });
  return row?.businessDate ?? null;
}

interface BalanceRow {
  accountId: string;
  currency: Currency;
  book: LedgerBook;
  normalBalance: LedgerDirection;
  debitsPosted: string;
  creditsPosted: string;
  debitsPending: string;
  creditsPending: string;
  dayMovements: string | null;
}

// Day-end totals of every account: the previous day's stored totals plus the day's entries
// (T日期初余额 = T-1日期末余额), the holds reserved before the cut-off and unresolved then.
// The first day ever closed sums every entry before its cut-off. The day's entries are read
// once (a busy day has hundreds of thousands): the same rows give each account's movements and
// the trial balance's movements per currency and book, which ride on the first row as JSON.
// An entry's book is its account's (the ledger refuses an entry whose account is in another
// book than its transaction, LG012), so the transactions need not be joined. The day's
// transactions per currency and book are counted over their distinct ids, which PostgreSQL
// hashes, rather than with count(DISTINCT ...), which sorted the day's entries on disk: 3.7 s of
// a 4.7 s cut-off of 400,000 entries (docs/performance.md, recon.day).
const DAY_END_BALANCES_SQL = `
  WITH "previous" AS (
      SELECT b."account_id", b."debits_posted", b."credits_posted" FROM "accounting_day_balance" b WHERE b."business_date" = $1::date
  ), "day_entries" AS MATERIALIZED (
      SELECT e."account_id", e."currency", e."transaction_id", e."direction", e."amount"
      FROM "ledger_entry" e
      WHERE e."effective_at" < $3::timestamptz AND ($2::timestamptz IS NULL OR e."effective_at" >= $2::timestamptz)
  ), "moves" AS (
      SELECT e."account_id",
             sum(e."amount") FILTER (WHERE e."direction" = 'DEBIT') AS "debits",
             sum(e."amount") FILTER (WHERE e."direction" = 'CREDIT') AS "credits"
      FROM "day_entries" e
      GROUP BY e."account_id"
  ), "day_transactions" AS (
      SELECT t."currency", t."book", count(*) AS "transactions"
      FROM (SELECT DISTINCT e."currency", a."book", e."transaction_id" FROM "day_entries" e JOIN "ledger_account" a ON a."id" = e."account_id") t
      GROUP BY t."currency", t."book"
  ), "movements" AS (
      SELECT s."currency"::text AS "currency", s."book"::text AS "book", s."debits"::text AS "debits", s."credits"::text AS "credits", d."transactions"::int AS "transactions"
      FROM (SELECT e."currency", a."book",
                   coalesce(sum(e."amount") FILTER (WHERE e."direction" = 'DEBIT'), 0) AS "debits",
                   coalesce(sum(e."amount") FILTER (WHERE e."direction" = 'CREDIT'), 0) AS "credits"
              FROM "day_entries" e JOIN "ledger_account" a ON a."id" = e."account_id"
             GROUP BY e."currency", a."book") s
      JOIN "day_transactions" d ON d."currency" = s."currency" AND d."book" = s."book"
  ), "held" AS (
      SELECT s."account_id", sum(s."debit") AS "debits", sum(s."credit") AS "credits"
      FROM "ledger_hold" x
      CROSS JOIN LATERAL (VALUES (x."debit_account_id", x."amount", 0::numeric), (x."credit_account_id", 0::numeric, x."amount")) AS s("account_id", "debit", "credit")
      WHERE x."created_at" < $3::timestamptz AND (x."resolved_at" IS NULL OR x."resolved_at" >= $3::timestamptz)
        -- Posted by a transaction dated before the cut-off: its entries count in the day, the hold no longer.
        AND NOT EXISTS (SELECT 1 FROM "ledger_transaction" t WHERE t."id" = x."resolution_transaction_id" AND t."effective_at" < $3::timestamptz)
      GROUP BY s."account_id"
  )
  SELECT a."id"::text AS "accountId", a."currency"::text AS "currency", a."book"::text AS "book", a."normal_balance"::text AS "normalBalance",
         (coalesce(p."debits_posted", 0) + coalesce(m."debits", 0))::text AS "debitsPosted",
         (coalesce(p."credits_posted", 0) + coalesce(m."credits", 0))::text AS "creditsPosted",
         coalesce(h."debits", 0)::text AS "debitsPending",
         coalesce(h."credits", 0)::text AS "creditsPending",
         CASE WHEN row_number() OVER (ORDER BY a."id") = 1 THEN (SELECT coalesce(json_agg(v), '[]'::json) FROM "movements" v)::text END AS "dayMovements"
  FROM "ledger_account" a
  LEFT JOIN "previous" p ON p."account_id" = a."id"
  LEFT JOIN "moves" m ON m."account_id" = a."id"
  LEFT JOIN "held" h ON h."account_id" = a."id"
  WHERE a."created_at" < $3::timestamptz OR p."account_id" IS NOT NULL OR m."account_id" IS NOT NULL OR h."account_id" IS NOT NULL
  ORDER BY a."id"`;

/** The day's entries per currency and book (on the first row of DAY_END_BALANCES_SQL). */
interface DayMovement {
  currency: Currency;
  book: LedgerBook;
  debits: string;
  credits: string;
  transactions: number;
}

/** The trial balances of a day from its accounts' day-end totals and its movements. */
function trialBalancesOf(balances: BalanceRow[], movements: DayMovement[]): DayTrialBalance[] {
  const byKey = new Map<string, DayTrialBalance>();
  const zero = new Decimal(0);
  const entry = (currency: Currency, book: LedgerBook): DayTrialBalance => {
    const key = `${currency}:${book}`;
    let sums = byKey.get(key);
    if (!sums) {
      sums = { currency, book, totalDebit: zero, totalCredit: zero, dayDebits: zero, dayCredits: zero, transactionCount: 0, accountCount: 0 };
      byKey.set(key, sums);
    }
    return sums;
  };
  for (const row of balances) {
    const sums = entry(row.currency, row.book);
    const net = toDecimal(row.debitsPosted).minus(toDecimal(row.creditsPosted));
    sums.totalDebit = sums.totalDebit.plus(net.gt(0) ? net : zero);
    sums.totalCredit = sums.totalCredit.plus(net.lt(0) ? net.negated() : zero);
    sums.accountCount += 1;
  }
  for (const move of movements) {
    const sums = entry(move.currency, move.book);
    sums.dayDebits = toDecimal(move.debits);
    sums.dayCredits = toDecimal(move.credits);
    sums.transactionCount = move.transactions;
  }
  return [...byKey.values()].sort((a, b) => a.currency.localeCompare(b.currency) || a.book.localeCompare(b.book));
}

async function storedTrialBalances(tx: Tx, date: string): Promise<DayTrialBalance[]> {
  const rows = await tx.accountingDayTrialBalance.findMany({ where: { businessDate: dateColumn(date) }, orderBy: [{ currency: 'asc' }, { book: 'asc' }] });
  return rows.map((row) => ({
    currency: row.currency as Currency,
    book: row.book,
    totalDebit: toDecimal(row.totalDebit),
    totalCredit: toDecimal(row.totalCredit),
    dayDebits: toDecimal(row.dayDebits),
    dayCredits: toDecimal(row.dayCredits),
    transactionCount: row.transactionCount,
    accountCount: row.accountCount,
  }));
}

/** How long closing one day may take: it reads every account and the day's entries. */
const CUT_OFF_TRANSACTION_TIMEOUT_MS = 120_000;

/**
 * Closes accounting day `businessDate` (its cut-off computed with `settings`), in one database
 * transaction: the day CLOSED with its cut-off instant, every account's day-end balances, the
 * trial balance per currency and book, and the next day opened. A day already closed is
 * answered as it was stored (`replayed`), never recomputed. `at` is the caller's clock (the
 * workflow's): a day whose cut-off it has not reached is not closed, nor one the database's
 * clock has not reached (CutOffTooEarlyError, to try again), nor one whose previous day is open.
 */
export async function closeAccountingDay(
  prisma: PrismaClient,
  input: { businessDate: string; settings: CutOffSettings; at: Date; closedBy: string },
): Promise<ClosedDay> {
  const { businessDate, settings } = input;
  const cutOffAt = cutOffInstant(businessDate, settings);
  if (input.at.getTime() < cutOffAt.getTime()) {
    throw new Error(`accounting day ${businessDate} ends at ${cutOffAt.toISOString()}: it cannot be closed at ${input.at.toISOString()}`);
  }
  return runTransaction(
    prisma,
    async (tx) => {
      // Waits for every posting transaction in flight to commit, and holds new ones back until
      // this one commits: the figures below see every posting the day will ever hold.
      await tx.$queryRaw`SELECT pg_advisory_xact_lock("ledger_cut_off_lock_key"())::text AS "locked"`;
      const existing = await tx.accountingDay.findUnique({ where: { businessDate: dateColumn(businessDate) } });
      if (existing?.status === 'CLOSED') {
        return { businessDate, opensAt: existing.opensAt, cutOffAt: existing.cutOffAt, closedAt: existing.closedAt!, replayed: true, trialBalances: await storedTrialBalances(tx, businessDate) };
      }
      const [clock] = await tx.$queryRaw<[{ now: Date }]>`SELECT statement_timestamp() AS "now"`;
      if (clock.now.getTime() < cutOffAt.getTime()) {
        throw new CutOffTooEarlyError(`the database's clock (${clock.now.toISOString()}) has not reached the cut-off of ${businessDate} (${cutOffAt.toISOString()})`);
      }
      const last = await tx.accountingDay.findFirst({ where: { status: 'CLOSED' }, orderBy: { cutOffAt: 'desc' } });
      // Days close in order: a day's opening balances are the previous day's closing ones.
      if (last && dateOf(last.businessDate) !== addDays(businessDate, -1)) {
        throw new Error(`accounting day ${businessDate} cannot be closed: the latest closed day is ${dateOf(last.businessDate)}, and days close in order`);
      }
      const opensAt = last?.cutOffAt ?? null;
      if (opensAt && opensAt.getTime() >= cutOffAt.getTime()) throw new Error(`accounting day ${businessDate} would end (${cutOffAt.toISOString()}) before it opens (${opensAt.toISOString()})`);

      const previousDate = last ? dateOf(last.businessDate) : null;
      const balances = await rowsOf<BalanceRow>(tx, { text: DAY_END_BALANCES_SQL, values: [previousDate, opensAt?.toISOString() ?? null, cutOffAt.toISOString()] });
      const movements = JSON.parse(balances[0]?.dayMovements ?? '[]') as DayMovement[];
      const trialBalances = trialBalancesOf(balances, movements);
      // A ledger whose transactions balance always gives equal columns: anything else is a
      // broken invariant, and the day must not be closed on it.
      for (const trial of trialBalances) {
        if (!trial.totalDebit.eq(trial.totalCredit) || !trial.dayDebits.eq(trial.dayCredits)) {
          throw new Error(`the trial balance of ${businessDate} does not balance in ${trial.currency} ${trial.book}: ${trial.totalDebit.toFixed()} / ${trial.totalCredit.toFixed()}, day ${trial.dayDebits.toFixed()} / ${trial.dayCredits.toFixed()}`);
        }
      }

      const [closed] = await tx.$queryRaw<[{ closedAt: Date }]>`
        INSERT INTO "accounting_day" ("business_date", "status", "opens_at", "cut_off_at", "cut_off_zone", "cut_off_time", "closed_at", "closed_by")
        VALUES (${businessDate}::date, 'CLOSED', ${opensAt}::timestamptz, ${cutOffAt}::timestamptz, ${settings.zone}, ${settings.time}, statement_timestamp(), ${input.closedBy})
        ON CONFLICT ("business_date") DO UPDATE SET "status" = 'CLOSED', "opens_at" = EXCLUDED."opens_at", "cut_off_at" = EXCLUDED."cut_off_at",
            "cut_off_zone" = EXCLUDED."cut_off_zone", "cut_off_time" = EXCLUDED."cut_off_time", "closed_at" = EXCLUDED."closed_at", "closed_by" = EXCLUDED."closed_by"
        RETURNING "closed_at" AS "closedAt"`;
      const figures = balances.map((row) => {
        const totals = { debitsPosted: toDecimal(row.debitsPosted), creditsPosted: toDecimal(row.creditsPosted), debitsPending: toDecimal(row.debitsPending), creditsPending: toDecimal(row.creditsPending) };
        return { row, balances: balancesOf(row.normalBalance, totals) };
      });
      await tx.$executeRaw`
        INSERT INTO "accounting_day_balance" ("business_date", "account_id", "currency", "debits_posted", "credits_posted", "debits_pending", "credits_pending", "posted", "available")
        SELECT ${businessDate}::date, u.* FROM unnest(
          ${figures.map((f) => f.row.accountId)}::uuid[], ${figures.map((f) => f.row.currency)}::char(3)[],
          ${figures.map((f) => f.row.debitsPosted)}::numeric[], ${figures.map((f) => f.row.creditsPosted)}::numeric[],
          ${figures.map((f) => f.row.debitsPending)}::numeric[], ${figures.map((f) => f.row.creditsPending)}::numeric[],
          ${figures.map((f) => f.balances.posted.toFixed())}::numeric[], ${figures.map((f) => f.balances.available.toFixed())}::numeric[]) AS u`;
      for (const trial of trialBalances) {
        await tx.accountingDayTrialBalance.create({
          data: {
            businessDate: dateColumn(businessDate),
            currency: trial.currency,
            book: trial.book,
            totalDebit: trial.totalDebit.toFixed(),
            totalCredit: trial.totalCredit.toFixed(),
            dayDebits: trial.dayDebits.toFixed(),
            dayCredits: trial.dayCredits.toFixed(),
            transactionCount: trial.transactionCount,
            accountCount: trial.accountCount,
          },
        });
      }
      // The next day is open from this cut-off; its own cut-off is written as configured now.
      const nextDate = addDays(businessDate, 1);
      await tx.$executeRaw`
        INSERT INTO "accounting_day" ("business_date", "status", "opens_at", "cut_off_at", "cut_off_zone", "cut_off_time")
        VALUES (${nextDate}::date, 'OPEN', ${cutOffAt}::timestamptz, ${cutOffInstant(nextDate, settings)}::timestamptz, ${settings.zone}, ${settings.time})
        ON CONFLICT ("business_date") DO NOTHING`;
      return { businessDate, opensAt, cutOffAt, closedAt: closed.closedAt, replayed: false, trialBalances };
    },
    { timeoutMs: CUT_OFF_TRANSACTION_TIMEOUT_MS },
  );
}

export interface DayEndBalanceView {
  businessDate: string;
  accountId: string;
  currency: Currency;
  debitsPosted: Decimal;
  creditsPosted: Decimal;
  debitsPending: Decimal;
  creditsPending: Decimal;
  posted: Decimal;
  available: Decimal;
  cutOffAt: Date;
}
