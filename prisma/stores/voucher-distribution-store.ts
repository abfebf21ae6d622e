import { createHash } from 'node:crypto';
import type { Actor } from '../../domain/actor';
import { ConflictError, DomainError, NotFoundError, WrongStateError } from '../../domain/errors';
import { ENTRIES_PER_TRANSACTION_MAX, transfer, type LedgerEntryInput } from '../../domain/ledger-rules';
import { Decimal, formatAmount, minorUnits, type Currency } from '../../domain/money';
import { distributeMaturityPayment, type MaturityDistribution } from '../../domain/voucher-distribution';
import { VOUCHER_STATUSES_PAID_INTO } from '../../domain/voucher-rules';
import { businessDateOf } from '../../domain/business-date';
import type { PrismaClient } from '../client';
import { collectionAccountCode, partyAccountCode, platformAccountCode } from './chart-of-accounts';
import { requestBalancePayout } from './balance-payout-store';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode, openAccount } from './ledger/accounts';
import { CREDITS_INTO_ACCOUNTS } from './inbound-exception-store';
import { openEffectiveAt } from './ledger/accounting-days';
import { postBatch, postTransaction, type PostTransactionInput } from './ledger/postings';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { allocateVoucherShareOfSettled } from './servicing-store';
import { recordWakeUps } from './wake-up-store';
import { paidInTime, recordDefaultIfShort } from './voucher-default-store';
import { assignedAccountOf } from './voucher-financing-store';

// The distribution of a voucher's maturity payment (到期清分; docs/workflows/voucher-maturity.md).
// Each inbound credit to the voucher's collection account is one payment: its plan is written
// once (planVoucherDistribution: every part's share by the pro-rata rule of
// domain/voucher-distribution.ts, where its money goes and which claim it settles), then posted
// in batches (postVoucherDistributionBatch: per batch, the money in multi-leg transactions with
// one credit leg per receiving account, the claims in memo transactions with one debit per part)
// under keys derived from the plan, then finished
// (finishVoucherDistribution: the excess to suspense, parts and voucher to their states). The
// plan never changes once written, so a crash between batches resumes the same plan and a batch
// posted twice is a replay: nobody is paid twice.

/** Parts posted per batch: their money in multi-leg transactions (or one per part, in plans written before), their claims one memo transaction per group. */
export const DISTRIBUTION_BATCH_PARTS_MAX = 2000;
/** The claims settled per memo transaction: all but one of the ledger's entries per transaction are claim debits. */
const CLAIMS_PER_MEMO_TRANSACTION_MAX = ENTRIES_PER_TRANSACTION_MAX - 1;
/** The receiving accounts per money transaction of a PER_HOLDER batch: the one other entry is the collection account's debit. */
const LEGS_PER_MONEY_TRANSACTION_MAX = ENTRIES_PER_TRANSACTION_MAX - 1;

/**
 * How a plan's money is posted, fixed when it is written (the keys differ, so a plan is posted
 * in one shape to its end). PER_PART: a money transaction per part under the part's own key,
 * the shape of every plan written before PER_HOLDER existed. PER_HOLDER: per batch, the
 * unfinanced parts' money in balanced multi-leg transactions of up to 63 receiving accounts, the
 * collection account debited once in each, a holder's parts in the batch sharing one credit leg;
 * a financed part keeps a transaction of its own (its financing allocates it by its id).
 */
export type MoneyPostings = 'PER_PART' | 'PER_HOLDER';

/** One part's share in a plan (short keys: a plan of 10,000 parts is one JSONB value). */
export interface PlannedShare {
  /** The part. */
  p: string;
  /** Its number (for people reading the plan). */
  n: string;
  /** Its share of the payment, a decimal string. */
  s: string;
  /** The money account its share goes to: its financing's collection account, or its holder's settlement account. */
  m: string;
  /** The memo account its claim is settled from: ASSIGNED when financed, else its CLAIM. */
  c: string;
  /** Its financing, when financed: woken to allocate the money by its own waterfall. */
  f: string | null;
  /** Its holder. */
  h: string;
  /** Whether the part is paid in full by this share. */
  z: boolean;
}

export interface DistributionPlan {
  distributionId: string;
  voucherId: string;
  number: number;
  batches: number;
  replayed: boolean;
}

/** The key of a part's own money posting in a distribution: a financed part's, and every part's in a PER_PART plan. */
export function distributionPostingKey(voucherId: string, number: number, partId: string): string {
  return `voucher:${voucherId}:distribution:${number}:${partId}`;
}

/** The key of the `index`-th multi-leg money transaction of a batch of a PER_HOLDER plan. */
export function distributionMoneyKey(voucherId: string, number: number, batch: number, index: number): string {
  return `voucher:${voucherId}:distribution:${number}:money:${batch}:${index}`;
}

/** A part whose financing is being decided holds its claim for a funder: its share waits until that ends. */
export class DistributionMustWaitError extends Error {
  override readonly name = 'DistributionMustWaitError';
}

/**
 * The voucher whose collection account a credit reached, if it reached one: booked there by the
 * feed, or parked in suspense and applied there whole by operators (applicableAccount,
 * inbound-exception-store.ts), which is then shared out as that credit, on the bank's value date.
 */
export async function voucherOfCredit(prisma: PrismaClient | Tx, inboundCreditId: string): Promise<{ voucherId: string } | null> {
  const [voucher] = await prisma.$queryRaw<Array<{ voucherId: string }>>`
    SELECT v.id::text AS "voucherId" FROM ${CREDITS_INTO_ACCOUNTS} r JOIN voucher v ON v.collection_account_id = r.account_id WHERE r.id = ${inboundCreditId}::uuid`;
  return voucher ?? null;
}

/**
 * Writes the plan of a payment once, under the voucher's row lock: what each part still holds
 * of the claim (its held amount less its shares in the voucher's earlier plans) is shared by the
 * pro-rata rule; a FINANCED part's share goes to its financing's collection account, any other's
 * to its holder's settlement account. Repeating it for the same credit returns the same plan.
 */
export async function planVoucherDistribution(prisma: PrismaClient, inboundCreditId: string, now = new Date()): Promise<DistributionPlan> {
  const existing = await writtenPlan(prisma, inboundCreditId);
  if (existing) return planOf(existing, true);
  return runTransaction(
    prisma,
    async (tx) => {
      const target = await voucherOfCredit(tx, inboundCreditId);
      if (!target) throw new NotFoundError('VoucherPayment', inboundCreditId);
      // Orders the plans of one voucher: each sees every earlier one, so no claim is shared twice.
      await tx.$queryRaw`SELECT id FROM voucher WHERE id = ${target.voucherId}::uuid FOR UPDATE`;
      const again = await writtenPlan(tx, inboundCreditId);
      if (again) return planOf(again, true);
      const voucher = await tx.voucher.findUniqueOrThrow({ where: { id: target.voucherId } });
      if (!VOUCHER_STATUSES_PAID_INTO.includes(voucher.status)) throw new WrongStateError(`voucher ${voucher.voucherNumber} is ${voucher.status}: nothing to distribute to`, voucher.status);
      const credit = await tx.inboundCredit.findUniqueOrThrow({ where: { id: inboundCreditId } });
      const currency = voucher.currency as Currency;
      // Only the columns the plan uses, with what each part still holds of the claim (its held
      // amount less its shares in the voucher's earlier plans) computed by the database, exactly,
      // as a decimal string in the currency's minor units: the plan reads every part of the
      // voucher (10,000 in the benchmark), and whole rows with Prisma Decimals, then a Decimal
      // subtraction per part, cost more than the plan's own arithmetic. Ordered by part number as
      // before, so that a plan lays out its shares, and so its batches, as earlier plans did.
      const parts = await tx.$queryRaw<Array<{ id: string; partNumber: string; status: string; outstanding: string; owes: boolean; holderPartyId: string; claimAccountId: string }>>`
        WITH before AS (
          SELECT (s ->> 'p')::uuid AS part_id, SUM((s ->> 's')::numeric) AS paid
            FROM voucher_distribution d, jsonb_array_elements(d.planned_shares) s
           WHERE d.voucher_id = ${voucher.id}::uuid
           GROUP BY 1)
        SELECT p.id, p.part_number AS "partNumber", p.status::text AS status,
               round(p.held_amount - COALESCE(b.paid, 0), ${minorUnits(currency)}::int)::text AS outstanding, p.held_amount - COALESCE(b.paid, 0) > 0 AS owes,
               p.holder_party_id AS "holderPartyId", p.claim_account_id AS "claimAccountId"
          FROM voucher_part p
          LEFT JOIN before b ON b.part_id = p.id
         WHERE p.voucher_id = ${voucher.id}::uuid AND p.status IN ('ACTIVE', 'FINANCING', 'FINANCED', 'PAID') AND p.held_amount > 0
         ORDER BY p.part_number`;
      const pending = parts.find((part) => part.status === 'FINANCING');
      if (pending) throw new DistributionMustWaitError(`voucher part ${pending.partNumber} is in a financing being decided: the distribution waits until it is disbursed or ends`);
      // An open offer holds part of a claim for its recipient: what the parts hold is not known until it is decided.
      const offered = await tx.voucherTransfer.findFirst({ where: { voucherId: voucher.id, fromPartId: { not: null }, status: { in: ['PENDING_APPROVAL', 'PENDING_ACCEPTANCE'] } }, select: { transferNumber: true } });
      if (offered) throw new DistributionMustWaitError(`voucher transfer ${offered.transferNumber} is open: the distribution waits until it is accepted or ends`);
      const owed = parts.filter((part) => part.owes).map((part) => ({ part, outstanding: part.outstanding }));
      const paid = formatAmount(toDecimal(credit.amount), currency);
      // A voucher whose every claim is paid (the issuer paid it twice) owes nothing more: all of
      // the payment is beyond it, the payer's, parked for a refund like any excess.
      const distribution: MaturityDistribution =
        owed.length === 0
          ? { currency, paid, totalHeld: formatAmount(new Decimal(0), currency), kind: 'OVER', shares: [], excess: paid }
          : distributeMaturityPayment({
              paid,
              currency,
              parts: owed.map(({ part, outstanding }) => ({ partId: part.id, partNumber: part.partNumber, heldAmount: outstanding })),
            });
      const financings = await financingsOf(tx, owed.filter(({ part }) => part.status === 'FINANCED').map(({ part }) => part.id));
      const shares: PlannedShare[] = [];
      // A holder of many parts has one settlement account: opened (or found) once per plan, not once per part.
      const settlementCodes = [...new Set(owed.map(({ part }) => partyAccountCode(part.holderPartyId, 'SUPPLIER_SETTLEMENT', currency)))];
      // The codes as one array parameter: an IN list of one parameter per holder costs more to plan than to run.
      const opened = await tx.$queryRaw<Array<{ id: string; ownerPartyId: string }>>`
        SELECT id, owner_party_id AS "ownerPartyId" FROM ledger_account WHERE code = ANY (${settlementCodes}::text[])`;
      const settlementOf = new Map<string, string>(opened.map((account) => [account.ownerPartyId, account.id]));
      for (const [index, share] of distribution.shares.entries()) {
        if (new Decimal(share.share).isZero()) continue;
        const { part } = owed[index]!;
        const financing = financings.get(part.id) ?? null;
        if (part.status === 'FINANCED' && !financing) throw new Error(`voucher part ${part.partNumber} is FINANCED without a disbursed financing`);
        let money: string;
        if (financing) money = await accountIdOf(tx, collectionAccountCode(financing.id, currency));
        else {
          money = settlementOf.get(part.holderPartyId) ?? (await openSettlementAccount(tx, part.holderPartyId, currency)).id;
          settlementOf.set(part.holderPartyId, money);
        }
        const claim = financing ? await assignedAccountIdOf(tx, part.id, financing.funderPartyId, currency) : part.claimAccountId;
        shares.push({ p: part.id, n: part.partNumber, s: share.share, m: money, c: claim, f: financing?.id ?? null, h: part.holderPartyId, z: new Decimal(share.shortfall).isZero() });
      }
      // The plan's number and row in one statement; the voucher's row lock above orders the plans of one voucher.
      const [created] = await tx.$queryRaw<[WrittenPlan]>`
        INSERT INTO voucher_distribution (voucher_id, "number", inbound_credit_id, currency, paid, excess, kind, planned_shares, money_postings, created_at)
        SELECT ${voucher.id}::uuid, COALESCE(MAX("number"), 0) + 1, ${inboundCreditId}::uuid, ${currency}, ${paid}::numeric, ${distribution.excess}::numeric, ${distribution.kind}, ${JSON.stringify(shares)}::jsonb, ${'PER_HOLDER' satisfies MoneyPostings}, ${now}
          FROM voucher_distribution WHERE voucher_id = ${voucher.id}::uuid
        RETURNING id, voucher_id AS "voucherId", "number", ${shares.length}::int AS "shares"`;
      return planOf(created, false);
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/** A written plan as its steps need it: the count of its shares, not the shares. */
interface WrittenPlan {
  id: string;
  voucherId: string;
  number: number;
  shares: number;
}

async function writtenPlan(db: PrismaClient | Tx, inboundCreditId: string): Promise<WrittenPlan | null> {
  const [row] = await db.$queryRaw<WrittenPlan[]>`
    SELECT id, voucher_id AS "voucherId", "number", jsonb_array_length(planned_shares) AS "shares" FROM voucher_distribution WHERE inbound_credit_id = ${inboundCreditId}::uuid`;
  return row ?? null;
}

function planOf(row: WrittenPlan, replayed: boolean): DistributionPlan {
  return { distributionId: row.id, voucherId: row.voucherId, number: row.number, batches: Math.ceil(row.shares / DISTRIBUTION_BATCH_PARTS_MAX), replayed };
}

/** The disbursed financing of each financed part. */
async function financingsOf(tx: Tx, partIds: string[]): Promise<Map<string, { id: string; funderPartyId: string }>> {
  if (partIds.length === 0) return new Map();
  const rows = await tx.financing.findMany({
    where: { receivable: { voucherPartId: { in: partIds } }, disbursementTransactionId: { not: null } },
    select: { id: true, funderPartyId: true, receivable: { select: { voucherPartId: true } } },
  });
  return new Map(rows.map((row) => [row.receivable.voucherPartId!, { id: row.id, funderPartyId: row.funderPartyId }]));
}

async function assignedAccountIdOf(tx: Tx, partId: string, funderPartyId: string, currency: string): Promise<string> {
  const account = await assignedAccountOf(tx, partId, funderPartyId, currency);
  if (!account) throw new Error(`the assigned claim account of voucher part ${partId} for funder ${funderPartyId} is missing`);
  return account.id;
}

async function accountIdOf(tx: Tx, code: string): Promise<string> {
  const account = await findAccountByCode(tx, code);
  if (!account) throw new Error(`ledger account ${code} is missing`);
  return account.id;
}

/** A holder that is not a registered supplier (any party can receive a part) gets its settlement account on its first share. */
function openSettlementAccount(tx: Tx, partyId: string, currency: Currency) {
  return openAccount(tx, {
    code: partyAccountCode(partyId, 'SUPPLIER_SETTLEMENT', currency),
    name: `供应商结算户 Supplier settlement ${currency}`,
    type: 'LIABILITY',
    purpose: 'SUPPLIER_SETTLEMENT',
    currency,
    ownerPartyId: partyId,
    debitsMustNotExceedCredits: true,
    withVirtualAccountNumber: true,
  });
}

/** What a batch's postings are built from: the plan's facts and the voucher's two accounts. */
export interface BatchPlan {
  voucherId: string;
  voucherNumber: string;
  number: number;
  currency: Currency;
  moneyPostings: MoneyPostings;
  collectionAccountId: string;
  issuedAccountId: string;
  /** INBOUND_CLEARING (待清分来账) in the plan's currency: a financed part's share passes through it. */
  clearingAccountId: string;
  /** When the bank received the payment: a financed share's value date. */
  receivedAt: Date;
  /** When its postings count in the ledger: receivedAt, or the open accounting day's start if that day has closed since. */
  effectiveAt: Date;
}

/** A batch's postings, and for each of its shares (in order) the keys of the money and memo transactions that carry it. */
export interface BatchPostings {
  postings: PostTransactionInput[];
  keys: Array<{ money: string; claim: string }>;
}

/**
 * The postings of one batch of a plan: its money in the plan's shape (PER_HOLDER: multi-leg
 * transactions, a holder's parts sharing a credit leg; PER_PART: one transaction per part), and
 * its claims settled in memo transactions of up to 63 parts, each part's CLAIM (or ASSIGNED)
 * account debited by its own share. Every transaction is balanced as built: a money
 * transaction's debit is the sum of its credits, a memo transaction's credit the sum of its debits.
 *
 * The issuer reads its collection account's debits: what it sees of them must not tell a
 * financed part from another (a silent assignment is never the issuer's to learn). Under
 * PER_HOLDER, the financed parts' shares leave the collection account in the holders'
 * transactions, on one leg to INBOUND_CLEARING, and each then goes from there to its financing's
 * collection account in a transaction of its own (VOUCHER_DISTRIBUTION_FINANCED, naming the
 * financing), which the issuer has no entry in; the financing's waterfall allocates each share by
 * that transaction.
 */
export function distributionBatchPostings(plan: BatchPlan, shares: readonly PlannedShare[], batch: number): BatchPostings {
  const { voucherId, number, currency } = plan;
  const money: PostTransactionInput[] = [];
  const moneyKeys: string[] = [];
  // A part's own transaction under its part key: every part's in a plan written before PER_HOLDER,
  // from the collection account; a financed part's under PER_HOLDER, from the clearing account.
  const ownTransaction = (share: PlannedShare, from: string) => {
    const key = distributionPostingKey(voucherId, number, share.p);
    money.push({
      idempotencyKey: key,
      code: share.f ? 'VOUCHER_DISTRIBUTION_FINANCED' : 'VOUCHER_DISTRIBUTION',
      description: `到期清分 ${share.n}`,
      effectiveAt: plan.effectiveAt,
      metadata: { voucherId, distribution: number, partId: share.p, ...(share.f ? { financingId: share.f, receivedAt: plan.receivedAt.toISOString() } : {}) },
      entries: transfer(from, share.m, new Decimal(share.s), currency),
    });
    return key;
  };
  if (plan.moneyPostings === 'PER_PART') {
    for (const share of shares) moneyKeys.push(ownTransaction(share, plan.collectionAccountId));
  } else {
    // One credit leg per receiving account, in the order of its first share in the batch; the
    // financed parts' shares on the clearing account's leg.
    const legs = new Map<string, Decimal>();
    for (const share of shares) {
      const account = share.f ? plan.clearingAccountId : share.m;
      legs.set(account, (legs.get(account) ?? new Decimal(0)).plus(share.s));
    }
    const accounts = [...legs.keys()];
    const keyOfAccount = new Map<string, string>();
    for (let start = 0; start < accounts.length; start += LEGS_PER_MONEY_TRANSACTION_MAX) {
      const group = accounts.slice(start, start + LEGS_PER_MONEY_TRANSACTION_MAX);
      const key = distributionMoneyKey(voucherId, number, batch, start / LEGS_PER_MONEY_TRANSACTION_MAX);
      const total = group.reduce((sum, account) => sum.plus(legs.get(account)!), new Decimal(0));
      const entries: LedgerEntryInput[] = [{ accountId: plan.collectionAccountId, direction: 'DEBIT', amount: formatAmount(total, currency), currency }];
      for (const account of group) {
        entries.push({ accountId: account, direction: 'CREDIT', amount: formatAmount(legs.get(account)!, currency), currency });
        keyOfAccount.set(account, key);
      }
      // The description and metadata name no part, no holder and no count of either: every holder
      // with a leg here sees this transaction (its own entries of it), and nothing of the others.
      money.push({ idempotencyKey: key, code: 'VOUCHER_DISTRIBUTION', description: `到期清分 ${plan.voucherNumber}`, effectiveAt: plan.effectiveAt, metadata: { voucherId, distribution: number, batch }, entries });
    }
    // A financed share after the transaction that brought it to the clearing account, as the ledger posts them in order.
    for (const share of shares) moneyKeys.push(share.f ? ownTransaction(share, plan.clearingAccountId) : keyOfAccount.get(share.m)!);
  }
  const memo: PostTransactionInput[] = [];
  const claimKeys: string[] = [];
  for (let start = 0; start < shares.length; start += CLAIMS_PER_MEMO_TRANSACTION_MAX) {
    const group = shares.slice(start, start + CLAIMS_PER_MEMO_TRANSACTION_MAX);
    const key = `voucher:${voucherId}:distribution:${number}:claims:${batch}:${start / CLAIMS_PER_MEMO_TRANSACTION_MAX}`;
    const total = group.reduce((sum, share) => sum.plus(share.s), new Decimal(0));
    const entries: LedgerEntryInput[] = group.map((share) => ({ accountId: share.c, direction: 'DEBIT', amount: formatAmount(new Decimal(share.s), currency), currency }));
    entries.push({ accountId: plan.issuedAccountId, direction: 'CREDIT', amount: formatAmount(total, currency), currency });
    // Every holder whose claim is here reads this transaction (its own entries of it): it names
    // no part and no count, like the money transactions.
    memo.push({ idempotencyKey: key, code: 'VOUCHER_CLAIM_SETTLED', description: `凭证债权清偿 ${plan.voucherNumber}`, effectiveAt: plan.effectiveAt, metadata: { voucherId, distribution: number, batch }, entries });
    for (const _share of group) claimKeys.push(key);
  }
  return { postings: [...money, ...memo], keys: shares.map((_share, index) => ({ money: moneyKeys[index]!, claim: claimKeys[index]! })) };
}

export interface PostedBatch {
  /** The parts whose shares the batch carries. */
  shares: number;
  /** The ledger transactions that carry them: money and memo. */
  transactions: number;
  replayed: boolean;
}

/** What a batch needs of its plan: the plan's facts, the voucher's two accounts, the credit's time, and only its own slice of the shares. */
interface PlanSlice {
  id: string;
  number: number;
  currency: Currency;
  moneyPostings: MoneyPostings;
  voucherId: string;
  voucherNumber: string;
  collectionAccountId: string;
  issuedAccountId: string;
  clearingAccountId: string;
  receivedAt: Date;
  shares: PlannedShare[];
}

/**
 * The shares of one batch, cut out of the plan by the database: a plan of 10,000 parts is about
 * 1.5 MB of JSON, and each of its batches needs a fifth of it, so the rest never leaves the
 * database (jsonpath's `[from to last]` is lax: a last index past the end stops at the end).
 */
async function planSlice(prisma: PrismaClient | Tx, distributionId: string, batch: number): Promise<PlanSlice> {
  const from = batch * DISTRIBUTION_BATCH_PARTS_MAX;
  const last = from + DISTRIBUTION_BATCH_PARTS_MAX - 1;
  const [row] = await prisma.$queryRaw<PlanSlice[]>`
    SELECT d.id, d."number", d.currency, d.money_postings AS "moneyPostings", v.id AS "voucherId", v.voucher_number AS "voucherNumber", v.collection_account_id AS "collectionAccountId", v.issued_account_id AS "issuedAccountId",
           (SELECT id FROM ledger_account WHERE code = 'platform:INBOUND_CLEARING:' || d.currency) AS "clearingAccountId",
           c.received_at AS "receivedAt", jsonb_path_query_array(d.planned_shares, '$[$from to $last]', jsonb_build_object('from', ${from}::int, 'last', ${last}::int)) AS shares
      FROM voucher_distribution d
      JOIN voucher v ON v.id = d.voucher_id
      JOIN inbound_credit c ON c.id = d.inbound_credit_id
     WHERE d.id = ${distributionId}::uuid`;
  if (!row) throw new Error(`voucher distribution ${distributionId} is missing`);
  return row;
}

function batchPlanOf(row: PlanSlice): BatchPlan {
  return {
    voucherId: row.voucherId,
    voucherNumber: row.voucherNumber,
    number: row.number,
    currency: row.currency,
    moneyPostings: row.moneyPostings,
    collectionAccountId: row.collectionAccountId,
    issuedAccountId: row.issuedAccountId,
    clearingAccountId: row.clearingAccountId,
    receivedAt: row.receivedAt,
    effectiveAt: row.receivedAt,
  };
}

/**
 * Posts one batch of a plan in one database transaction: its money and claim postings (one
 * postBatch), the wake-ups of the financings whose collection accounts received money (their
 * workflows allocate it by their waterfalls, exactly as a payment by the obligor), and the parts
 * paid in full moved to PAID. A financing already SETTLED (its funder made whole by an earlier
 * payment, or by recourse) has no workflow left to wake: its share is allocated here instead,
 * and its waterfall returns it to the holder. Posting a batch again is a replay of every posting
 * in it.
 */
export async function postVoucherDistributionBatch(prisma: PrismaClient, distributionId: string, batch: number): Promise<PostedBatch> {
  const row = await planSlice(prisma, distributionId, batch);
  const shares = row.shares;
  if (shares.length === 0) return { shares: 0, transactions: 0, replayed: true };
  const paidInFull = shares.filter((share) => share.z).map((share) => share.p);
  const financed = [...new Set(shares.flatMap((share) => (share.f ? [share.f] : [])))];
  return runTransaction(
    prisma,
    async (tx) => {
      // Dated when the bank received the money, or in the open accounting day when the cut-off
      // has closed that one since (money received at 22:50 and distributed after 23:00): a closed
      // day is never written into. A financed share keeps the bank's time as its value date.
      const effectiveAt = await openEffectiveAt(tx, row.receivedAt);
      const { postings, keys } = distributionBatchPostings({ ...batchPlanOf(row), effectiveAt }, shares, batch);
      // A batch is posted whole in one transaction: one of its keys in the ledger means all of it
      // is there, perhaps in the shape an earlier version gave it, or dated otherwise (its
      // postings are not built the same way again, so they are not compared).
      const [earlier] = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM ledger_transaction WHERE idempotency_key = ${keys[0]!.claim}`;
      if (earlier) return { shares: shares.length, transactions: postings.length, replayed: true };
      // The financings' rows first, in id order (their own steps also lock the row before its
      // accounts): none settles while its share is posted, so a share is never sent to a
      // workflow that has just ended (a lost share). One already SETTLED is allocated below.
      const locked = financed.length === 0 ? [] : await tx.$queryRaw<Array<{ id: string; status: string }>>`
        SELECT id::text AS id, status::text AS status FROM financing WHERE id = ANY (${financed}::uuid[]) ORDER BY id FOR UPDATE`;
      const settled = new Set(locked.filter((financing) => financing.status === 'SETTLED').map((financing) => financing.id));
      const posted = await postBatch(tx, postings);
      const transactionOf = new Map(posted.map((item) => [item.idempotencyKey, item.transactionId]));
      const now = new Date();
      for (const [index, share] of shares.entries()) {
        if (!share.f || !settled.has(share.f)) continue;
        // The funder is whole: the share is the holder's, through the financing's waterfall (its surplus, up to the part's confirmed amount).
        await allocateVoucherShareOfSettled(tx, share.f, { transactionId: transactionOf.get(keys[index]!.money)!, amount: new Decimal(share.s), receivedAt: row.receivedAt }, now);
      }
      const cause = `voucher-distribution:${row.id}`;
      await recordWakeUps(tx, shares.filter((share) => share.f && !settled.has(share.f)).map((share) => ({ financingId: share.f!, signal: 'REPAYMENT_RECEIVED' as const, cause })));
      // One statement for the whole batch, its ids as one array parameter: an IN list of 2,000
      // parameters cost more to plan than the update cost to run. A part already PAID (a replay)
      // is left as it is.
      if (paidInFull.length) {
        await tx.$executeRaw`UPDATE voucher_part SET status = 'PAID', updated_at = ${new Date()} WHERE id = ANY (${paidInFull}::uuid[]) AND status IN ('ACTIVE', 'FINANCED')`;
      }
      return { shares: shares.length, transactions: posted.length, replayed: posted.every((item) => item.replayed) };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/** A part's share of a distribution and the ledger transactions that carry it (null while its batch is not posted). */
export interface DistributedShare {
  partId: string;
  partNumber: string;
  holderPartyId: string;
  financingId: string | null;
  amount: string;
  /** The account its money was credited to: the leg, in its money transaction, that carries it (with its holder's other parts of the batch). */
  accountId: string;
  transactionId: string | null;
  /** The memo transaction that debited the part's claim (CLAIM or ASSIGNED account) by its share. */
  claimTransactionId: string | null;
}

/**
 * Every part's share of a distribution with the transactions that carry it, in the plan's
 * order. No row per part is written when a batch posts: the plan already holds each part's share
 * and the account it goes to, and the keys of the transactions that carry it follow from the
 * plan alone (distributionBatchPostings), so they are looked up by key here, for whoever asks.
 */
export async function distributedSharesOf(db: PrismaClient | Tx, distributionId: string): Promise<DistributedShare[]> {
  const result: DistributedShare[] = [];
  for (let batch = 0; ; batch += 1) {
    const row = await planSlice(db, distributionId, batch);
    if (row.shares.length === 0) break;
    const { keys } = distributionBatchPostings(batchPlanOf(row), row.shares, batch);
    const wanted = [...new Set(keys.flatMap((key) => [key.money, key.claim]))];
    const found = await db.$queryRaw<Array<{ key: string; id: string }>>`
      SELECT idempotency_key AS key, id::text AS id FROM ledger_transaction WHERE idempotency_key = ANY (${wanted}::text[])`;
    const idOf = new Map(found.map((transaction) => [transaction.key, transaction.id]));
    row.shares.forEach((share, index) =>
      result.push({
        partId: share.p,
        partNumber: share.n,
        holderPartyId: share.h,
        financingId: share.f,
        amount: formatAmount(new Decimal(share.s), row.currency),
        accountId: share.m,
        transactionId: idOf.get(keys[index]!.money) ?? null,
        claimTransactionId: idOf.get(keys[index]!.claim) ?? null,
      }),
    );
  }
  return result;
}

export interface FinishedDistribution {
  voucherStatus: string;
  /** What each holder of an unfinanced part received, to pay out to its bank. */
  holderPayouts: Array<{ partyId: string; amount: string; currency: Currency }>;
}

/**
 * Ends a distribution once its batches are posted: what was paid beyond what the voucher owed is
 * parked in suspense as the payer's (an OVERPAID exception, for a refund); the voucher is PAID
 * when no part is owed anything, DEFAULTED when its due date has passed with a shortfall.
 * Finishing again changes nothing.
 */
export async function finishVoucherDistribution(prisma: PrismaClient, distributionId: string, now = new Date()): Promise<FinishedDistribution> {
  return runTransaction(
    prisma,
    async (tx) => {
      // Everything but the shares: what finishing needs of them is summed by the database below.
      const row = await tx.voucherDistribution.findUniqueOrThrow({ where: { id: distributionId }, omit: { shares: true }, include: { voucher: true, inboundCredit: true } });
      const currency = row.currency as Currency;
      const voucher = row.voucher;
      if (row.status === 'PLANNED') {
        const excess = toDecimal(row.excess);
        if (excess.gt(0)) {
          const suspense = await accountIdOf(tx, platformAccountCode('SUSPENSE', currency));
          await postTransaction(tx, {
            idempotencyKey: `voucher:${voucher.id}:distribution:${row.number}:excess`,
            code: 'INBOUND_SUSPENSE',
            description: `挂账 OVERPAID ${voucher.voucherNumber}`,
            effectiveAt: row.inboundCredit.receivedAt,
            inOpenDay: true,
            metadata: { voucherId: voucher.id, distribution: row.number, exception: 'OVERPAID' },
            entries: transfer(voucher.collectionAccountId!, suspense, excess, currency),
          });
          const credit = row.inboundCredit;
          const amount = formatAmount(excess, currency);
          await tx.inboundException.create({
            data: {
              bankReference: `overpaid:voucher:${row.id}`,
              reason: 'OVERPAID',
              detail: `paid beyond what voucher ${voucher.voucherNumber} still owed: the payer's, for a refund`,
              virtualAccountNumber: credit.virtualAccountNumber,
              amount,
              currency,
              payerName: credit.payerName,
              payerAccountNumber: credit.payerAccountNumber,
              remittanceInformation: credit.remittanceInformation,
              receivedAt: credit.receivedAt,
              heldAmount: amount,
              createdAt: now,
            },
          });
        }
        // The voucher's state is decided under its row lock, as the daily default scan decides it.
        await tx.$queryRaw`SELECT id FROM voucher WHERE id = ${voucher.id}::uuid FOR UPDATE`;
        const locked = await tx.voucher.findUniqueOrThrow({ where: { id: voucher.id } });
        // A part this plan did not share in may be owed nothing more all the same: its holder passed
        // on the rest of its claim after an earlier instalment paid the part what it kept.
        await tx.$executeRaw`
          UPDATE voucher_part p SET status = 'PAID', updated_at = ${now}
            FROM (SELECT (s ->> 'p')::uuid AS part_id, SUM((s ->> 's')::numeric) AS paid
                    FROM voucher_distribution d, jsonb_array_elements(d.planned_shares) s
                   WHERE d.voucher_id = ${voucher.id}::uuid AND d."number" <= ${row.number}
                   GROUP BY 1) b
           WHERE p.id = b.part_id AND p.voucher_id = ${voucher.id}::uuid AND p.status IN ('ACTIVE', 'FINANCED') AND p.held_amount > 0 AND b.paid >= p.held_amount`;
        const owing = await tx.voucherPart.count({ where: { voucherId: voucher.id, status: { in: ['ACTIVE', 'FINANCING', 'FINANCED'] }, heldAmount: { gt: 0 } } });
        if (owing === 0) {
          // Paid in full, late or not: a default recorded before keeps its date (defaulted_on).
          const struckOff = locked.defaultedOn !== null && (await paidInTime(tx, locked));
          if (locked.status !== 'PAID' || struckOff) await tx.voucher.update({ where: { id: voucher.id }, data: { status: 'PAID', closedReason: null, ...(struckOff ? { defaultedOn: null } : {}), updatedAt: now } });
        } else {
          // In default only when the money valued by the end of the due date fell short, never
          // because this step ran after it: the rule and the notices are the default scan's.
          await recordDefaultIfShort(tx, locked, businessDateOf(now), now);
        }
        await tx.voucherDistribution.update({ where: { id: row.id }, data: { status: 'POSTED', postedAt: now } });
      }
      const current = await tx.voucher.findUniqueOrThrow({ where: { id: voucher.id }, select: { status: true } });
      return { voucherStatus: current.status, holderPayouts: await holderSharesOf(tx, distributionId, currency) };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * What each holder of unfinanced parts received in a plan, in the order of its first part: the
 * order payouts are made in. Summed by the database (exact numeric sums of the shares' decimal
 * strings), so that the plan's shares are not read into the process for a list of holders.
 */
async function holderSharesOf(db: PrismaClient | Tx, distributionId: string, currency: Currency): Promise<Array<{ partyId: string; amount: string; currency: Currency }>> {
  const rows = await db.$queryRaw<Array<{ partyId: string; amount: string }>>`
    SELECT s ->> 'h' AS "partyId", SUM((s ->> 's')::numeric)::text AS amount
      FROM voucher_distribution d, jsonb_array_elements(d.planned_shares) WITH ORDINALITY AS e(s, n)
     WHERE d.id = ${distributionId}::uuid AND s ->> 'f' IS NULL
     GROUP BY s ->> 'h'
     ORDER BY MIN(e.n)`;
  return rows.map((row) => ({ partyId: row.partyId, amount: formatAmount(toDecimal(row.amount), currency), currency }));
}

/** The holders' shares of a finished distribution, `count` of them from `from` (the workflow pays them out in slices). */
export async function holderPayoutsOf(prisma: PrismaClient, distributionId: string, from = 0, count = Number.MAX_SAFE_INTEGER): Promise<Array<{ partyId: string; amount: string; currency: Currency }>> {
  const row = await prisma.voucherDistribution.findUniqueOrThrow({ where: { id: distributionId }, select: { status: true, currency: true } });
  // Paying out before the batches are posted would pay money the settlement account does not hold yet.
  if (row.status !== 'POSTED') throw new WrongStateError(`distribution ${distributionId} is ${row.status}: its holders are paid out once it is finished`, row.status);
  return (await holderSharesOf(prisma, distributionId, row.currency as Currency)).slice(from, from + count);
}

/**
 * The id of a holder's payout of a distribution, derived from both (a version 8 UUID from a
 * SHA-256, as use-cases/derived-id.ts derives ids): the workflow that pays it out is named
 * after it, so asking twice names the same payout and the same workflow.
 */
export function holderPayoutId(distributionId: string, partyId: string): string {
  const bytes = createHash('sha256').update(JSON.stringify(['voucher-holder-payout', distributionId, partyId])).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Inbound credits looked at per dispatch pass; the next pass takes the rest. */
export const UNDISTRIBUTED_CREDITS_MAX = 100;

/**
 * Credits that reached a voucher's collection account and that no distribution has been planned
 * for yet, oldest first: booked there by the feed, or parked in suspense and applied there by
 * operators. The booking (or the resolution) is the outbox, and the plan is its mark of
 * delivery. A credit still parked is not here: its money has not reached the voucher.
 */
export async function undistributedVoucherCredits(prisma: PrismaClient, limit = UNDISTRIBUTED_CREDITS_MAX): Promise<Array<{ inboundCreditId: string; voucherId: string }>> {
  return prisma.$queryRaw<Array<{ inboundCreditId: string; voucherId: string }>>`
    SELECT r.id AS "inboundCreditId", v.id AS "voucherId"
      FROM ${CREDITS_INTO_ACCOUNTS} r
      JOIN voucher v ON v.collection_account_id = r.account_id
     WHERE NOT EXISTS (SELECT 1 FROM voucher_distribution d WHERE d.inbound_credit_id = r.id)
     ORDER BY r.received_at, r.id
     LIMIT ${Math.min(Math.max(1, limit), UNDISTRIBUTED_CREDITS_MAX)}`;
}

/** The payout of a holder's share of a distribution, as its request key names it: one per holder and distribution, whoever asks. */
export function holderPayoutKey(distributionId: string): string {
  return `voucher-distribution:${distributionId}`;
}

export type HolderPayoutResult = { payoutId: string; replayed: boolean } | { payoutId: null; reason: string };

/** The refusals of a holder's payout that leave its share in its settlement account (requestHolderPayout). */
const HOLDER_KEEPS_ITS_SHARE: ReadonlySet<string> = new Set(['BANK_ACCOUNT_MISSING', 'PAYOUT_ACCOUNT_NOT_OWN_NAME', 'EXCEEDS_AVAILABLE_BALANCE']);

/**
 * Puts a holder's share in transit to its registered bank account, once: the payout's request
 * key is derived from the distribution, so a repeat finds the first payout. A holder whose share
 * cannot leave for a reason of its own (no payout account, one not in its own name, or the share
 * no longer in its settlement account because the holder withdrew it itself) keeps what is there
 * in its settlement account, withdrawable by the holder; that is an outcome, not a failure, so
 * that the other holders' shares already put in transit are still followed to the bank.
 */
export async function requestHolderPayout(prisma: PrismaClient, input: { distributionId: string; partyId: string; amount: string; currency: Currency; payoutId: string }, now = new Date()): Promise<HolderPayoutResult> {
  // The platform pays out on the holder's behalf: no user of the holder asked for it.
  const actor = { userId: null, partyId: input.partyId, partyRoles: [], userRoles: [] } as unknown as Actor;
  try {
    const { payout, replayed } = await requestBalancePayout(prisma, actor, { purpose: 'WITHDRAWAL', amount: input.amount, currency: input.currency, idempotencyKey: holderPayoutKey(input.distributionId), payoutId: input.payoutId }, now);
    return { payoutId: payout.id, replayed };
  } catch (error) {
    if (error instanceof ConflictError) throw error;
    if (error instanceof DomainError && HOLDER_KEEPS_ITS_SHARE.has(error.code)) return { payoutId: null, reason: error.message };
    throw error;
  }
}
