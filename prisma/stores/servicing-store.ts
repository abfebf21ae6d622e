import { businessDateOf, daysBetween, dateColumn, isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import { WrongStateError } from '../../domain/errors';
import { SERVICING } from '../../domain/financing-rules';
import { allocateWaterfall, postingEntries, waterfallEntries, type WaterfallAllocation } from '../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { dailyPenalty, isWhole, overdueFrom, penaltyDaysToCharge, totalOutstanding, waterfallOrder, type Outstanding } from '../../domain/servicing-rules';
import type { AllocationSource, Financing, PrismaClient, RepaymentAllocation } from '../client';
import { financingAccounts, lockFinancing, lockFinancingAccounts, moveFinancing, MONEY_TRANSACTION_TIMEOUT_MS, type FinancingAccounts } from './financing-ledger';
import { getBalance } from './ledger/balances';
import { postTransaction } from './ledger/postings';
import { runTransaction, type Tx } from './run-transaction';
import { storedAmount, toDecimal } from './to-decimal';

// Servicing a disbursed financing: penalty interest charged day by day once it is overdue,
// the waterfall over whatever reaches its collection account, recourse to the supplier, and
// settlement when the funder is whole. Each step is one database transaction holding the
// financing's row lock, with idempotency keys on every posting.

function outstandingOf(financing: Financing): Outstanding {
  return {
    principal: toDecimal(financing.principalOutstanding),
    interest: toDecimal(financing.interestOutstanding),
    fees: toDecimal(financing.feesOutstanding),
    penalty: toDecimal(financing.penaltyOutstanding),
  };
}

function assertServicing(financing: Financing): void {
  if (!financing.disbursementTransactionId) throw new WrongStateError(`the financing is ${financing.status}: nothing was disbursed`, financing.status);
}

export interface PenaltyResult {
  charged: { date: IsoDate; amount: string }[];
  overdue: boolean;
}

/**
 * Charges the penalty of every day not yet charged up to `today` (a business date that has
 * begun), on the principal that was outstanding at the start of each day, and marks the
 * financing OVERDUE. Nothing before the grace days have passed; nothing once it is whole.
 * Each day is its own posting keyed by the date, so a day is never charged twice.
 */
export async function accruePenalty(prisma: PrismaClient, financingId: string, today: IsoDate, now = new Date()): Promise<PenaltyResult> {
  return runTransaction(
    prisma,
    async (tx) => {
      const financing = await lockFinancing(tx, financingId);
      assertServicing(financing);
      if (!SERVICING.includes(financing.status) || isWhole(outstandingOf(financing))) return { charged: [], overdue: false };
      const terms = await tx.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
      const dueDate = isoDateOfColumn(financing.dueDate);
      const days = penaltyDaysToCharge(dueDate, terms.graceDays, financing.penaltyAccruedThrough ? isoDateOfColumn(financing.penaltyAccruedThrough) : null, today);
      if (days.length === 0) return { charged: [], overdue: financing.status === 'OVERDUE' };
      const currency = financing.currency as Currency;
      const accounts = await financingAccounts(tx, financing);
      // Principal repaid on a day lowers the base from the next day on.
      const repayments = await tx.repaymentAllocation.findMany({ where: { financingId }, select: { principal: true, allocatedAt: true } });
      const principal = toDecimal(financing.principal);
      const charged: PenaltyResult['charged'] = [];
      let total = new Decimal(0);
      for (const day of days) {
        const repaidBefore = repayments.filter((row) => daysBetween(businessDateOf(row.allocatedAt), day) > 0).reduce((sum, row) => sum.plus(toDecimal(row.principal)), new Decimal(0));
        const amount = dailyPenalty(principal.minus(repaidBefore), toDecimal(terms.penaltyRate), terms.dayCount, currency);
        if (amount.gt(0)) {
          await postTransaction(tx, {
            idempotencyKey: `financing:${financingId}:penalty:${day}`,
            code: 'PENALTY_ACCRUAL',
            description: `罚息 penalty interest ${financing.financingNumber} ${day}`,
            metadata: { financingId, date: day },
            entries: postingEntries('PENALTY_ACCRUAL', amount, currency, { penaltyReceivable: financing.penaltyAccountId!, accrualControl: accounts.accrualControl }),
          });
          total = total.plus(amount);
        }
        charged.push({ date: day, amount: formatAmount(amount, currency) });
      }
      const overdueSince = overdueFrom(dueDate, terms.graceDays);
      await moveFinancing(tx, financing, 'OVERDUE', `not repaid by the end of the ${terms.graceDays} grace days after the due date ${dueDate}`, now, {
        penaltyAccrued: { increment: total.toFixed() },
        penaltyOutstanding: { increment: total.toFixed() },
        penaltyAccruedThrough: dateColumn(days[days.length - 1]!),
        overdueSince: dateColumn(overdueSince),
      });
      return { charged, overdue: true };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * Runs the waterfall over everything in the financing's collection account: penalty, fees,
 * interest and principal in the program's order, the rest back to the supplier, in one
 * posting; settles the financing when nothing is owed. Null when the account is empty.
 */
export async function allocateCollection(prisma: PrismaClient, financingId: string, idempotencyKey: string, now = new Date()): Promise<RepaymentAllocation | null> {
  return runTransaction(
    prisma,
    async (tx) => {
      const done = await tx.repaymentAllocation.findUnique({ where: { idempotencyKey } });
      if (done) return done;
      const financing = await lockFinancing(tx, financingId);
      assertServicing(financing);
      return allocateInTransaction(tx, financing, await lockFinancingAccounts(tx, financing), idempotencyKey, 'REPAYMENT', now);
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

async function allocateInTransaction(tx: Tx, financing: Financing, accounts: FinancingAccounts, idempotencyKey: string, source: AllocationSource, now: Date): Promise<RepaymentAllocation | null> {
  const currency = financing.currency as Currency;
  const collected = (await getBalance(tx, accounts.collection)).available;
  if (collected.lte(0)) return null;
  const terms = await tx.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
  const owed = outstandingOf(financing);
  const allocation: WaterfallAllocation = allocateWaterfall(collected, owed, waterfallOrder(terms.waterfall));
  const metadata = { financingId: financing.id, source };
  const posted = await postTransaction(tx, {
    idempotencyKey,
    code: source === 'RECOURSE' ? 'RECOURSE_ALLOCATION' : 'REPAYMENT_ALLOCATION',
    description: `还款分配 waterfall ${financing.financingNumber}`,
    metadata,
    entries: waterfallEntries(allocation, currency, { collection: accounts.collection, feeIncome: accounts.feeIncome, funderFunding: accounts.funderFunding, supplierSettlement: accounts.supplierSettlement }),
  });
  if (allocation.allocated.penalty.gt(0)) {
    await postTransaction(tx, {
      idempotencyKey: `${idempotencyKey}:penalty-collected`,
      code: 'PENALTY_COLLECTED',
      metadata,
      entries: postingEntries('PENALTY_COLLECTED', allocation.allocated.penalty, currency, { penaltyReceivable: financing.penaltyAccountId!, accrualControl: accounts.accrualControl }),
    });
  }
  const fixed = (value: Decimal) => formatAmount(value, currency);
  const row = await tx.repaymentAllocation.create({
    data: {
      financingId: financing.id,
      idempotencyKey,
      source,
      collected: fixed(collected),
      penalty: fixed(allocation.allocated.penalty),
      fees: fixed(allocation.allocated.fees),
      interest: fixed(allocation.allocated.interest),
      principal: fixed(allocation.allocated.principal),
      surplus: fixed(allocation.surplus),
      outstandingAfter: fixed(totalOutstanding(allocation.outstanding)),
      transactionId: posted.transactionId,
      allocatedAt: now,
    },
  });
  const buckets = {
    principalOutstanding: fixed(allocation.outstanding.principal),
    interestOutstanding: fixed(allocation.outstanding.interest),
    feesOutstanding: fixed(allocation.outstanding.fees),
    penaltyOutstanding: fixed(allocation.outstanding.penalty),
    repaidPrincipal: { increment: fixed(allocation.allocated.principal) },
    repaidInterest: { increment: fixed(allocation.allocated.interest) },
    repaidFees: { increment: fixed(allocation.allocated.fees) },
    repaidPenalty: { increment: fixed(allocation.allocated.penalty) },
    surplusReturned: { increment: fixed(allocation.surplus) },
  };
  if (isWhole(allocation.outstanding) && financing.status !== 'SETTLED') {
    await settle(tx, financing, accounts, now, buckets);
  } else {
    await tx.financing.update({ where: { id: financing.id }, data: { ...buckets, updatedAt: now } });
  }
  return row;
}

/** The funder is whole: the limits are given back, the receivable and the financing are SETTLED, the registry is released. */
async function settle(tx: Tx, financing: Financing, accounts: FinancingAccounts, now: Date, buckets: object): Promise<void> {
  const currency = financing.currency as Currency;
  const holds = await tx.ledgerHold.findMany({ where: { id: { in: financing.limitHoldIds } } });
  for (const hold of holds) {
    await postTransaction(tx, {
      idempotencyKey: `financing:${financing.id}:limit-release:${hold.id}`,
      code: 'LIMIT_RELEASE',
      metadata: { financingId: financing.id },
      entries: postingEntries('LIMIT_RELEASE', toDecimal(hold.postedAmount ?? hold.amount), currency, { limitControl: accounts.limitControl, creditLimit: hold.debitAccountId }),
    });
  }
  await tx.receivable.update({ where: { id: financing.receivableId }, data: { status: 'SETTLED', updatedAt: now } });
  await tx.receivableTransition.create({
    data: { receivableId: financing.receivableId, fromStatus: 'FINANCED', toStatus: 'SETTLED', reason: `financing ${financing.financingNumber} settled`, occurredAt: now },
  });
  await tx.registryEntry.updateMany({ where: { receivableId: financing.receivableId, releasedAt: null }, data: { releasedAt: now } });
  await moveFinancing(tx, financing, 'SETTLED', 'the funder is repaid in full', now, { ...buckets, settledAt: now });
}

export interface RecourseResult {
  claimed: string;
  outstandingAfter: string;
}

/**
 * Recourse (追索): claims what is still owed from the supplier's settlement account, as far as
 * its balance allows, and runs the waterfall over it. Once per financing; the rest stays
 * outstanding (and keeps accruing penalty) until paid.
 */
export async function claimRecourse(prisma: PrismaClient, financingId: string, now = new Date()): Promise<RecourseResult> {
  return runTransaction(
    prisma,
    async (tx) => {
      const financing = await lockFinancing(tx, financingId);
      assertServicing(financing);
      const currency = financing.currency as Currency;
      const owed = totalOutstanding(outstandingOf(financing));
      const terms = await tx.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
      const already = await tx.repaymentAllocation.findUnique({ where: { idempotencyKey: `financing:${financingId}:recourse-allocation` } });
      if (!terms.recourse || already || owed.isZero() || !SERVICING.includes(financing.status)) return { claimed: storedAmount(financing.recourseClaimed, currency), outstandingAfter: formatAmount(owed, currency) };
      const accounts = await lockFinancingAccounts(tx, financing);
      // Locked before it is read: two of the supplier's financings claiming on the same day
      // are served one after the other, each from what the other left.
      await tx.$queryRaw`SELECT id FROM ledger_account WHERE id = ${accounts.supplierSettlement}::uuid FOR UPDATE`;
      const available = (await getBalance(tx, accounts.supplierSettlement)).available;
      const claim = Decimal.min(available, owed);
      if (claim.lte(0)) return { claimed: formatAmount(new Decimal(0), currency), outstandingAfter: formatAmount(owed, currency) };
      await postTransaction(tx, {
        idempotencyKey: `financing:${financingId}:recourse`,
        code: 'RECOURSE',
        description: `追索 recourse ${financing.financingNumber}`,
        metadata: { financingId },
        entries: postingEntries('RECOURSE', claim, currency, { supplierSettlement: accounts.supplierSettlement, collection: accounts.collection }),
      });
      await tx.financing.update({ where: { id: financingId }, data: { recourseClaimed: claim.toFixed() } });
      const row = await allocateInTransaction(tx, financing, accounts, `financing:${financingId}:recourse-allocation`, 'RECOURSE', now);
      return { claimed: formatAmount(claim, currency), outstandingAfter: row ? storedAmount(row.outstandingAfter, currency) : formatAmount(owed, currency) };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}
