import { BUSINESS_UTC_OFFSET_HOURS } from '../../domain/business-date';
import { CURRENCIES, Decimal, formatAmount, type Currency } from '../../domain/money';
import type pg from 'pg';
import type { Prisma } from '../client';
import { toDecimal } from './to-decimal';

// The matching rules of docs/reconciliation.md ("Matching") over many statement lines at once,
// inside the database. A statement of a busy day has some 100,000 lines: asking once per line
// and rule was hours of round trips, and bringing each rule's candidates to the process and the
// items back was still some 200,000 rows across the connection. So the lines to match (the
// "subjects") are a temporary table, `statement_match`, which each rule fills in with one
// statement over every line it concerns, in rule order; the caller then writes the items from it
// with one statement.
//
// The only sequential step is rule 2's: a credit a line matched by virtual account is taken for
// every line after it, so a line takes the nearest credit in its window that no line before it
// took. That is done in rounds, each one statement over the lines still open: a line takes its
// best credit still free when no open line before it could take that credit at all (then no line
// before it will, and every credit it likes better is already taken by a line before it). The
// first open line always qualifies, so each round decides at least one line, and lines that do
// not compete (nearly all of them) are all decided in the first. The outcomes are those of
// matching the lines one by one, in their order; rule 1 needs no such step, as a counted line's
// bank reference is unique (bank_statement_line_bank_reference_counted_key).

/** A value date within this many days of the ledger's receipt still matches by account and amount. */
export const STATEMENT_MATCH_WINDOW_DAYS = 2;
const HOURS_PER_DAY = 24;
/** Subjects above which the planner is given statistics of the staging tables before the rules run. */
const SUBJECTS_WITHOUT_ANALYZE_MAX = 1_000;

export function money(value: Decimal | Prisma.Decimal | string, currency: string): string {
  return `${formatAmount(typeof value === 'string' ? new Decimal(value) : toDecimal(value), currency as Currency)} ${currency}`;
}

/** `money` in SQL: the amount with its currency's minor unit (decimal.js and numeric both round half away from zero) and the currency. */
function moneySql(amount: string, currency: string): string {
  const scales = Object.entries(CURRENCIES).map(([code, { minorUnits }]) => `WHEN '${code}' THEN ${minorUnits}`).join(' ');
  return `(round(${amount}, CASE ${currency} ${scales} END)::text || ' ' || ${currency})`;
}

/**
 * The staging table the rules fill in, one row per subject: `ord` is the order lines are matched
 * in, `item_id` a subject's own item when it is tried again (what that item holds is not counted as
 * taken by another line), `value_day` the instant its value date begins.
 */
const CREATE_STAGING = `
  DROP TABLE IF EXISTS statement_match, statement_candidate;
  CREATE TEMPORARY TABLE statement_match (
    ord integer PRIMARY KEY, line_id uuid NOT NULL, item_id uuid, kind statement_line_kind NOT NULL, bank_reference varchar(64) NOT NULL,
    reference varchar(64) NOT NULL, amount numeric(24, 4) NOT NULL, currency char(3) NOT NULL, value_date date NOT NULL, value_day timestamptz NOT NULL,
    outcome reconciliation_outcome, rule reconciliation_rule, inbound_credit_id uuid, payout_id uuid, offline_repayment_id uuid, detail varchar(500)
  ) ON COMMIT DROP;
  CREATE TEMPORARY TABLE statement_candidate (ord integer NOT NULL, credit_id uuid NOT NULL, rank integer NOT NULL, PRIMARY KEY (ord, rank)) ON COMMIT DROP;
  CREATE INDEX ON statement_candidate (credit_id);`;

/** The columns a subject query must return, in this order, for `matchStatementLines`. */
const SUBJECT_COLUMNS = 'ord, line_id, item_id, kind, bank_reference, reference, amount, currency, value_date, value_day';

/** The instant a line's value date begins, for a subject query (business dates are UTC+8 all year). */
export function valueDaySql(valueDate: string): string {
  return `((${valueDate})::timestamp AT TIME ZONE 'UTC') - interval '${BUSINESS_UTC_OFFSET_HOURS} hours'`;
}

/**
 * Rule 2's window, as SQL over two expressions: a credit received at `receivedAt` fits a line
 * whose value date begins at `valueDay` when it came from STATEMENT_MATCH_WINDOW_DAYS before that
 * day to as many days after its end. The matching, the feed's question for parked statement
 * credits (parked-statement-credit.ts) and a parking's check (reconciliation-resolution-store.ts)
 * all ask it here, so that the three agree.
 */
export function receivedInWindowSql(receivedAt: string, valueDay: string): string {
  const windowHours = STATEMENT_MATCH_WINDOW_DAYS * HOURS_PER_DAY;
  return `${receivedAt} >= ${valueDay} - interval '${windowHours} hours' AND ${receivedAt} < ${valueDay} + interval '${windowHours + HOURS_PER_DAY} hours'`;
}

/**
 * How far a receipt (an expression) is from the value date that begins at `valueDay` (an
 * expression), in business days: 0 on the value date, 1 the day before or after, and so on. A
 * credit the bank received on the value date comes before one of the evening before, however
 * late in the day it came; between two days as far, the earlier receipt comes first.
 */
export function daysFromValueDateSql(receivedAt: string, valueDay: string): string {
  return `abs(floor(extract(epoch FROM ${receivedAt} - ${valueDay}) / ${HOURS_PER_DAY * 3600}))`;
}

/** Rule 2 takes only a credit whose own bank reference (an expression) is on no statement line: a credit on a statement is its own line's. */
export function ownLineOnNoStatementSql(bankReference: string): string {
  return `NOT EXISTS (SELECT 1 FROM bank_statement_line own WHERE own.bank_reference = ${bankReference} AND own.duplicate_of_id IS NULL)`;
}

/** Rule 2 takes only a credit (its id, an expression) that no item but `exceptItem` (an expression, possibly NULL) matched. */
export function matchedByNoOtherItemSql(creditId: string, exceptItem: string): string {
  return `NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = ${creditId} AND i.outcome = 'MATCHED' AND i.id IS DISTINCT FROM ${exceptItem})`;
}

/**
 * Item `i` (a row alias) is matched to its credit only on loan: an import's rule 2 gave it a credit
 * by virtual account, amount and value date while that credit's own bank line was on no statement.
 * A credit whose own line is on a statement is that line's money, so when the line comes, rule 1
 * takes the credit back for it and the import sends `i` back to the roll-forward
 * (sendBackItemsOnLoan in bank-statement-store.ts). A credit the feed booked out of suspense for a
 * line operators parked is no loan: that line's money reached the ledger through the parking, and
 * an item a person resolved is not undone by an import.
 */
export function matchedOnLoanSql(i: string): string {
  return `(${i}.rule IS NOT DISTINCT FROM 'ACCOUNT_AMOUNT_VALUE_DATE' AND ${i}.resolution_id IS NULL AND ${i}.booked_transaction_id IS NULL)`;
}

/** A payout line or a return line (its kind, amount and currency, as SQL expressions) beside the payout it names (`p`, a row alias). */
export interface PayoutLineSql {
  kind: string;
  amount: string;
  currency: string;
}

/**
 * The line is payout `p`'s movement as the ledger has booked it, so the import matches them: a
 * payout line of a payout SETTLED or RETURNED at the line's amount, a return line of a payout
 * RETURNED at the line's amount; in either case in the line's currency. A line the import leaves
 * BANK_ONLY is also asked this after the import (a person's resolution): the payout may have
 * been booked since, and the next import will match them.
 */
export function payoutLineFitsSql(p: string, line: PayoutLineSql): string {
  return `(${p}.currency = ${line.currency}
           AND CASE WHEN ${line.kind} = 'PAYOUT' THEN ${p}.amount = ${line.amount} AND ${p}.status IN ('SETTLED', 'RETURNED')
                    ELSE ${p}.status = 'RETURNED' AND coalesce(${p}.returned_amount, ${p}.amount) = ${line.amount} END)`;
}

/**
 * The return line is payout `p` coming back after the ledger settled it (after its workflow
 * stopped watching): `p` SETTLED in the line's currency for at least the line's amount. The import
 * books such a return (bookFoundReturns) unless the bank paid `p` more than once (paidTwiceSql).
 */
export function returnFoundAfterWatchSql(p: string, line: PayoutLineSql): string {
  return `(${line.kind} = 'PAYOUT_RETURN' AND ${p}.status = 'SETTLED' AND ${p}.currency = ${line.currency} AND ${line.amount} <= ${p}.amount)`;
}

/** The bank paid payout `p` (a row alias) more than once: a payout line of its reference is BANK_ONLY (重复出款). */
export function paidTwiceSql(p: string): string {
  return `EXISTS (SELECT 1 FROM reconciliation_item twice WHERE twice.payout_id = ${p}.id AND twice.kind = 'PAYOUT' AND twice.outcome = 'BANK_ONLY')`;
}

/**
 * Payout `p` will yet explain the line by its own process: the line fits it now
 * (payoutLineFitsSql), its bank's answer is still to come in the line's currency (in flight:
 * SUBMITTED, PENDING, UNKNOWN; the next import matches what that answer books), or the line is
 * its return found after the watch, which the import books. What one of these explains is not
 * for a person to resolve by hand.
 */
export function payoutWillExplainLineSql(p: string, line: PayoutLineSql): string {
  return `(${payoutLineFitsSql(p, line)}
           OR (${p}.status IN ('SUBMITTED', 'PENDING', 'UNKNOWN') AND ${p}.currency = ${line.currency})
           OR ${returnFoundAfterWatchSql(p, line)})`;
}

export interface MatchedLines {
  subjects: number;
  /** Statements rule 2's rounds took (the last one finding nothing left). */
  rounds: number;
}

/**
 * Matches the subjects `subjectQuery` selects (columns SUBJECT_COLUMNS) in the order of `ord` by
 * the rules of docs/reconciliation.md, against the database as it is when called, into the
 * temporary table `statement_match` (outcome, rule, inbound_credit_id, payout_id,
 * offline_repayment_id, detail), which lives until the transaction ends or the next call. Nothing
 * else is written.
 */
export async function matchStatementLines(db: pg.ClientBase, subjectQuery: string, params: readonly unknown[]): Promise<MatchedLines> {
  await db.query(CREATE_STAGING);
  const { rowCount: subjects } = await db.query(`INSERT INTO statement_match (${SUBJECT_COLUMNS}) ${subjectQuery}`, [...params]);
  if (!subjects) return { subjects: 0, rounds: 0 };
  if (subjects > SUBJECTS_WITHOUT_ANALYZE_MAX) await db.query('ANALYZE statement_match');
  const lineMoney = moneySql('s.amount', 's.currency');

  // Rule 1: the credit the feed booked under the line's bank reference, if the same amount and
  // currency and no other item matched it, or another item has it only on loan from rule 2 (the
  // caller sends that item back to the roll-forward before writing this line's match, so the
  // credit is never matched twice); the feed's credit of another amount is BANK_ONLY.
  await db.query(
    `UPDATE statement_match s
        SET outcome = CASE WHEN f.fits THEN 'MATCHED' ELSE 'BANK_ONLY' END::reconciliation_outcome,
            rule = CASE WHEN f.fits THEN 'BANK_REFERENCE'::reconciliation_rule END,
            inbound_credit_id = CASE WHEN f.fits THEN f.id END,
            detail = CASE WHEN f.fits THEN 'booked by the feed under ' || s.bank_reference
                          ELSE 'the ledger booked ' || ${moneySql('f.amount', 'f.currency')} || ' under ' || s.bank_reference || '; the bank shows ' || ${lineMoney} END
       FROM (SELECT m.ord, c.id, c.amount, c.currency::text AS currency,
                    c.currency = m.currency AND c.amount = m.amount
                    AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome = 'MATCHED' AND i.id IS DISTINCT FROM m.item_id AND NOT ${matchedOnLoanSql('i')}) AS fits
               FROM statement_match m JOIN inbound_credit c ON c.bank_reference = m.bank_reference
              WHERE m.kind = 'INBOUND_CREDIT') f
      WHERE s.ord = f.ord`,
  );

  // Rule 2's candidates: for every credit line the feed booked nothing for, each credit to the same
  // virtual account, amount and currency received within the window, that no other item matched and
  // whose own bank reference is on no statement, ranked per line, the nearest to its value date first.
  const { rowCount: candidates } = await db.query(
    `INSERT INTO statement_candidate (ord, credit_id, rank)
     SELECT s.ord, c.id, row_number() OVER (PARTITION BY s.ord ORDER BY ${daysFromValueDateSql('c.received_at', 's.value_day')}, c.received_at, c.id)
       FROM statement_match s
       JOIN inbound_credit c ON c.virtual_account_number = s.reference AND c.amount = s.amount AND c.currency = s.currency
                            AND ${receivedInWindowSql('c.received_at', 's.value_day')}
      WHERE s.kind = 'INBOUND_CREDIT' AND s.outcome IS NULL
        AND ${matchedByNoOtherItemSql('c.id', 's.item_id')}
        AND ${ownLineOnNoStatementSql('c.bank_reference')}`,
  );

  // Rule 2 in the lines' order, in rounds (see the top of this file). `first_open` is, per credit,
  // the first open line that could take it; a line takes its best free credit when it is that line.
  // Taking removes the line's candidates and every candidate of the credit: a round that removes
  // nothing found nothing left to decide. Each round decides at least one line, so there are at
  // most as many rounds as lines with candidates.
  let rounds = 0;
  for (let removed = candidates ?? 0; removed > 0; ) {
    rounds += 1;
    if (rounds > (candidates ?? 0) + 1) throw new Error(`rule 2 did not settle after ${rounds} rounds over ${candidates} candidates`);
    const result = await db.query(
      `WITH best AS (SELECT DISTINCT ON (ord) ord, credit_id FROM statement_candidate ORDER BY ord, rank),
            first_open AS (SELECT credit_id, min(ord) AS ord FROM statement_candidate GROUP BY credit_id),
            chosen AS (SELECT b.ord, b.credit_id FROM best b JOIN first_open f ON f.credit_id = b.credit_id AND f.ord = b.ord),
            taken AS (
              UPDATE statement_match s
                 SET outcome = 'MATCHED', rule = 'ACCOUNT_AMOUNT_VALUE_DATE', inbound_credit_id = c.credit_id,
                     detail = 'matched by virtual account ' || s.reference || ', ' || ${lineMoney} || ' and a receipt within ${STATEMENT_MATCH_WINDOW_DAYS} days of value date ' || to_char(s.value_date, 'YYYY-MM-DD')
                FROM chosen c WHERE s.ord = c.ord)
       DELETE FROM statement_candidate d
        WHERE d.ord IN (SELECT ord FROM chosen) OR d.credit_id IN (SELECT credit_id FROM chosen)`,
    );
    removed = result.rowCount ?? 0;
  }

  // Rule 3: an expected payment, an approved offline receipt the feed has not yet brought. The
  // money is still not in the ledger, so the line stays BANK_ONLY (in transit) until the feed books it.
  const windowHours = STATEMENT_MATCH_WINDOW_DAYS * HOURS_PER_DAY;
  await db.query(
    `UPDATE statement_match s
        SET outcome = 'BANK_ONLY', rule = CASE WHEN e.id IS NOT NULL THEN 'EXPECTED_PAYMENT'::reconciliation_rule END, offline_repayment_id = e.id,
            detail = CASE WHEN e.id IS NOT NULL THEN 'expected: the approved offline receipt ' || e.bank_reference || '; the feed has not booked the money yet'
                          ELSE 'the ledger has no credit of ' || ${lineMoney} || ' to virtual account ' || s.reference || ': surplus (长款) until the feed books it' END
       FROM statement_match m
       LEFT JOIN LATERAL (
         SELECT o.id, o.bank_reference FROM offline_repayment o
           JOIN financing f ON f.id = o.financing_id
           JOIN ledger_account a ON a.id = f.collection_account_id
          WHERE o.status = 'APPROVED' AND o.currency = m.currency
            AND (o.bank_reference = m.bank_reference
                 OR (a.virtual_account_number = m.reference AND o.amount = m.amount
                     AND o.created_at BETWEEN m.value_day - interval '${windowHours} hours' AND m.value_day + interval '${windowHours + HOURS_PER_DAY} hours'))
          ORDER BY (o.bank_reference = m.bank_reference) DESC, o.created_at, o.id
          LIMIT 1) e ON true
      WHERE s.ord = m.ord AND m.kind = 'INBOUND_CREDIT' AND m.outcome IS NULL`,
  );

  // A reversal (冲正): the bank took back a credit it had booked in error. The feed never books a
  // reversal, so the ledger still holds the money: the line is BANK_ONLY, a shortage for a person
  // to resolve (docs/reconciliation.md, "A bank's reversal"), linked to the credit it takes back:
  // the ledger's credit to that virtual account at that amount, received by the end of the line's
  // value date, that no other reversal holds: the one this line held already, else one from the
  // payer account the line names (the money goes back to its payer), else the latest.
  // Line by line in order, so that two reversals of one credit never both take it; reversals are
  // rare, and most imports have none.
  const { rows: reversals } = await db.query<{ ord: number }>(`SELECT ord FROM statement_match WHERE kind = 'INBOUND_CREDIT_REVERSAL' ORDER BY ord`);
  for (const { ord } of reversals) {
    await db.query(
      `UPDATE statement_match s
          SET outcome = 'BANK_ONLY', inbound_credit_id = c.id,
              detail = 'the bank took back (冲正) ' || ${lineMoney} || ' credited to virtual account ' || s.reference
                       || CASE WHEN c.id IS NOT NULL
                               THEN ' (the ledger booked ' || c.bank_reference || ' of that amount, received ' || to_char(c.received_at AT TIME ZONE 'UTC' + interval '${BUSINESS_UTC_OFFSET_HOURS} hours', 'YYYY-MM-DD')
                                    || '); the ledger still holds it: a shortage (短款) until it is recovered or written off'
                               ELSE '; the ledger has no credit of that amount to that account left to take back (none, or one another reversal takes back): a shortage (短款) to pursue with the bank or write off' END
         FROM statement_match m
         JOIN bank_statement_line l ON l.id = m.line_id
         LEFT JOIN reconciliation_item own ON own.id = m.item_id
         LEFT JOIN LATERAL (
           SELECT c.id, c.bank_reference, c.received_at FROM inbound_credit c
            WHERE c.virtual_account_number = m.reference AND c.amount = m.amount AND c.currency = m.currency
              AND c.received_at < m.value_day + interval '${HOURS_PER_DAY} hours'
              AND NOT EXISTS (SELECT 1 FROM reconciliation_item r WHERE r.inbound_credit_id = c.id AND r.kind = 'INBOUND_CREDIT_REVERSAL' AND r.id IS DISTINCT FROM m.item_id)
              AND NOT EXISTS (SELECT 1 FROM statement_match e WHERE e.inbound_credit_id = c.id AND e.kind = 'INBOUND_CREDIT_REVERSAL' AND e.ord <> m.ord)
            ORDER BY coalesce(c.id = own.inbound_credit_id, false) DESC, coalesce(c.payer_account_number = l.debtor_account_number, false) DESC, c.received_at DESC, c.id
            LIMIT 1) c ON true
        WHERE s.ord = m.ord AND m.ord = $1`,
      [ord],
    );
  }

  // Payouts and their returns carry the payout reference the platform chose. One payout's debit,
  // and its return, explains one bank movement each: another line of the same reference that fits
  // it too is the bank paying (or returning) it again (重复出款), money the ledger never moved. So a
  // fitting line takes the payout only when no item holds it already (a line matched by an earlier
  // import, a return booked from a statement: the rows reconciliation_item_payout_matched_key
  // admits once per payout) and no line before it here takes it; any other fitting line is
  // BANK_ONLY and names the line that holds the payout, for a person.
  const payoutMoney = moneySql('p.amount', 'p.currency');
  const returned = moneySql('coalesce(p.returned_amount, p.amount)', 'p.currency');
  const lineAt = (line: string) => `(SELECT hl.bank_reference || ' of ' || to_char(hs.statement_date, 'YYYY-MM-DD') FROM bank_statement_line hl JOIN bank_statement hs ON hs.id = hl.statement_id WHERE hl.id = ${line})`;
  await db.query(
    `WITH line AS (
       SELECT m.ord, m.item_id, m.kind, m.reference, m.amount, m.currency, p.id AS payout_id,
              p.id IS NOT NULL AND ${payoutLineFitsSql('p', { kind: 'm.kind', amount: 'm.amount', currency: 'm.currency' })} AS fits,
              CASE WHEN p.id IS NULL THEN 'the ledger has no payout ' || m.reference
                   WHEN p.currency <> m.currency THEN 'payout ' || m.reference || ' is in ' || p.currency || ', the line in ' || m.currency
                   WHEN m.kind = 'PAYOUT' THEN CASE
                     WHEN p.amount <> m.amount THEN 'payout ' || m.reference || ' is ' || ${payoutMoney} || '; the bank paid ' || ${moneySql('m.amount', 'm.currency')}
                     WHEN p.status IN ('SETTLED', 'RETURNED') THEN 'payout ' || m.reference || ' ' || lower(p.status::text)
                     WHEN p.status = 'FAILED' THEN 'the ledger booked payout ' || m.reference || ' as failed, but the bank paid it'
                     ELSE 'the bank paid payout ' || m.reference || '; the ledger still has it in transit (' || p.status::text || ')' END
                   WHEN p.status = 'RETURNED' THEN CASE
                     WHEN coalesce(p.returned_amount, p.amount) = m.amount THEN 'return of payout ' || m.reference || ' booked'
                     ELSE 'the ledger booked ' || ${returned} || ' returned of payout ' || m.reference || '; the bank shows ' || ${moneySql('m.amount', 'm.currency')} END
                   WHEN p.status = 'SETTLED' THEN CASE
                     WHEN m.amount > p.amount THEN 'the bank returned ' || ${moneySql('m.amount', 'm.currency')} || ' of payout ' || m.reference || ', more than its ' || ${payoutMoney}
                     ELSE 'payout ' || m.reference || ' came back after the ledger settled it: its return is booked to the source account' END
                   ELSE 'the bank returned payout ' || m.reference || '; the ledger has it ' || p.status::text
              END AS detail
         FROM statement_match m LEFT JOIN payout p ON p.payout_reference = m.reference
        WHERE m.kind IN ('PAYOUT', 'PAYOUT_RETURN')),
     first_fit AS (SELECT l.payout_id, l.kind, (array_agg(m.line_id ORDER BY l.ord))[1] AS line_id, min(l.ord) AS ord
                     FROM line l JOIN statement_match m ON m.ord = l.ord WHERE l.fits GROUP BY l.payout_id, l.kind),
     held AS (
       SELECT l.ord,
              coalesce(${lineAt(`(SELECT i.statement_line_id FROM reconciliation_item i
                                   WHERE i.payout_id = l.payout_id AND i.kind = l.kind AND i.status = 'RESOLVED' AND (i.outcome = 'MATCHED' OR i.rule = 'RETURN_BOOKED')
                                     AND i.id IS DISTINCT FROM l.item_id LIMIT 1)`)},
                       CASE WHEN f.ord < l.ord THEN ${lineAt('f.line_id')} END) AS by_line
         FROM line l JOIN first_fit f ON f.payout_id = l.payout_id AND f.kind = l.kind)
     UPDATE statement_match s
        SET outcome = CASE WHEN l.fits AND h.by_line IS NULL THEN 'MATCHED' ELSE 'BANK_ONLY' END::reconciliation_outcome,
            rule = CASE WHEN l.fits AND h.by_line IS NULL THEN 'PAYOUT_REFERENCE'::reconciliation_rule END,
            payout_id = l.payout_id,
            detail = CASE WHEN h.by_line IS NULL THEN l.detail
                          WHEN l.kind = 'PAYOUT' THEN 'payout ' || l.reference || ' is the bank''s line ' || h.by_line || '; the bank paid it again (重复出款): '
                                                      || ${moneySql('l.amount', 'l.currency')} || ' the ledger never paid out'
                          ELSE 'the return of payout ' || l.reference || ' is the bank''s line ' || h.by_line || '; the bank shows it again: '
                               || ${moneySql('l.amount', 'l.currency')} || ' the ledger never booked' END
       FROM line l LEFT JOIN held h ON h.ord = l.ord
      WHERE s.ord = l.ord`,
  );

  // Every line is decided by one of the rules above; one that is not would be written without an outcome.
  const {
    rows: [undecided],
  } = await db.query<{ ord: number }>('SELECT ord FROM statement_match WHERE outcome IS NULL OR detail IS NULL LIMIT 1');
  if (undecided) throw new Error(`statement line ${undecided.ord} was not matched by any rule`);
  return { subjects, rounds };
}
