import type { StatementEntry } from '../../bank/statement/statement-document';
import { addDays, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import type pg from 'pg';
import type { Prisma, ReconciliationRule } from '../client';
import { toDecimal } from './to-decimal';

// The matching rules of docs/reconciliation.md ("Matching") over many statement lines at once. A
// statement of a busy day has some 100,000 lines: asking the database once per line and rule
// was hours of round trips, so each rule is one query over every line it concerns, in rule
// order, and the only thing that is sequential (a credit matched by one line is taken for the
// lines after it) is replayed in memory over the candidates those queries return, in the lines'
// order. The outcomes are those of matching the lines one by one, in that order.

/** A value date within this many days of the ledger's receipt still matches by account and amount. */
export const STATEMENT_MATCH_WINDOW_DAYS = 2;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a line was matched to, or why not. */
export interface Match {
  outcome: 'MATCHED' | 'BANK_ONLY';
  rule: ReconciliationRule | null;
  inboundCreditId: string | null;
  payoutId: string | null;
  offlineRepaymentId: string | null;
  detail: string;
}

/** One counted line to match; `itemId` is its own item when it is tried again, so what that item holds is not counted as taken by another line. */
export interface MatchSubject {
  itemId: string | null;
  kind: StatementEntry['kind'];
  bankReference: string;
  reference: string;
  amount: Decimal;
  currency: string;
  valueDate: IsoDate;
}

export function money(value: Decimal | Prisma.Decimal | string, currency: string): string {
  return `${formatAmount(typeof value === 'string' ? new Decimal(value) : toDecimal(value), currency as Currency)} ${currency}`;
}

const NONE = { inboundCreditId: null, payoutId: null, offlineRepaymentId: null, rule: null } as const;

interface CreditByReference {
  ord: number;
  id: string;
  amount: string;
  currency: string;
  taken: boolean;
}

interface PayoutByReference {
  payout_reference: string;
  id: string;
  amount: string;
  currency: string;
  status: string;
  returned_amount: string | null;
}

/** The window of rule 2 around a value date: receipts from two business days before it to two after. */
function windowOf(valueDate: IsoDate) {
  return {
    from: startOfBusinessDate(addDays(valueDate, -STATEMENT_MATCH_WINDOW_DAYS)).toISOString(),
    to: startOfBusinessDate(addDays(valueDate, STATEMENT_MATCH_WINDOW_DAYS + 1)).toISOString(),
    valueDay: startOfBusinessDate(valueDate).toISOString(),
  };
}

/**
 * Matches `subjects` in their order by the rules of docs/reconciliation.md, against the
 * database as it is when called: nothing is written here.
 */
export async function matchStatementLines(db: pg.ClientBase, subjects: readonly MatchSubject[]): Promise<Match[]> {
  const results: (Match | undefined)[] = Array.from({ length: subjects.length }, () => undefined);
  const credits = subjects.map((subject, ord) => ({ subject, ord })).filter(({ subject }) => subject.kind === 'INBOUND_CREDIT');
  const payouts = subjects.map((subject, ord) => ({ subject, ord })).filter(({ subject }) => subject.kind !== 'INBOUND_CREDIT');

  // Rule 1: the credits the feed booked under the lines' bank references.
  const byReference = new Map<number, CreditByReference>();
  if (credits.length > 0) {
    const { rows } = await db.query<CreditByReference>(
      `SELECT s.ord, c.id::text AS id, c.amount::text AS amount, c.currency::text AS currency,
              EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome = 'MATCHED' AND i.id IS DISTINCT FROM s.item_id) AS taken
         FROM unnest($1::int[], $2::text[], $3::uuid[]) AS s(ord, bank_reference, item_id)
         JOIN inbound_credit c ON c.bank_reference = s.bank_reference`,
      [credits.map(({ ord }) => ord), credits.map(({ subject }) => subject.bankReference), credits.map(({ subject }) => subject.itemId)],
    );
    for (const row of rows) byReference.set(row.ord, row);
  }

  // Rule 2: every candidate credit of every line the feed booked nothing for, best first per line.
  const byAccount = credits.filter(({ ord }) => !byReference.has(ord));
  const candidates = new Map<number, string[]>();
  if (byAccount.length > 0) {
    const windows = byAccount.map(({ subject }) => windowOf(subject.valueDate));
    const { rows } = await db.query<{ ord: number; id: string }>(
      `SELECT s.ord, c.id::text AS id
         FROM unnest($1::int[], $2::text[], $3::numeric[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::uuid[])
              AS s(ord, virtual_account_number, amount, currency, from_at, to_at, value_day, item_id)
         JOIN inbound_credit c ON c.virtual_account_number = s.virtual_account_number AND c.amount = s.amount AND c.currency = s.currency
                              AND c.received_at >= s.from_at AND c.received_at < s.to_at
        WHERE NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome = 'MATCHED' AND i.id IS DISTINCT FROM s.item_id)
          AND NOT EXISTS (SELECT 1 FROM bank_statement_line l WHERE l.bank_reference = c.bank_reference AND l.duplicate_of_id IS NULL)
        ORDER BY s.ord, abs(extract(epoch FROM c.received_at - s.value_day)), c.received_at, c.id`,
      [
        byAccount.map(({ ord }) => ord),
        byAccount.map(({ subject }) => subject.reference),
        byAccount.map(({ subject }) => subject.amount.toFixed()),
        byAccount.map(({ subject }) => subject.currency),
        windows.map((window) => window.from),
        windows.map((window) => window.to),
        windows.map((window) => window.valueDay),
        byAccount.map(({ subject }) => subject.itemId),
      ],
    );
    for (const row of rows) {
      const list = candidates.get(row.ord);
      if (list) list.push(row.id);
      else candidates.set(row.ord, [row.id]);
    }
  }

  // Rules 1 and 2 in the lines' order: a credit one line matched is taken for every line after it
  // (as a line matched one by one would have found the item of the line before).
  const takenHere = new Set<string>();
  const expectedOrNone: { subject: MatchSubject; ord: number }[] = [];
  for (const { subject: line, ord } of credits) {
    const amount = money(line.amount, line.currency);
    const credit = byReference.get(ord);
    if (credit) {
      if (credit.currency === line.currency && new Decimal(credit.amount).eq(line.amount) && !credit.taken && !takenHere.has(credit.id)) {
        takenHere.add(credit.id);
        results[ord] = { ...NONE, outcome: 'MATCHED', rule: 'BANK_REFERENCE', inboundCreditId: credit.id, detail: `booked by the feed under ${line.bankReference}` };
      } else {
        results[ord] = { ...NONE, outcome: 'BANK_ONLY', detail: `the ledger booked ${money(credit.amount, credit.currency)} under ${line.bankReference}; the bank shows ${amount}` };
      }
      continue;
    }
    const chosen = candidates.get(ord)?.find((id) => !takenHere.has(id));
    if (chosen) {
      takenHere.add(chosen);
      results[ord] = { ...NONE, outcome: 'MATCHED', rule: 'ACCOUNT_AMOUNT_VALUE_DATE', inboundCreditId: chosen, detail: `matched by virtual account ${line.reference}, ${amount} and a receipt within ${STATEMENT_MATCH_WINDOW_DAYS} days of value date ${line.valueDate}` };
      continue;
    }
    expectedOrNone.push({ subject: line, ord });
  }

  // Rule 3: an expected payment, an approved offline receipt the feed has not yet brought. The
  // money is still not in the ledger, so the line stays BANK_ONLY (in transit) until the feed books it.
  if (expectedOrNone.length > 0) {
    const windowMs = STATEMENT_MATCH_WINDOW_DAYS * DAY_MS;
    const lows = expectedOrNone.map(({ subject }) => new Date(startOfBusinessDate(subject.valueDate).getTime() - windowMs).toISOString());
    const highs = expectedOrNone.map(({ subject }) => new Date(startOfBusinessDate(subject.valueDate).getTime() + windowMs + DAY_MS).toISOString());
    const { rows } = await db.query<{ ord: number; id: string; bank_reference: string }>(
      `SELECT s.ord, e.id, e.bank_reference
        FROM unnest($1::int[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::timestamptz[], $7::timestamptz[])
             AS s(ord, bank_reference, virtual_account_number, amount, currency, low, high)
        CROSS JOIN LATERAL (
          SELECT o.id::text AS id, o.bank_reference FROM offline_repayment o
            JOIN financing f ON f.id = o.financing_id
            JOIN ledger_account a ON a.id = f.collection_account_id
           WHERE o.status = 'APPROVED' AND o.currency = s.currency
             AND (o.bank_reference = s.bank_reference
                  OR (a.virtual_account_number = s.virtual_account_number AND o.amount = s.amount AND o.created_at BETWEEN s.low AND s.high))
           ORDER BY (o.bank_reference = s.bank_reference) DESC, o.created_at, o.id
           LIMIT 1) e`,
      [
        expectedOrNone.map(({ ord }) => ord),
        expectedOrNone.map(({ subject }) => subject.bankReference),
        expectedOrNone.map(({ subject }) => subject.reference),
        expectedOrNone.map(({ subject }) => subject.amount.toFixed()),
        expectedOrNone.map(({ subject }) => subject.currency),
        lows,
        highs,
      ],
    );
    const expected = new Map(rows.map((row) => [row.ord, row]));
    for (const { subject: line, ord } of expectedOrNone) {
      const found = expected.get(ord);
      results[ord] = found
        ? { ...NONE, outcome: 'BANK_ONLY', rule: 'EXPECTED_PAYMENT', offlineRepaymentId: found.id, detail: `expected: the approved offline receipt ${found.bank_reference}; the feed has not booked the money yet` }
        : { ...NONE, outcome: 'BANK_ONLY', detail: `the ledger has no credit of ${money(line.amount, line.currency)} to virtual account ${line.reference}: surplus (长款) until the feed books it` };
    }
  }

  // Payouts and their returns carry the payout reference the platform chose.
  if (payouts.length > 0) {
    const references = [...new Set(payouts.map(({ subject }) => subject.reference))];
    const { rows } = await db.query<PayoutByReference>(
      `SELECT p.payout_reference, p.id::text AS id, p.amount::text AS amount, p.currency::text AS currency, p.status::text AS status, p.returned_amount::text AS returned_amount
         FROM payout p WHERE p.payout_reference = ANY($1::text[])`,
      [references],
    );
    const byPayoutReference = new Map(rows.map((row) => [row.payout_reference, row]));
    for (const { subject: line, ord } of payouts) results[ord] = matchPayoutLine(line, byPayoutReference.get(line.reference));
  }
  return results.map((result, ord) => {
    if (!result) throw new Error(`statement line ${ord} was not matched by any rule`);
    return result;
  });
}

function matchPayoutLine(line: MatchSubject, payout: PayoutByReference | undefined): Match {
  const amount = money(line.amount, line.currency);
  if (!payout) return { ...NONE, outcome: 'BANK_ONLY', detail: `the ledger has no payout ${line.reference}` };
  const withPayout = { ...NONE, payoutId: payout.id };
  if (payout.currency !== line.currency) return { ...withPayout, outcome: 'BANK_ONLY', detail: `payout ${line.reference} is in ${payout.currency}, the line in ${line.currency}` };
  const payoutAmount = new Decimal(payout.amount);
  if (line.kind === 'PAYOUT') {
    if (!payoutAmount.eq(line.amount)) return { ...withPayout, outcome: 'BANK_ONLY', detail: `payout ${line.reference} is ${money(payout.amount, payout.currency)}; the bank paid ${amount}` };
    if (payout.status === 'SETTLED' || payout.status === 'RETURNED') return { ...withPayout, outcome: 'MATCHED', rule: 'PAYOUT_REFERENCE', detail: `payout ${line.reference} ${payout.status.toLowerCase()}` };
    if (payout.status === 'FAILED') return { ...withPayout, outcome: 'BANK_ONLY', detail: `the ledger booked payout ${line.reference} as failed, but the bank paid it` };
    return { ...withPayout, outcome: 'BANK_ONLY', detail: `the bank paid payout ${line.reference}; the ledger still has it in transit (${payout.status})` };
  }
  // PAYOUT_RETURN
  if (payout.status === 'RETURNED') {
    const returned = payout.returned_amount ?? payout.amount;
    if (new Decimal(returned).eq(line.amount)) return { ...withPayout, outcome: 'MATCHED', rule: 'PAYOUT_REFERENCE', detail: `return of payout ${line.reference} booked` };
    return { ...withPayout, outcome: 'BANK_ONLY', detail: `the ledger booked ${money(returned, payout.currency)} returned of payout ${line.reference}; the bank shows ${amount}` };
  }
  if (payout.status === 'SETTLED') {
    if (line.amount.gt(payoutAmount)) return { ...withPayout, outcome: 'BANK_ONLY', detail: `the bank returned ${amount} of payout ${line.reference}, more than its ${money(payout.amount, payout.currency)}` };
    return { ...withPayout, outcome: 'BANK_ONLY', detail: `payout ${line.reference} came back after the ledger settled it: its return is booked to the source account` };
  }
  return { ...withPayout, outcome: 'BANK_ONLY', detail: `the bank returned payout ${line.reference}; the ledger has it ${payout.status}` };
}
