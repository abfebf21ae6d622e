import { accountingDateOf, DEFAULT_CUT_OFF, type CutOffSettings } from '../../domain/accounting-day';
import { formatAmount, type Currency, type Decimal } from '../../domain/money';
import { Prisma, type InboundException, type ReconciliationRule } from '../client';
import { dateColumn } from './ledger/accounting-days';
import { ownLineOnNoStatementSql, receivedInWindowSql, STATEMENT_MATCH_WINDOW_DAYS, valueDaySql } from './match-statement-lines';
import type { Tx } from './run-transaction';

// A statement line's credit that operators parked in suspense before the feed reported it
// (a reconciliation resolution SUSPENSE, docs/reconciliation.md "Resolving an item": escrow bank
// debited, suspense credited) is the same bank money as the feed's credit that reports it later.
// The feed's booking asks here whether a parked credit explains its credit, by the rules the
// statement matching uses: the same bank reference first; else the same virtual account number,
// amount and currency with the feed's receipt within STATEMENT_MATCH_WINDOW_DAYS of the line's
// value date (a bank whose statement references differ from its feed's), and then only for a feed
// credit whose own bank reference is on no statement line (rule 2 of the statement matching): a
// feed credit whose own line is on a statement is that line's money, booked from the bank as
// usual and matched to its line by the next import's roll-forward, never another line's parked
// money of the same amount. One bank line can never be booked twice, whichever path saw it first.
//
// The feed's booking and an operator's parking of a statement credit meet on one more lock,
// besides the feed's lock of its own bank reference: the money lock (lockCreditMoney) of the
// virtual account number, currency and amount. A feed credit and the statement line it matches by
// rule 2 carry different bank references but the same money, so both take this lock before they
// look at each other, and whichever comes second finds the other's booking.

/** Parked credits the feed's booking looks at again when another booking took the one it found meanwhile. */
const PARKED_CANDIDATES_MAX = 5;

/**
 * The transaction advisory lock of one amount of money to one virtual account: taken by the feed's
 * booking of a credit (after its lock of the bank reference) and by the proposal and approval of
 * a statement credit's parking in suspense (after the item's row lock and the lock of the line's
 * bank reference), before either looks for the other's booking, and always before any account's
 * row lock (docs/ledger.md, "Concurrency"). `amount` is formatted to the currency's minor unit, so
 * both sides name the same key.
 */
/** The advisory lock key of one bank line (its bank reference), under which the feed books it and a parking of it is checked. */
export function bankLineLockKey(bankReference: string): string {
  return `inbound-credit:${bankReference}`;
}

export async function lockCreditMoney(tx: Tx, money: { virtualAccountNumber: string; currency: string; amount: string }): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`inbound-credit-money:${money.virtualAccountNumber}:${money.currency}:${money.amount}`}, 0))`;
}

/** A parked statement credit the feed's credit is, with its exception's row locked. */
export interface ParkedStatementCredit {
  exception: InboundException;
  /** The reconciliation item of the statement line, resolved by parking it. */
  itemId: string;
  /** The escrow account number of the line's statement. */
  accountNumber: string;
  statementBankReference: string;
  /** When the parking was booked: money leaves suspense no earlier than it came in. */
  parkedAt: Date;
  rule: Extract<ReconciliationRule, 'BANK_REFERENCE' | 'ACCOUNT_AMOUNT_VALUE_DATE'>;
  /** False when the feed reports the line's bank reference with another amount or currency than the statement's: the bank's two records disagree. */
  sameMoney: boolean;
}

interface Candidate {
  exceptionId: string;
  itemId: string;
  accountNumber: string;
  statementBankReference: string;
  parkedAt: Date;
  sameMoney: boolean;
}

/**
 * The parked statement credit that explains the feed's credit (`bankReference`, paid to
 * `virtualAccountNumber`, `amount` in `currency`, received at `receivedAt`), the oldest parked
 * first, with its exception's row locked (FOR UPDATE): the feed and an operator's apply, refund
 * or write-off of the same money are served one after the other, and whichever comes second
 * finds the other's. Null when none does. Any status: the caller decides what a parked credit an
 * operator already resolved means. A line of the same bank reference is the feed's line whatever
 * the amounts say (`sameMoney` false when they differ): a bank reference names one bank line. Call
 * it under the feed's lock of `bankReference`.
 */
export async function findParkedStatementCredit(
  tx: Tx,
  credit: { bankReference: string; virtualAccountNumber: string; amount: Decimal; currency: Currency; receivedAt: Date },
): Promise<ParkedStatementCredit | null> {
  const amount = formatAmount(credit.amount, credit.currency);
  // Rule 2 over the feed's credit, given as the row `f`.
  const fitsByRuleTwo = Prisma.raw(`${receivedInWindowSql('f.received_at', valueDaySql('l.value_date'))} AND ${ownLineOnNoStatementSql('f.bank_reference')}`);
  const passed: string[] = [];
  for (let attempt = 0; attempt < PARKED_CANDIDATES_MAX; attempt += 1) {
    const [candidate] = await tx.$queryRaw<Candidate[]>`
      SELECT e."id"::text AS "exceptionId", i."id"::text AS "itemId", i."account_number" AS "accountNumber",
             l."bank_reference" AS "statementBankReference", t."effective_at" AS "parkedAt",
             (l."currency" = ${credit.currency} AND l."amount" = ${amount}::numeric) AS "sameMoney"
        FROM "inbound_exception" e
        JOIN "reconciliation_resolution" r ON r."exception_id" = e."id" AND r."status" = 'APPROVED'
        JOIN "reconciliation_item" i ON i."id" = r."item_id"
        JOIN "bank_statement_line" l ON l."id" = i."statement_line_id"
        JOIN "ledger_transaction" t ON t."id" = r."transaction_id"
        CROSS JOIN (SELECT ${credit.receivedAt}::timestamptz AS "received_at", ${credit.bankReference}::varchar AS "bank_reference") f
       WHERE e."reason" = 'RECONCILIATION' AND e."feed_bank_reference" IS NULL
         AND i."outcome" = 'BANK_ONLY' AND i."kind" = 'INBOUND_CREDIT' AND l."kind" = 'INBOUND_CREDIT'
         AND (l."bank_reference" = ${credit.bankReference}
              OR (l."currency" = ${credit.currency} AND l."amount" = ${amount}::numeric AND l."reference" = ${credit.virtualAccountNumber} AND ${fitsByRuleTwo}))
         AND e."id"::text <> ALL(${passed}::text[])
       ORDER BY (l."bank_reference" = ${credit.bankReference}) DESC, e."created_at", e."id"
       LIMIT 1`;
    if (!candidate) return null;
    // The row lock, then the row as it is under it: a booking of another feed line that took
    // this parked credit meanwhile has set its feed reference, and the next candidate is asked.
    await tx.$queryRaw`SELECT "id" FROM "inbound_exception" WHERE "id" = ${candidate.exceptionId}::uuid FOR UPDATE`;
    const exception = await tx.inboundException.findUniqueOrThrow({ where: { id: candidate.exceptionId } });
    if (exception.feedBankReference === null) {
      return { ...candidate, exception, parkedAt: new Date(candidate.parkedAt), rule: candidate.statementBankReference === credit.bankReference ? 'BANK_REFERENCE' : 'ACCOUNT_AMOUNT_VALUE_DATE' };
    }
    passed.push(candidate.exceptionId);
  }
  throw new Error(`feed credit ${credit.bankReference}: ${PARKED_CANDIDATES_MAX} parked statement credits were taken by other bookings while it looked`);
}

/**
 * The feed's credit booked out of suspense is the parked line's money: the line's item, resolved
 * by the parking, is MATCHED to the credit by the rule that found it, so that no other statement
 * line matches the credit and the ledger-only check does not list it (the partial unique index of
 * matched credits keeps it one line per credit). The item keeps its resolution and the parking's
 * posting, which dates it: it stays a bank-only difference on every day whose cut-off came before
 * the parking, and is none after. It is counted as matched from the accounting day of the feed's
 * booking (last checked then), so the reports of the days before read it as they did.
 */
export async function matchParkedLine(tx: Tx, parked: ParkedStatementCredit, credit: { id: string; bankReference: string }, booking: { effectiveAt: Date }): Promise<void> {
  const day = accountingDateOf(booking.effectiveAt, await cutOffSettings(tx));
  const how = parked.rule === 'BANK_REFERENCE' ? 'under the same bank reference' : `by virtual account, amount and a receipt within ${STATEMENT_MATCH_WINDOW_DAYS} days of the value date`;
  await tx.reconciliationItem.update({
    where: { id: parked.itemId },
    data: {
      outcome: 'MATCHED',
      rule: parked.rule,
      inboundCreditId: credit.id,
      detail: `parked in suspense by hand, then reported by the feed as ${credit.bankReference} (matched ${how}): booked out of suspense into the account paid`.slice(0, 500),
      lastCheckedDate: dateColumn(day),
      updatedAt: booking.effectiveAt,
    },
  });
}

/** The cut-off the ledger closes its days by: the latest closed day's, or the default before any. */
async function cutOffSettings(tx: Tx): Promise<CutOffSettings> {
  const latest = await tx.accountingDay.findFirst({ where: { status: 'CLOSED' }, orderBy: { cutOffAt: 'desc' }, select: { cutOffZone: true, cutOffTime: true } });
  return latest ? { zone: latest.cutOffZone, time: latest.cutOffTime } : DEFAULT_CUT_OFF;
}
