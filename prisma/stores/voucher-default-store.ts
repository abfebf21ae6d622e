import { addDays, dateColumn, isoDateOfColumn, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { voucherDefaultDate } from '../../domain/voucher-default';
import type { PrismaClient, Voucher } from '../client';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { CREDITS_INTO_ACCOUNTS } from './inbound-exception-store';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

// A voucher's default on its due date (docs/workflows/voucher.md, "Default on the due date"). The
// daily `voucher-defaults` schedule asks, for every ACTIVE voucher whose due date has ended,
// whether the money valued by the end of that date covers what it owes; a distribution that
// finishes asks the same of its voucher. Both come here, so the rule, the date written and the
// notices are one: the voucher DEFAULTED with `defaulted_on` = its due date, every holder of a
// part still owed told what it is still owed, and the issuer told what it owes, naming nobody.

/** Past-due vouchers one step looks at; the next step carries on after the last. */
export const VOUCHERS_PAST_DUE_PER_STEP_MAX = 100;
/** Notices written per statement when a voucher of many parts defaults. */
const NOTICES_PER_STATEMENT_MAX = 1000;

/** Where a scan of past-due vouchers stopped: the last one it looked at, in (due date, id) order. */
export interface PastDueCursor {
  dueDate: IsoDate;
  voucherId: string;
}

/** ACTIVE vouchers whose due date ended before `today`, oldest due date first, after `after`. */
export async function vouchersPastDue(prisma: PrismaClient | Tx, today: IsoDate, after: PastDueCursor | null, limit = VOUCHERS_PAST_DUE_PER_STEP_MAX): Promise<PastDueCursor[]> {
  const afterDate = after ? dateColumn(after.dueDate) : null;
  const afterId = after?.voucherId ?? null;
  const rows = await prisma.$queryRaw<Array<{ voucherId: string; dueDate: Date }>>`
    SELECT v.id::text AS "voucherId", v.due_date AS "dueDate"
      FROM voucher v
     WHERE v.status = 'ACTIVE'
       AND v.due_date < ${dateColumn(today)}::date
       AND (${afterDate}::date IS NULL OR (v.due_date, v.id) > (${afterDate}::date, ${afterId}::uuid))
     ORDER BY v.due_date, v.id
     LIMIT ${Math.min(Math.max(1, limit), VOUCHERS_PAST_DUE_PER_STEP_MAX)}`;
  return rows.map((row) => ({ voucherId: row.voucherId, dueDate: isoDateOfColumn(row.dueDate) }));
}

/** What the parts hold of the claim: what the issuer owes at maturity (parts that never came to be hold nothing). */
async function owedOf(tx: Tx, voucherId: string): Promise<Decimal> {
  const sum = await tx.voucherPart.aggregate({ where: { voucherId, status: { in: ['ACTIVE', 'FINANCING', 'FINANCED', 'PAID'] } }, _sum: { heldAmount: true } });
  return toDecimal(sum._sum.heldAmount ?? 0);
}

/**
 * Credited to the collection account with a value date (the day the bank received it, business
 * time) on or before the due date, distributed yet or not: money that came in time counts even
 * when the distribution is late, and so does money paid to a wrong number that operators applied
 * there from suspense (its credit's value date, whenever they applied it).
 */
export async function paidByDueDate(tx: PrismaClient | Tx, collectionAccountId: string | null, dueDate: IsoDate): Promise<Decimal> {
  if (!collectionAccountId) return new Decimal(0);
  const end = startOfBusinessDate(addDays(dueDate, 1));
  const [row] = await tx.$queryRaw<[{ paid: string }]>`
    SELECT COALESCE(SUM(r.amount), 0)::text AS paid FROM ${CREDITS_INTO_ACCOUNTS} r WHERE r.account_id = ${collectionAccountId}::uuid AND r.received_at < ${end}`;
  return toDecimal(row.paid);
}

/**
 * Whether the money valued by the end of the due date covers what the voucher owes. A default
 * recorded before such money was booked (a bank that reported the due date's last credit late)
 * never happened by value date, and is struck off when that money is distributed.
 */
export async function paidInTime(tx: Tx, voucher: Voucher): Promise<boolean> {
  return (await paidByDueDate(tx, voucher.collectionAccountId, isoDateOfColumn(voucher.dueDate))).gte(await owedOf(tx, voucher.id));
}

/** What one part is still owed: its claim in the memo book, on its CLAIM account and (financed) its ASSIGNED account. */
export interface PartOutstanding {
  partId: string;
  partNumber: string;
  holderPartyId: string;
  heldAmount: Decimal;
  outstanding: Decimal;
}

/**
 * What each of the given parts is still owed, from the ledger's posted balances: a part's claim
 * falls by its share when a distribution batch posts, so this is what was not paid to it yet.
 */
export async function outstandingOfParts(db: PrismaClient | Tx, partIds: readonly string[]): Promise<PartOutstanding[]> {
  if (partIds.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ partId: string; partNumber: string; holderPartyId: string; heldAmount: string; outstanding: string }>>`
    SELECT p.id::text AS "partId", p.part_number AS "partNumber", p.holder_party_id::text AS "holderPartyId", p.held_amount::text AS "heldAmount",
           ((c.credits_posted - c.debits_posted) + COALESCE(a.credits_posted - a.debits_posted, 0))::text AS "outstanding"
      FROM voucher_part p
      JOIN ledger_account c ON c.id = p.claim_account_id
      -- The claim assigned to the funder of the part's disbursed financing, if any (voucher-financing-store.ts, assignedAccountCodes).
      LEFT JOIN LATERAL (
        SELECT sum(a.credits_posted) AS credits_posted, sum(a.debits_posted) AS debits_posted
          FROM financing f JOIN receivable r ON r.id = f.receivable_id
          JOIN ledger_account a ON a.owner_party_id = f.funder_party_id
                               AND a.code IN ('voucher-part:' || p.id::text || ':ASSIGNED:' || f.funder_party_id::text || ':' || p.currency, 'voucher-part:' || p.id::text || ':ASSIGNED:' || p.currency)
         WHERE r.voucher_part_id = p.id AND f.disbursement_transaction_id IS NOT NULL) a ON true
     WHERE p.id = ANY(${[...partIds]}::uuid[])
     ORDER BY length(p.part_number), p.part_number`;
  return rows.map((row) => ({ partId: row.partId, partNumber: row.partNumber, holderPartyId: row.holderPartyId, heldAmount: toDecimal(row.heldAmount), outstanding: toDecimal(row.outstanding) }));
}

/** The parts of a voucher still owed something: the holders a default is told to. */
async function partsStillOwed(tx: Tx, voucherId: string): Promise<PartOutstanding[]> {
  const parts = await tx.voucherPart.findMany({ where: { voucherId, status: { in: ['ACTIVE', 'FINANCING', 'FINANCED'] }, heldAmount: { gt: 0 } }, select: { id: true } });
  return (await outstandingOfParts(tx, parts.map((part) => part.id))).filter((part) => part.outstanding.gt(0));
}

export interface VoucherDefaultOutcome {
  /** The day the voucher defaulted on (its due date), or null when it is not in default. */
  defaultedOn: IsoDate | null;
  /** Whether this call recorded the default (false when it was recorded before, or there is none). */
  recorded: boolean;
  /** Notices written by this call. */
  notified: number;
}

/**
 * Records the voucher's default when it is in default as of business date `today`: DEFAULTED,
 * `defaulted_on` its due date, and the notices. The caller holds the voucher's row lock (two
 * processes deciding at once would both notify; the dedupe keys make the second write nothing
 * anyway). A voucher already recorded in default, PAID, or not ACTIVE is left as it is.
 */
export async function recordDefaultIfShort(tx: Tx, voucher: Voucher, today: IsoDate, now: Date): Promise<VoucherDefaultOutcome> {
  if (voucher.defaultedOn) return { defaultedOn: isoDateOfColumn(voucher.defaultedOn), recorded: false, notified: 0 };
  if (voucher.status !== 'ACTIVE' && voucher.status !== 'DEFAULTED') return { defaultedOn: null, recorded: false, notified: 0 };
  const dueDate = isoDateOfColumn(voucher.dueDate);
  const owed = await owedOf(tx, voucher.id);
  const paid = await paidByDueDate(tx, voucher.collectionAccountId, dueDate);
  const defaultedOn = voucherDefaultDate({ dueDate, owed, paidByDueDate: paid, today });
  if (defaultedOn === null) return { defaultedOn: null, recorded: false, notified: 0 };
  const currency = voucher.currency as Currency;
  await tx.voucher.update({
    where: { id: voucher.id },
    data: {
      status: 'DEFAULTED',
      defaultedOn: dateColumn(defaultedOn),
      closedReason: `the due date ${dueDate} ended with ${formatAmount(owed.minus(paid), currency)} ${currency} unpaid: the claim left on each part is the issuer's default`,
      updatedAt: now,
    },
  });
  const notified = await notifyDefault(tx, voucher, { defaultedOn, owed, paid }, now);
  return { defaultedOn, recorded: true, notified };
}

/**
 * The notices of a default, once each (dedupe keys per voucher and part): each holder of a part
 * still owed, with what that part is still owed; the issuer, with what it owes in all and no
 * holder's name (it pays the platform; under silent assignment it must not learn who finances a
 * part, and a holder's notice says nothing of the other parts).
 */
async function notifyDefault(tx: Tx, voucher: Voucher, facts: { defaultedOn: IsoDate; owed: Decimal; paid: Decimal }, now: Date): Promise<number> {
  const currency = voucher.currency as Currency;
  const amount = (value: Decimal) => `${formatAmount(value, currency)} ${currency}`;
  const number = voucher.voucherNumber;
  const notices = (await partsStillOwed(tx, voucher.id)).map((part) => ({
    partyId: part.holderPartyId,
    kind: 'VOUCHER_DEFAULTED',
    subject: `凭证 ${number} 到期未足额兑付 / Voucher ${number} defaulted`,
    body:
      `您持有的凭证 ${part.partNumber} 于到期日 ${facts.defaultedOn} 未获足额兑付，尚欠 ${amount(part.outstanding)}（持有 ${amount(part.heldAmount)}）。此后到账的款项仍按比例清分。` +
      ` Your voucher part ${part.partNumber} was not paid in full by its due date ${facts.defaultedOn}: ${amount(part.outstanding)} of ${amount(part.heldAmount)} is still owed. Money that arrives later is still distributed.`,
    dedupeKey: `voucher:${voucher.id}:defaulted:part:${part.partId}`,
    createdAt: now,
  }));
  const shortfall = facts.owed.minus(facts.paid);
  notices.push({
    partyId: voucher.issuerPartyId,
    kind: 'VOUCHER_DEFAULTED',
    subject: `凭证 ${number} 逾期未兑付 / Voucher ${number} in default`,
    body:
      `凭证 ${number} 于到期日 ${facts.defaultedOn} 未足额兑付：应付 ${amount(facts.owed)}，到期日前到账 ${amount(facts.paid)}，尚欠 ${amount(shortfall)}。请向凭证到期还款专户付款。` +
      ` Voucher ${number} was not paid in full by its due date ${facts.defaultedOn}: ${amount(facts.owed)} owed, ${amount(facts.paid)} received by then, ${amount(shortfall)} unpaid. Pay the voucher's collection account.`,
    dedupeKey: `voucher:${voucher.id}:defaulted:issuer`,
    createdAt: now,
  });
  let written = 0;
  for (let start = 0; start < notices.length; start += NOTICES_PER_STATEMENT_MAX) {
    written += (await tx.notification.createMany({ data: notices.slice(start, start + NOTICES_PER_STATEMENT_MAX), skipDuplicates: true })).count;
  }
  return written;
}

/** One voucher's default decided in its own transaction, under its row lock. */
export async function recordVoucherDefault(prisma: PrismaClient, voucherId: string, today: IsoDate, now = new Date()): Promise<VoucherDefaultOutcome> {
  return runTransaction(
    prisma,
    async (tx) => {
      // A distribution finishing at the same moment decides under the same lock: one of them records it.
      await tx.$queryRaw`SELECT id FROM voucher WHERE id = ${voucherId}::uuid FOR UPDATE`;
      const voucher = await tx.voucher.findUniqueOrThrow({ where: { id: voucherId } });
      return recordDefaultIfShort(tx, voucher, today, now);
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

export interface PastDueStep {
  looked: number;
  defaulted: number;
  notified: number;
  /** Where the next step starts; null when this one reached the end. */
  next: PastDueCursor | null;
}

/**
 * One step of the daily scan: up to VOUCHERS_PAST_DUE_PER_STEP_MAX ACTIVE vouchers past due
 * after `after`, each decided in its own transaction. A voucher paid in time whose
 * distribution has not run yet stays ACTIVE and is passed (the cursor moves on): its
 * distribution makes it PAID.
 */
export async function recordPastDueDefaults(prisma: PrismaClient, today: IsoDate, after: PastDueCursor | null, now = new Date()): Promise<PastDueStep> {
  const due = await vouchersPastDue(prisma, today, after);
  let defaulted = 0;
  let notified = 0;
  for (const voucher of due) {
    const outcome = await recordVoucherDefault(prisma, voucher.voucherId, today, now);
    if (outcome.recorded) defaulted += 1;
    notified += outcome.notified;
  }
  const next = due.length === VOUCHERS_PAST_DUE_PER_STEP_MAX ? due[due.length - 1]! : null;
  return { looked: due.length, defaulted, notified, next };
}

