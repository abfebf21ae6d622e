import { businessDateOf, daysBetween, dateColumn, formatShanghaiTime, isoDateOfColumn, addDays, type IsoDate } from '../../domain/business-date';
import { WrongStateError } from '../../domain/errors';
import { SERVICING, type FinancingStatus } from '../../domain/financing-rules';
import { allocateWaterfall, paidToFunder, postingEntries, reallocationEntries, reallocationShortfall, recourseReturnEntries, recourseReturnShortfall, splitSurplus, WATERFALL_BUCKETS, waterfallEntries, type LedgerEntryInput, type WaterfallAllocation, type WaterfallBucket } from '../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import {
  isOverdueByValueDate,
  isWhole,
  overdueFrom,
  penaltyDaysToCharge,
  penaltyOwedOn,
  penaltyOwedThrough,
  recourseOn,
  totalOutstanding,
  waterfallOrder,
  type Outstanding,
  type PenaltyBasis,
  type ValueDatedRepayment,
} from '../../domain/servicing-rules';
import { Prisma, type AllocationSource, type Financing, type PrismaClient, type ProgramTerms, type RepaymentAllocation } from '../client';
import { platformAccountCode } from './chart-of-accounts';
import { lockFinancing, lockFinancingAccounts, moveFinancing, MONEY_TRANSACTION_TIMEOUT_MS, type FinancingAccounts } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { notifyOperators, notifyParties } from './operator-notices';
import { postTransaction, reverseTransaction, type ReverseTransactionInput } from './ledger/postings';
import { recordOverpaidException } from './inbound-exception-store';
import { proceedsAwaitingRetry, recoursePostingKey } from './payout-store';
import { payWhatFundersOwe, tellReallocationOwed } from './owed-by-funder';
import { runTransaction, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { storedAmount, toDecimal } from './to-decimal';

// Servicing a disbursed financing: the waterfall over whatever reaches its collection account,
// penalty interest day by day once it is overdue, recourse to the supplier, and settlement when
// the funder is whole. Money counts from its value date, the day the bank received it, never
// from when a process noticed it (docs/workflows/financing.md, "Servicing"):
//
// - each piece of money is allocated on its own, in value-date order, as of its value date,
//   whatever path brought it (the feed's inbound credit, parked money an operator applied out
//   of suspense, a voucher share): the bank's receipt, never the day it reached the account;
// - penalty for a day is owed on the principal outstanding when the day began, by value date,
//   and only when the financing was not whole at the end of its grace days, by value date;
// - a credit processed after days it covers were charged has those charges reversed (a
//   reversing entry, 红字冲正) and, where some penalty is still owed for the day, charged again
//   at the right amount: the ledger keeps both, and the figures say what was reversed;
// - a credit processed after repayments of later value dates, one of which paid penalty, is
//   allocated as if read in time: those repayments are set aside while it runs through the
//   waterfall, then run through it again, each on its own value date (reallocate): penalty they
//   paid that its days no longer owe becomes principal (or interest, fees) of the same funder;
//   when they settled the financing, it stays settled, as of the money that makes it whole in
//   value-date order, and its settlement statement is issued again;
// - a credit value-dated inside the grace days owes no penalty at all from its own money, since
//   none was owed yet on that day; whether the days from D+1 are owed after all is decided by
//   whether the financing was whole at the end of the grace days;
// - a credit the bank received before the recourse claim, whenever it was read, is the core
//   enterprise's repayment on its own value date: the claim is set aside while the credit runs
//   through the waterfall, then claims only what is still owed, and the rest of it goes back to
//   the supplier (returnRecourse); with later repayments set aside too, the claim and they run
//   again in value-date order.
//
// Each step is a database transaction holding the financing's row lock (a few in a row when
// more money waits than one takes), with idempotency keys on every posting.

/**
 * Pieces of money (inbound credits, applied exceptions, voucher shares) one database transaction
 * allocates; the rest wait, with their value dates, for the next transaction.
 */
export const COLLECTIONS_PER_TRANSACTION_MAX = 100;

/**
 * Transactions one servicing step runs, so at most 300 pieces: about 5 seconds a hundred on a
 * busy machine, well inside the activity's 30 seconds (activity-bounds.ts, DATABASE_STEP). More
 * waiting means something upstream is wrong; the rest wait, with their value dates, for the
 * next step, which the workflow runs at once (`ServicingResult.more`).
 */
export const TRANSACTIONS_PER_STEP_MAX = 3;

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

/** Penalty reversed by one allocation, because its value date showed the days were not owed. */
export interface PenaltyReversal {
  allocationId: string;
  valueDate: IsoDate;
  amount: string;
  days: IsoDate[];
}

/** What one servicing step did, and where it left the financing. */
export interface ServicingResult {
  allocations: RepaymentAllocation[];
  charged: { date: IsoDate; amount: string }[];
  reversals: PenaltyReversal[];
  status: FinancingStatus;
  overdue: boolean;
  settled: boolean;
  /** Money in the collection account still waits to be allocated (beyond the step's bound): step again at once. */
  more: boolean;
}

interface StandingCharge {
  id: string;
  transactionId: string;
  amount: Decimal;
}

/**
 * One financing inside one transaction, under its row lock: its terms, its repayments by value
 * date, its standing penalty charges, and what this step did. `financing` is re-read after
 * every write, so it is always what the database holds.
 */
interface Book {
  tx: Tx;
  financing: Financing;
  terms: ProgramTerms;
  accounts: FinancingAccounts & { suspense: string };
  currency: Currency;
  confirmedAmount: Decimal;
  repayments: ValueDatedRepayment[];
  /** What the payer's money has counted toward the receivable so far (not penalty, not what it over-paid). */
  payerPaid: Decimal;
  /** Standing charges by business date, and how many charges each day ever had (for the keys of new ones). */
  charges: Map<IsoDate, StandingCharge>;
  chargeCounts: Map<IsoDate, number>;
  now: Date;
  done: { allocations: RepaymentAllocation[]; charged: { date: IsoDate; amount: string }[]; reversals: PenaltyReversal[] };
}

/** What the waterfall runs on (waterfallOn): a Book's figures, without its transaction, locks or step. */
type Figures = Pick<Book, 'financing' | 'terms' | 'currency' | 'confirmedAmount' | 'repayments' | 'payerPaid' | 'charges' | 'chargeCounts'>;

/** The figures of `financing` as the database holds them, and its allocations. */
async function figuresOf(db: Tx | PrismaClient, financing: Financing): Promise<{ figures: Figures; allocations: RepaymentAllocation[] }> {
  const terms = await db.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
  const receivable = await db.receivable.findUniqueOrThrow({ where: { id: financing.receivableId }, select: { confirmedAmount: true } });
  const allocations = await db.repaymentAllocation.findMany({ where: { financingId: financing.id } });
  const chargeRows = await db.penaltyCharge.findMany({ where: { financingId: financing.id } });
  const charges = new Map<IsoDate, StandingCharge>();
  const chargeCounts = new Map<IsoDate, number>();
  for (const row of chargeRows) {
    const date = isoDateOfColumn(row.businessDate);
    chargeCounts.set(date, (chargeCounts.get(date) ?? 0) + 1);
    if (!row.reversalTransactionId) charges.set(date, { id: row.id, transactionId: row.transactionId, amount: toDecimal(row.amount) });
  }
  const figures: Figures = {
    financing,
    terms,
    currency: financing.currency as Currency,
    confirmedAmount: toDecimal(receivable.confirmedAmount ?? financing.principal),
    repayments: allocations.map(repaymentOf),
    payerPaid: allocations.filter((row) => row.source === 'REPAYMENT').reduce((sum, row) => sum.plus(paidTowardReceivable(row)), new Decimal(0)),
    charges,
    chargeCounts,
  };
  return { figures, allocations };
}

async function openBook(tx: Tx, financing: Financing, now: Date): Promise<Book> {
  const currency = financing.currency as Currency;
  const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
  if (!suspense) throw new Error(`ledger account ${platformAccountCode('SUSPENSE', currency)} is missing`);
  const { figures } = await figuresOf(tx, financing);
  return {
    ...figures,
    tx,
    // Every account a step may post to (suspense too: what the payer over-paid goes there),
    // locked at once in the ledger's one order (ledger/locks.ts) before anything posts.
    accounts: { ...(await lockFinancingAccounts(tx, financing, [suspense.id])), suspense: suspense.id },
    now,
    done: { allocations: [], charged: [], reversals: [] },
  };
}

function repaymentOf(row: RepaymentAllocation): ValueDatedRepayment {
  const principal = toDecimal(row.principal);
  return { valueDate: isoDateOfColumn(row.valueDate), principal, nonPenalty: principal.plus(toDecimal(row.interest)).plus(toDecimal(row.fees)) };
}

function paidTowardReceivable(row: Pick<RepaymentAllocation, 'collected' | 'penalty' | 'overpaid'>): Decimal {
  return toDecimal(row.collected).minus(toDecimal(row.penalty)).minus(toDecimal(row.overpaid));
}

function basisOf(book: Figures): PenaltyBasis {
  const { financing, terms } = book;
  const owed = outstandingOf(financing);
  return {
    dueDate: isoDateOfColumn(financing.dueDate),
    graceDays: terms.graceDays,
    principal: toDecimal(financing.principal),
    penaltyRate: toDecimal(terms.penaltyRate),
    dayCount: terms.dayCount,
    currency: book.currency,
    nonPenaltyOutstanding: owed.principal.plus(owed.interest).plus(owed.fees),
    repayments: book.repayments,
  };
}

async function reread(book: Book): Promise<void> {
  book.financing = await book.tx.financing.findUniqueOrThrow({ where: { id: book.financing.id } });
}

function fixed(book: Book, value: Decimal): string {
  return formatAmount(value, book.currency);
}

/** The penalty memo book's legs for `amount`: PENALTY_ACCRUAL's owe it (again), PENALTY_COLLECTED's count it paid. */
function penaltyMemo(book: Book, rule: 'PENALTY_ACCRUAL' | 'PENALTY_COLLECTED', amount: Decimal): LedgerEntryInput[] {
  return postingEntries(rule, amount, book.currency, { penaltyReceivable: book.financing.penaltyAccountId!, accrualControl: book.accounts.accrualControl });
}

/**
 * The payer's money in suspense, held for an operator to refund in the caller's transaction: an
 * OVERPAID exception of the financing for `amount` of what `paid` (an allocation, with the money
 * behind it) paid; `cause` when it is not for paying beyond the receivable.
 */
async function holdForPayer(
  book: Book,
  paid: { allocationId: string; inboundCreditId: string | null; inboundExceptionId: string | null },
  amount: Decimal,
  cause?: { reference: string; detail: string },
): Promise<void> {
  const { financing } = book;
  await recordOverpaidException(book.tx, {
    ...paid,
    financingId: financing.id,
    financingNumber: financing.financingNumber,
    collectionAccountId: book.accounts.collection,
    amount,
    currency: book.currency,
    at: book.now,
    ...(cause ? { cause } : {}),
  });
}

const earlierOf = (a: IsoDate, b: IsoDate) => (daysBetween(a, b) < 0 ? b : a);
const laterOf = (a: IsoDate, b: IsoDate) => (daysBetween(a, b) > 0 ? b : a);

/** Posts one day's charge (the first under the day's own key, later ones under a revision) and records it. */
async function postCharge(book: Book, day: IsoDate, amount: Decimal): Promise<void> {
  const { financing } = book;
  const count = book.chargeCounts.get(day) ?? 0;
  const posted = await postTransaction(book.tx, {
    idempotencyKey: count === 0 ? `financing:${financing.id}:penalty:${day}` : `financing:${financing.id}:penalty:${day}:r${count}`,
    code: 'PENALTY_ACCRUAL',
    description: `罚息 penalty interest ${financing.financingNumber} ${day}`,
    effectiveAt: book.now,
    inOpenDay: true,
    metadata: { financingId: financing.id, date: day },
    entries: penaltyMemo(book, 'PENALTY_ACCRUAL', amount),
  });
  const row = await book.tx.penaltyCharge.create({
    data: { financingId: financing.id, businessDate: dateColumn(day), amount: fixed(book, amount), transactionId: posted.transactionId, chargedAt: book.now },
  });
  book.chargeCounts.set(day, count + 1);
  book.charges.set(day, { id: row.id, transactionId: posted.transactionId, amount });
}

function penaltyDaysOf(book: Book): number {
  return [...book.charges.values()].filter((charge) => charge.amount.gt(0)).length;
}

/**
 * Charges the penalty of every day not yet charged up to `through` (a business date that has
 * begun) and marks the financing OVERDUE: nothing before the grace days have passed, nothing
 * when it was whole at their end by value date, nothing once it is whole. Each day is its own
 * posting keyed by the date, so a day is never charged twice.
 */
async function chargeThrough(book: Book, through: IsoDate): Promise<void> {
  const { financing, terms } = book;
  if (!SERVICING.includes(financing.status) || isWhole(outstandingOf(financing))) return;
  const dueDate = isoDateOfColumn(financing.dueDate);
  const days = penaltyDaysToCharge(dueDate, terms.graceDays, financing.penaltyAccruedThrough ? isoDateOfColumn(financing.penaltyAccruedThrough) : null, through);
  const basis = basisOf(book);
  if (days.length === 0 || !isOverdueByValueDate(basis, through)) return;
  let total = new Decimal(0);
  for (const day of days) {
    const amount = penaltyOwedOn(basis, day);
    if (amount.gt(0)) {
      await postCharge(book, day, amount);
      total = total.plus(amount);
    }
    book.done.charged.push({ date: day, amount: fixed(book, amount) });
  }
  await moveFinancing(book.tx, financing, 'OVERDUE', `not repaid by the end of the ${terms.graceDays} grace days after the due date ${dueDate}`, book.now, {
    penaltyAccrued: { increment: total.toFixed() },
    penaltyOutstanding: { increment: total.toFixed() },
    penaltyAccruedThrough: dateColumn(days[days.length - 1]!),
    overdueSince: dateColumn(overdueFrom(dueDate, terms.graceDays)),
    penaltyDays: penaltyDaysOf(book),
  });
  await reread(book);
}

/** penaltyOwedThrough for this financing's due date and grace days. */
function owedThroughOf(book: Figures, valueDate: IsoDate): IsoDate {
  return penaltyOwedThrough(isoDateOfColumn(book.financing.dueDate), book.terms.graceDays, valueDate);
}

/**
 * Puts a charged day at `amount`: its standing charge is reversed (a reversing entry, never
 * edited; a day has one standing charge) and the day charged again when it still owes something.
 */
async function rechargeDay(book: Book, day: IsoDate, standing: StandingCharge, amount: Decimal, reversal: Required<Pick<ReverseTransactionInput, 'description' | 'metadata'>>): Promise<void> {
  const { financing, tx } = book;
  const posted = await reverseTransaction(tx, {
    transactionId: standing.transactionId,
    idempotencyKey: `financing:${financing.id}:penalty:${day}:reversal:${book.chargeCounts.get(day) ?? 1}`,
    effectiveAt: book.now,
    inOpenDay: true,
    ...reversal,
  });
  await tx.penaltyCharge.update({ where: { id: standing.id }, data: { reversalTransactionId: posted.transactionId, reversedAt: book.now } });
  book.charges.delete(day);
  if (amount.gt(0)) await postCharge(book, day, amount);
}

/**
 * After a repayment counted on `valueDate`, the days after `owedThrough` (penaltyOwedThrough)
 * that were charged on a principal it lowered (or at all, when it made the financing whole by
 * the end of its grace days) owe less: each is reversed by a reversing entry and, where the day
 * still owes some penalty, charged again at that amount. Only penalty not yet paid is reversed
 * (`unpaid`): what the funder was already paid stays paid. Returns the reduction.
 */
async function reverseChargesAfter(book: Book, allocation: RepaymentAllocation, valueDate: IsoDate, owedThrough: IsoDate, unpaid: Decimal): Promise<Decimal> {
  const { financing, tx } = book;
  const reduced: { date: IsoDate; amount: Decimal }[] = [];
  for (const { day, standing, take } of chargesNotOwedAfter(book, owedThrough, unpaid, basisOf(book))) {
    await rechargeDay(book, day, standing, standing.amount.minus(take), {
      description: `罚息冲正 penalty reversed ${financing.financingNumber} ${day}: repaid on ${valueDate}`,
      // What the day owes less (`reduced`): a repeat of this step tells the parties of it again (reversalsMadeEarlier).
      metadata: { financingId: financing.id, date: day, valueDate, allocationId: allocation.id, reduced: take.toFixed() },
    });
    reduced.push({ date: day, amount: take });
  }
  const total = reduced.reduce((sum, row) => sum.plus(row.amount), new Decimal(0));
  if (total.isZero()) return total;
  await tx.financing.update({
    where: { id: financing.id },
    data: {
      penaltyAccrued: { decrement: total.toFixed() },
      penaltyOutstanding: { decrement: total.toFixed() },
      penaltyReversed: { increment: total.toFixed() },
      penaltyDays: penaltyDaysOf(book),
      updatedAt: book.now,
    },
  });
  await tx.repaymentAllocation.update({ where: { id: allocation.id }, data: { penaltyReversed: { increment: total.toFixed() }, outstandingAfter: { decrement: total.toFixed() } } });
  await reread(book);
  // Whole at the end of its grace days by value date: it never became overdue, and says so.
  const afterGrace = addDays(isoDateOfColumn(financing.dueDate), book.terms.graceDays + 1);
  if (book.financing.overdueSince && !isOverdueByValueDate(basisOf(book), afterGrace)) {
    book.financing = await tx.financing.update({ where: { id: financing.id }, data: { overdueSince: null, updatedAt: book.now } });
  }
  // One reversal per repayment, however many passes it took (a credit that set a recourse claim
  // aside reverses the days up to the claim, then those after it): its notice is one.
  const days = reduced.map((row) => row.date);
  const earlier = book.done.reversals.find((row) => row.allocationId === allocation.id);
  if (earlier) Object.assign(earlier, { amount: fixed(book, new Decimal(earlier.amount).plus(total)), days: [...new Set([...earlier.days, ...days])].sort() });
  else book.done.reversals.push({ allocationId: allocation.id, valueDate, amount: fixed(book, total), days: days.sort() });
  return total;
}

/**
 * The charges of the days after `owedThrough` that the repayments of `basis`, each on its value
 * date, show were not owed (or not all of them), at most `unpaid` in all: what reverseChargesAfter
 * reverses, and what a collection need not pay of the later days' penalty.
 */
function chargesNotOwedAfter(book: Figures, owedThrough: IsoDate, unpaid: Decimal, basis: PenaltyBasis): Array<{ day: IsoDate; standing: StandingCharge; take: Decimal }> {
  const through = book.financing.penaltyAccruedThrough ? isoDateOfColumn(book.financing.penaltyAccruedThrough) : null;
  if (through === null || daysBetween(owedThrough, through) <= 0 || unpaid.lte(0)) return [];
  const overdue = isOverdueByValueDate(basis, through);
  let left = unpaid;
  const notOwed: Array<{ day: IsoDate; standing: StandingCharge; take: Decimal }> = [];
  // Latest first: a payment of penalty pays the earliest days first, so the unpaid charges are the latest.
  for (let day = through; daysBetween(owedThrough, day) > 0 && left.gt(0); day = addDays(day, -1)) {
    const standing = book.charges.get(day);
    if (!standing) continue;
    const owed = overdue ? penaltyOwedOn(basis, day) : new Decimal(0);
    const take = Decimal.min(standing.amount.minus(owed), left);
    if (take.lte(0)) continue;
    notOwed.push({ day, standing, take });
    left = left.minus(take);
  }
  return notOwed;
}

interface Collection {
  amount: Decimal;
  valueDate: IsoDate;
  idempotencyKey: string;
  source: AllocationSource;
  /** The piece of money it is, when it is one with a payer: the feed's inbound credit, or the exception an operator applied (at most one). */
  inboundCreditId: string | null;
  inboundExceptionId: string | null;
}

/** The penalty charged for the days after `day` (those a collection value-dated through `day` does not owe yet). */
function penaltyChargedAfter(book: Figures, day: IsoDate): Decimal {
  return [...book.charges.entries()].filter(([charged]) => daysBetween(day, charged) > 0).reduce((sum, [, charge]) => sum.plus(charge.amount), new Decimal(0));
}

/**
 * The waterfall over `amount` as of `valueDate`, as allocate runs it: penalty charged for days
 * after what the value date owes (penaltyOwedThrough) is not yet due from it (`unpaidAfter`),
 * then fees, interest and principal in the program's order; a repayment's rest goes to the
 * supplier up to the receivable's confirmed amount and beyond it to suspense for the payer.
 */
function waterfallOn(book: Figures, amount: Decimal, valueDate: IsoDate, source: AllocationSource): { allocation: WaterfallAllocation; owedThrough: IsoDate; unpaidAfter: Decimal; laterPenaltyPaid: Decimal } {
  const owed = outstandingOf(book.financing);
  const owedThrough = owedThroughOf(book, valueDate);
  const unpaidAfter = Decimal.min(penaltyChargedAfter(book, owedThrough), owed.penalty);
  let allocation: WaterfallAllocation = allocateWaterfall(amount, { ...owed, penalty: owed.penalty.minus(unpaidAfter) }, waterfallOrder(book.terms.waterfall));
  // Nothing goes back to the supplier while the funder is owed anything: what is left once the
  // funder is whole as of the value date pays the penalty of later days that stays owed once this
  // collection is counted on its value date (under an order that puts penalty last, a later
  // collection may have paid the principal before it); what it shows was not owed is reversed.
  const counted = allocation.allocated.principal.plus(allocation.allocated.interest).plus(allocation.allocated.fees);
  const after: PenaltyBasis = {
    ...basisOf(book),
    nonPenaltyOutstanding: allocation.outstanding.principal.plus(allocation.outstanding.interest).plus(allocation.outstanding.fees),
    repayments: [...book.repayments, { valueDate, principal: allocation.allocated.principal, nonPenalty: counted }],
  };
  const notOwedAfter = chargesNotOwedAfter(book, owedThrough, unpaidAfter, after).reduce((sum, row) => sum.plus(row.take), new Decimal(0));
  const laterPenaltyPaid = Decimal.min(allocation.surplus, unpaidAfter.minus(notOwedAfter));
  if (laterPenaltyPaid.gt(0)) {
    allocation = { ...allocation, allocated: { ...allocation.allocated, penalty: allocation.allocated.penalty.plus(laterPenaltyPaid) }, surplus: allocation.surplus.minus(laterPenaltyPaid) };
  }
  if (source === 'REPAYMENT') allocation = splitSurplus(allocation, book.confirmedAmount, book.payerPaid);
  return { allocation, owedThrough, unpaidAfter, laterPenaltyPaid };
}

/**
 * Runs the waterfall over one collection as of its value date: penalty charged for days after
 * it, or for any day when it is inside the grace days, is not yet due from it (those days are
 * put right afterwards); fees, interest and principal in the program's order; the rest to the
 * supplier up to the receivable's confirmed amount and beyond it to suspense for the payer.
 * A credit the bank received before a recourse claim sets the claim aside first and lets it
 * claim again afterwards (returnRecourse); one received before repayments already allocated
 * sets those aside and allocates them again after it (reallocate). With both, each piece set
 * aside runs again on its own value date, in value-date order. Settles the financing when
 * nothing is owed.
 */
async function allocate(book: Book, collection: Collection): Promise<RepaymentAllocation> {
  const later = await setLaterRepaymentsAside(book, collection);
  const recourse = await recourseSetAsideBy(book, collection);
  if (recourse) await setRecourseAside(book, recourse, collection.valueDate, later);
  const { tx, currency, accounts } = book;
  const financing = book.financing;
  const owed = outstandingOf(financing);
  const { allocation, owedThrough, unpaidAfter, laterPenaltyPaid } = waterfallOn(book, collection.amount, collection.valueDate, collection.source);
  const metadata = { financingId: financing.id, source: collection.source, valueDate: collection.valueDate };
  const posted = await postTransaction(tx, {
    idempotencyKey: collection.idempotencyKey,
    code: collection.source === 'RECOURSE' ? 'RECOURSE_ALLOCATION' : 'REPAYMENT_ALLOCATION',
    description: `还款分配 waterfall ${financing.financingNumber} value date ${collection.valueDate}`,
    effectiveAt: book.now,
    inOpenDay: true,
    metadata,
    entries: waterfallEntries(allocation, currency, accounts),
  });
  if (allocation.allocated.penalty.gt(0)) {
    await postTransaction(tx, {
      idempotencyKey: `${collection.idempotencyKey}:penalty-collected`,
      code: 'PENALTY_COLLECTED',
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries: penaltyMemo(book, 'PENALTY_COLLECTED', allocation.allocated.penalty),
    });
  }
  const penaltyAfter = owed.penalty.minus(allocation.allocated.penalty);
  const row = await tx.repaymentAllocation.create({
    data: {
      financingId: financing.id,
      idempotencyKey: collection.idempotencyKey,
      source: collection.source,
      collected: fixed(book, collection.amount),
      ...splitColumns(book, allocation, penaltyAfter),
      transactionId: posted.transactionId,
      allocatedAt: book.now,
      valueDate: dateColumn(collection.valueDate),
      inboundCreditId: collection.inboundCreditId,
      inboundExceptionId: collection.inboundExceptionId,
    },
  });
  if (allocation.overpaid.gt(0)) {
    // The payer's money in suspense, parked for an operator to refund in this same transaction.
    await holdForPayer(book, { allocationId: row.id, inboundCreditId: collection.inboundCreditId, inboundExceptionId: collection.inboundExceptionId ?? null }, allocation.overpaid);
  }
  await tx.financing.update({
    where: { id: financing.id },
    data: {
      principalOutstanding: fixed(book, allocation.outstanding.principal),
      interestOutstanding: fixed(book, allocation.outstanding.interest),
      feesOutstanding: fixed(book, allocation.outstanding.fees),
      penaltyOutstanding: fixed(book, penaltyAfter),
      repaidPrincipal: { increment: fixed(book, allocation.allocated.principal) },
      repaidInterest: { increment: fixed(book, allocation.allocated.interest) },
      repaidFees: { increment: fixed(book, allocation.allocated.fees) },
      repaidPenalty: { increment: fixed(book, allocation.allocated.penalty) },
      surplusReturned: { increment: fixed(book, allocation.surplus) },
      overpaymentHeld: { increment: fixed(book, allocation.overpaid) },
      updatedAt: book.now,
    },
  });
  await reread(book);
  book.repayments.push(repaymentOf(row));
  if (collection.source === 'REPAYMENT') book.payerPaid = book.payerPaid.plus(paidTowardReceivable(row));
  // What it paid of the later days' penalty stays paid; only the rest may be found not owed.
  await reverseChargesAfter(book, row, collection.valueDate, owedThrough, unpaidAfter.minus(laterPenaltyPaid));
  // The pieces set aside run again in value-date order, each finding what the ones before it
  // left, as when read in time. On a tie the repayment goes first, as the claim's step
  // allocates money already received before claiming.
  const setAside = [...later, ...(recourse ? [recourse] : [])].sort((a, b) => a.valueDate.getTime() - b.valueDate.getTime());
  for (const piece of setAside) {
    if (piece === recourse) await returnRecourse(book, recourse, row);
    else await reallocate(book, piece, row);
  }
  await returnPenaltyNeverOwed(book, row);
  if (paidToFunder(allocation.allocated).gt(0)) {
    // The funder's account was credited: what it owes suppliers goes back before it funds anything.
    await payWhatFundersOwe(tx, { id: accounts.funderFunding, ownerPartyId: financing.funderPartyId, currency }, `allocation:${row.id}`);
    await reread(book);
  }
  const allocated = await tx.repaymentAllocation.findUniqueOrThrow({ where: { id: row.id } });
  book.done.allocations.push(allocated);
  if (book.financing.status !== 'SETTLED') {
    if (isWhole(outstandingOf(book.financing))) await settle(book);
  } else if (later.length > 0) {
    // Settled once already: its figures change, not its state. It is settled as of the money that
    // makes it whole in value-date order, and the statement issued says otherwise.
    await tx.financing.update({ where: { id: financing.id }, data: { settledAt: await wholeSince(book) } });
    await supersedeSettlementStatement(book);
  }
  return allocated;
}

/** A repayment row's split of its money, and what is still owed after it (penalty as `penaltyAfter`). */
function splitColumns(book: Book, allocation: WaterfallAllocation, penaltyAfter: Decimal) {
  const { allocated } = allocation;
  return {
    penalty: fixed(book, allocated.penalty),
    fees: fixed(book, allocated.fees),
    interest: fixed(book, allocated.interest),
    principal: fixed(book, allocated.principal),
    surplus: fixed(book, allocation.surplus),
    overpaid: fixed(book, allocation.overpaid),
    outstandingAfter: fixed(book, totalOutstanding({ ...allocation.outstanding, penalty: penaltyAfter })),
  };
}

/** The key of what `collection` (money read late) changes of `repayment`, a later repayment it sets aside: once per pair. */
function reallocationKey(collection: Pick<Collection, 'idempotencyKey'>, repayment: Pick<RepaymentAllocation, 'id'>): string {
  return `${collection.idempotencyKey}:reallocates:${repayment.id}`;
}

/**
 * Money read after repayments with a later value date that paid penalty: those days were charged
 * without it, on a principal it lowers, so read in order the later repayments would have paid
 * less penalty and more of the rest. They are set aside, in value-date order: what they paid is
 * owed again (the memo book too) and they no longer count by value date, so that `collection` is
 * allocated as it would have been before them; reallocate then runs each through the waterfall
 * again. No money moves here. On a settled financing too: the money reached it only when the bank
 * received it before the settlement (repaymentsSettledAfter), so read in time it came first.
 */
async function setLaterRepaymentsAside(book: Book, collection: Collection): Promise<RepaymentAllocation[]> {
  const { tx, financing } = book;
  if (collection.source !== 'REPAYMENT') return [];
  const later = await laterRepaymentsToSetAside(tx, financing, collection.valueDate, collection.amount);
  for (const row of later) {
    // What it paid the supplier or held for the payer is counted again as reallocate runs it:
    // the accounts move by the difference only (reallocationEntries).
    await tx.financing.update({
      where: { id: financing.id },
      data: { ...repaidMoved(bucketsOf(row), 'UNPAID'), surplusReturned: { decrement: row.surplus.toFixed() }, overpaymentHeld: { decrement: row.overpaid.toFixed() }, updatedAt: book.now },
    });
    const penalty = toDecimal(row.penalty);
    if (penalty.gt(0)) {
      await postTransaction(tx, {
        idempotencyKey: `${reallocationKey(collection, row)}:penalty-uncollected`,
        code: 'PENALTY_UNCOLLECTED',
        effectiveAt: book.now,
        inOpenDay: true,
        metadata: { financingId: financing.id, allocationId: row.id, valueDate: collection.valueDate },
        entries: penaltyMemo(book, 'PENALTY_ACCRUAL', penalty),
      });
    }
    book.payerPaid = book.payerPaid.minus(paidTowardReceivable(row));
  }
  await reread(book);
  const aside = new Set(later.map((row) => row.id));
  book.repayments = (await tx.repaymentAllocation.findMany({ where: { financingId: financing.id } })).filter((row) => !aside.has(row.id)).map(repaymentOf);
  return later;
}

/**
 * The repayments of value dates after `valueDate`, in value-date order, when one of them paid
 * penalty (charged on a principal `amount` of money of `valueDate` lowers). When one of them
 * already paid money out of the funder's book (surplus to the supplier, an over-payment held for
 * the payer), only if running them again after that money takes none of it back (takesNothingBack).
 */
async function laterRepaymentsToSetAside(db: Tx | PrismaClient, financing: Financing, valueDate: IsoDate, amount: Decimal): Promise<RepaymentAllocation[]> {
  const later = await db.repaymentAllocation.findMany({
    where: { financingId: financing.id, source: 'REPAYMENT', valueDate: { gt: dateColumn(valueDate) } },
    orderBy: [{ valueDate: 'asc' }, { allocatedAt: 'asc' }, { id: 'asc' }],
  });
  if (!later.some((row) => toDecimal(row.penalty).gt(0))) return [];
  if (!later.some((row) => toDecimal(row.surplus).gt(0) || toDecimal(row.overpaid).gt(0))) return later;
  return takesNothingBack(await figuresOf(db, financing), { amount, valueDate }, later) ? later : [];
}

/**
 * Whether money of `valueDate` allocated before `later` (repayments that already paid surplus to
 * the supplier or held an over-payment for the payer) and those run again after it, worked out in
 * memory before anything is written (a transaction cannot undo part of itself), take nothing back
 * from the supplier's settlement account or from suspense: the supplier may have withdrawn its
 * surplus and the payer may have been refunded. Read in order, earlier money only gives the funder
 * less and the supplier and the payer more in all, but the split between rows may shift, and a
 * row found whole before it (read in time it would have come after settlement) sends all its money
 * to suspense, the supplier's share of it too. So, netted over the whole run: the supplier's
 * surplus in all and the payer's over-payment in all must not fall; no row may hold less for the
 * payer (its OVERPAID exception holds exactly what reached suspense, and may be refunded); and
 * what a row takes back from the supplier must be covered by surplus paid before it in the same
 * run (the late money's own, straight from the collection account; not a row's increase, which
 * the funder's account may only owe). Otherwise the repayments are left as they are: on a settled
 * financing the money is parked as FINANCING_SETTLED for an operator. So are they while a recourse
 * claim still takes something (put right under its own rule, or left to a person).
 */
function takesNothingBack({ figures, allocations }: { figures: Figures; allocations: RepaymentAllocation[] }, money: { amount: Decimal; valueDate: IsoDate }, later: RepaymentAllocation[]): boolean {
  if (toDecimal(figures.financing.recourseClaimed).gt(0)) return false;
  const aside = new Set(later.map((row) => row.id));
  const sim: Figures = {
    ...figures,
    financing: owing(figures.financing, later.reduce((owed, row) => addedTo(owed, bucketsOf(row)), outstandingOf(figures.financing))),
    charges: new Map(figures.charges),
    repayments: allocations.filter((row) => !aside.has(row.id)).map(repaymentOf),
    payerPaid: later.reduce((sum, row) => sum.minus(paidTowardReceivable(row)), figures.payerPaid),
  };
  // Surplus the run pays the supplier outright before each row: what a row may take back. Every
  // row kept at or above what it held and every fall covered, neither total can fall.
  let paidToSupplier = runInMemory(sim, money.amount, money.valueDate).surplus;
  for (const row of later) {
    const after = runInMemory(sim, toDecimal(row.collected), isoDateOfColumn(row.valueDate));
    if (after.overpaid.lt(toDecimal(row.overpaid))) return false;
    const surplusChange = after.surplus.minus(toDecimal(row.surplus));
    if (surplusChange.lt(0)) {
      paidToSupplier = paidToSupplier.plus(surplusChange);
      // Surplus the funder still owes of the row is not the supplier's to give back yet.
      if (paidToSupplier.lt(0) || toDecimal(row.surplusOwed).gt(0)) return false;
    }
  }
  return true;
}

/**
 * A repayment run through the waterfall again on its own value date (reallocate; takesNothingBack
 * in memory): when the financing is whole before it (read in time it would have found it
 * settled), all of it is the payer's, for suspense.
 */
function waterfallAgain(figures: Figures, amount: Decimal, valueDate: IsoDate): ReturnType<typeof waterfallOn> & { wholeBefore: boolean } {
  const wholeBefore = isWhole(outstandingOf(figures.financing));
  const ran = waterfallOn(figures, amount, valueDate, 'REPAYMENT');
  return { ...ran, wholeBefore, allocation: wholeBefore ? { ...ran.allocation, surplus: new Decimal(0), overpaid: amount } : ran.allocation };
}

/**
 * Allocates `amount` of `valueDate` on `sim` in memory, as allocate and reallocate do in the
 * database (a row found whole before it goes all to suspense; the days it shows were charged on
 * what it no longer leaves owe less), and returns its split. Penalty returned as never owed is
 * left out: it only adds to what is held for the payer.
 */
function runInMemory(sim: Figures, amount: Decimal, valueDate: IsoDate): WaterfallAllocation {
  const owed = outstandingOf(sim.financing);
  const ran = waterfallAgain(sim, amount, valueDate);
  const { allocation } = ran;
  const { allocated } = allocation;
  sim.financing = owing(sim.financing, {
    principal: owed.principal.minus(allocated.principal),
    interest: owed.interest.minus(allocated.interest),
    fees: owed.fees.minus(allocated.fees),
    penalty: owed.penalty.minus(allocated.penalty),
  });
  sim.repayments = [...sim.repayments, { valueDate, principal: allocated.principal, nonPenalty: allocated.principal.plus(allocated.interest).plus(allocated.fees) }];
  sim.payerPaid = sim.payerPaid.plus(amount.minus(allocated.penalty).minus(allocation.overpaid));
  let reversed = new Decimal(0);
  for (const { day, standing, take } of chargesNotOwedAfter(sim, ran.owedThrough, ran.unpaidAfter.minus(ran.laterPenaltyPaid), basisOf(sim))) {
    if (standing.amount.gt(take)) sim.charges.set(day, { ...standing, amount: standing.amount.minus(take) });
    else sim.charges.delete(day);
    reversed = reversed.plus(take);
  }
  sim.financing = owing(sim.financing, { ...outstandingOf(sim.financing), penalty: outstandingOf(sim.financing).penalty.minus(reversed) });
  return allocation;
}

/** `financing` owing `owed`, for figures worked out in memory. */
function owing(financing: Financing, owed: Outstanding): Financing {
  const column = (value: Decimal) => new Prisma.Decimal(value.toFixed());
  return { ...financing, principalOutstanding: column(owed.principal), interestOutstanding: column(owed.interest), feesOutstanding: column(owed.fees), penaltyOutstanding: column(owed.penalty) };
}

function addedTo(owed: Outstanding, amounts: Record<WaterfallBucket, Decimal>): Outstanding {
  return { principal: owed.principal.plus(amounts.principal), interest: owed.interest.plus(amounts.interest), fees: owed.fees.plus(amounts.fees), penalty: owed.penalty.plus(amounts.penalty) };
}

/**
 * Runs a repayment setLaterRepaymentsAside set aside through the waterfall again, on its own
 * value date, as it would have run had `shownBy` (the money before it, read late) been read in
 * time: penalty its days no longer owe goes to fees, interest and principal. Once the funder is
 * whole, the rest goes as any collection's: to the supplier up to the receivable's confirmed
 * amount and beyond it to suspense, or all of it to suspense when the financing was whole before
 * it (read in time, it would have found the financing settled), held for the payer as an OVERPAID
 * exception. One posting moves only what changed between accounts (reallocationEntries: nothing
 * for penalty that becomes principal of the same funder), the row shows the new split, and the
 * days after it that were charged on what it no longer leaves are reversed, told with `shownBy`.
 */
async function reallocate(book: Book, repayment: RepaymentAllocation, shownBy: RepaymentAllocation): Promise<void> {
  const { tx, currency, accounts } = book;
  const financing = book.financing;
  const valueDate = isoDateOfColumn(repayment.valueDate);
  const ran = waterfallAgain(book, toDecimal(repayment.collected), valueDate);
  const { allocation, wholeBefore } = ran;
  const key = reallocationKey(shownBy, repayment);
  const metadata = { financingId: financing.id, allocationId: repayment.id, shownBy: shownBy.id, valueDate };
  const before = { allocated: bucketsOf(repayment), surplus: toDecimal(repayment.surplus), overpaid: toDecimal(repayment.overpaid) };
  // The funder gives back from what its funding account has left, holds counted (its account is
  // locked with the financing's): the repayment's money may be spent or held for another
  // financing by now. The rest it owes, and it goes back from the account's next credit
  // (payWhatFundersOwe), never from anyone else's money.
  const owedByFunder = reallocationShortfall(before, allocation, (await getBalance(tx, accounts.funderFunding)).available);
  const entries = reallocationEntries(before, allocation, currency, accounts, owedByFunder);
  if (entries.length > 0) {
    await postTransaction(tx, {
      idempotencyKey: key,
      code: 'REPAYMENT_REALLOCATED',
      description: `还款重新分配 repayment reallocated ${financing.financingNumber} value date ${valueDate}: money received on ${isoDateOfColumn(shownBy.valueDate)} was read later`,
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries,
    });
  }
  if (allocation.allocated.penalty.gt(0)) {
    await postTransaction(tx, {
      idempotencyKey: `${key}:penalty-collected`,
      code: 'PENALTY_COLLECTED',
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries: penaltyMemo(book, 'PENALTY_COLLECTED', allocation.allocated.penalty),
    });
  }
  const penaltyAfter = outstandingOf(financing).penalty.minus(allocation.allocated.penalty);
  const row = await tx.repaymentAllocation.update({
    where: { id: repayment.id },
    data: {
      ...splitColumns(book, allocation, penaltyAfter),
      // Owed from an earlier reallocation stays owed: takesNothingBack lets no row's share fall below it.
      surplusOwed: { increment: fixed(book, owedByFunder.surplus) },
      overpaidOwed: { increment: fixed(book, owedByFunder.overpaid) },
    },
  });
  // Only what reached suspense now is held for a refund (what the row held before stays held by
  // its own exceptions); what the funder owes is held as it pays it.
  const held = allocation.overpaid.minus(before.overpaid).minus(owedByFunder.overpaid);
  if (held.gt(0)) {
    await holdForPayer(book, { allocationId: repayment.id, inboundCreditId: repayment.inboundCreditId, inboundExceptionId: repayment.inboundExceptionId }, held, {
      // A repayment allocated again a second time holds again under a reference of its own.
      reference: before.overpaid.isZero() ? `reallocated:${repayment.id}` : `reallocated:${repayment.id}:${sha256Hex(key).slice(0, 12)}`,
      detail: wholeBefore
        ? `paid to financing ${financing.financingNumber}, which money the bank received earlier (read later) had already repaid in full`
        : `paid beyond the receivable's confirmed amount of financing ${financing.financingNumber} once money the bank received earlier (read later) counts`,
    });
  }
  await tx.financing.update({
    where: { id: financing.id },
    data: {
      ...repaidMoved(allocation.allocated, 'PAID'),
      surplusReturned: { increment: fixed(book, allocation.surplus) },
      overpaymentHeld: { increment: fixed(book, allocation.overpaid) },
      updatedAt: book.now,
    },
  });
  const owed = owedByFunder.surplus.plus(owedByFunder.overpaid);
  if (owed.gt(0)) await tellReallocationOwed(tx, financing, { owed, currency }, `${key}:owed`);
  await reread(book);
  book.repayments.push(repaymentOf(row));
  book.payerPaid = book.payerPaid.plus(paidTowardReceivable(row));
  // What it paid of the later days' penalty stays paid; only the rest may be found not owed.
  await reverseChargesAfter(book, shownBy, isoDateOfColumn(shownBy.valueDate), ran.owedThrough, ran.unpaidAfter.minus(ran.laterPenaltyPaid));
}

/**
 * A financing whole at the end of its grace days by value date never owed a day of penalty, so
 * penalty the payer already paid (shown it while a transfer of the grace days was still unread)
 * is not the funder's either: paid and charged when read in time, it would have arrived after
 * settlement and been held for the payer. Each repayment that paid some has it given back from
 * the funder to suspense, held as an OVERPAID exception for a refund to the payer of that
 * repayment, and counts it as over-paid instead of penalty; the days' charges are then reversed
 * as when unpaid (reverseChargesAfter), and `shownBy`, the allocation that showed it, says so.
 * A financing that was overdue keeps the rule that paid penalty stays paid.
 */
async function returnPenaltyNeverOwed(book: Book, shownBy: RepaymentAllocation): Promise<void> {
  const { tx, currency, accounts } = book;
  const financing = book.financing;
  const dueDate = isoDateOfColumn(financing.dueDate);
  if (toDecimal(financing.repaidPenalty).lte(0) || isOverdueByValueDate(basisOf(book), addDays(dueDate, book.terms.graceDays + 1))) return;
  // A recourse claim's penalty was the supplier's money: returnRecourse gives it back.
  const paid = await tx.repaymentAllocation.findMany({ where: { financingId: financing.id, source: 'REPAYMENT', penalty: { gt: 0 } }, orderBy: { valueDate: 'asc' } });
  let returned = new Decimal(0);
  for (const row of paid) {
    const penalty = toDecimal(row.penalty);
    const key = `financing:${financing.id}:penalty-returned:${row.id}`;
    const metadata = { financingId: financing.id, allocationId: row.id, shownBy: shownBy.id, valueDate: isoDateOfColumn(shownBy.valueDate) };
    await postTransaction(tx, {
      idempotencyKey: key,
      code: 'PENALTY_RETURNED',
      description: `罚息退回 penalty returned ${financing.financingNumber}: whole by the end of the grace days, no penalty was owed`,
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries: postingEntries('PENALTY_RETURNED', penalty, currency, { funderFunding: accounts.funderFunding, suspense: accounts.suspense }),
    });
    // The memo book: the penalty collected is owed again, for the charges to be reversed below.
    await postTransaction(tx, {
      idempotencyKey: `${key}:penalty`,
      code: 'PENALTY_UNCOLLECTED',
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries: penaltyMemo(book, 'PENALTY_ACCRUAL', penalty),
    });
    await tx.repaymentAllocation.update({ where: { id: row.id }, data: { penalty: fixed(book, new Decimal(0)), overpaid: { increment: penalty.toFixed() } } });
    await holdForPayer(book, { allocationId: row.id, inboundCreditId: row.inboundCreditId, inboundExceptionId: row.inboundExceptionId }, penalty, {
      reference: `penalty-returned:${row.id}`,
      detail: `paid as penalty of financing ${financing.financingNumber}, which was whole by the end of its grace days and owed none`,
    });
    returned = returned.plus(penalty);
  }
  await tx.financing.update({
    where: { id: financing.id },
    data: {
      repaidPenalty: { decrement: returned.toFixed() },
      penaltyOutstanding: { increment: returned.toFixed() },
      overpaymentHeld: { increment: returned.toFixed() },
      updatedAt: book.now,
    },
  });
  await reread(book);
  await reverseChargesAfter(book, shownBy, isoDateOfColumn(shownBy.valueDate), dueDate, returned);
}

/**
 * The allocation key of a voucher part's share paid into the financing's collection account by a
 * distribution (voucher-distribution-store.ts): one per distribution posting.
 */
function voucherShareKey(financingId: string, transactionId: string): string {
  return `financing:${financingId}:allocation:voucher-share:${transactionId}`;
}

/** The allocation key of an inbound credit of the collection account: one per credit. */
function creditKey(financingId: string, inboundCreditId: string): string {
  return `financing:${financingId}:allocation:credit:${inboundCreditId}`;
}

/** The allocation key of parked money an operator applied to the collection account (an inbound exception): one per exception. */
function exceptionKey(financingId: string, inboundExceptionId: string): string {
  return `financing:${financingId}:allocation:exception:${inboundExceptionId}`;
}

/**
 * One piece of money in the collection account, allocated on its own as of the day the bank
 * received it, whatever path brought it:
 * - CREDIT: the feed's inbound credit (booked from the bank, or out of suspense when it was a
 *   statement line parked by reconciliation); its bank line names the payer;
 * - EXCEPTION: parked money an operator applied (four eyes) out of suspense, a payer's credit
 *   parked for a wrong account number, a statement line parked by reconciliation, an
 *   over-payment; the exception holds the bank's receipt and the payer;
 * - VOUCHER_SHARE: a voucher part's share of the issuer's payment, passed on by a distribution
 *   and counted from the day the bank received that payment (`receivedAt` in its posting's
 *   metadata; a posting written before it was there is dated then), never from the day the
 *   distribution reached this account or the accounting day it was posted in.
 * `id` is the credit's, the exception's or the distribution posting's, which keys its allocation.
 */
interface Piece {
  kind: 'CREDIT' | 'EXCEPTION' | 'VOUCHER_SHARE';
  id: string;
  amount: Decimal;
  receivedAt: Date;
}

/** When the bank received the issuer's payment a voucher share passes on (`t`, its distribution posting); a posting written before its metadata said so is dated then. */
const VOUCHER_SHARE_RECEIVED_AT = Prisma.sql`COALESCE((t.metadata->>'receivedAt')::timestamptz, t.effective_at)`;

/**
 * The piece of money behind each allocation `a` of the financing: its inbound credit `c`, the
 * exception an operator applied `x`, or the distribution posting `t` of a voucher share.
 */
function pieceJoins(financingId: string): Prisma.Sql {
  const shareKey = voucherShareKey(financingId, '');
  return Prisma.sql`
        LEFT JOIN inbound_credit c ON c.id = a.inbound_credit_id
        LEFT JOIN inbound_exception x ON x.id = a.inbound_exception_id
        LEFT JOIN ledger_transaction t
          ON t.id = CASE WHEN starts_with(a.idempotency_key, ${shareKey}) THEN substr(a.idempotency_key, ${shareKey.length + 1}::int)::uuid END`;
}

/** When the bank received the piece of allocation `a` (pieceJoins); null for money with no bank line of its own (a recourse claim, an adjustment). */
const PIECE_RECEIVED_AT = Prisma.sql`CASE WHEN c.id IS NOT NULL THEN c.received_at WHEN x.id IS NOT NULL THEN x.received_at WHEN t.id IS NOT NULL THEN ${VOUCHER_SHARE_RECEIVED_AT} END`;

/**
 * The pieces in the collection account that no allocation has taken yet, oldest value date
 * first (then as the ledger booked them), at most `limit`. An allocation not tied to one piece
 * (made before value dating, a recourse claim, money with no bank line) emptied the whole
 * account: the pieces booked before it are spent.
 */
async function pendingPieces(book: Book, limit: number): Promise<Piece[]> {
  const { financing } = book;
  const collection = financing.collectionAccountId;
  const spent = await spentThrough(book);
  const rows = await book.tx.$queryRaw<{ kind: Piece['kind']; id: string; amount: string; receivedAt: Date }[]>`
    SELECT p.kind, p.id, p.amount, p."receivedAt" FROM (
      SELECT 'CREDIT' AS kind, c.id::text AS id, c.amount::text AS amount, c.received_at AS "receivedAt", t.sequence
        FROM inbound_credit c
        JOIN ledger_transaction t ON t.id = c.transaction_id
       WHERE c.financing_id = ${financing.id}::uuid
         AND c.account_id = ${collection}::uuid
         AND NOT EXISTS (SELECT 1 FROM repayment_allocation a WHERE a.inbound_credit_id = c.id)
         -- A credit the bank took back is frozen while operators decide, and gone once recovered:
         -- never the piece that money the payer did send is allocated as.
         AND NOT EXISTS (
           SELECT 1 FROM reconciliation_item r LEFT JOIN reconciliation_resolution s ON s.id = r.resolution_id
            WHERE r.inbound_credit_id = c.id AND r.kind = 'INBOUND_CREDIT_REVERSAL' AND (r.status <> 'RESOLVED' OR s.kind = 'RECOVER'))
         AND t.sequence > ${spent}
      UNION ALL
      -- An exception the feed booked out of suspense is its inbound credit's piece (above), not a second one.
      SELECT 'EXCEPTION', x.id::text, e.amount::text, x.received_at, t.sequence
        FROM ledger_entry e
        JOIN ledger_transaction t ON t.id = e.transaction_id
        JOIN inbound_exception x ON x.resolution_transaction_id = t.id
       WHERE e.account_id = ${collection}::uuid
         AND e.direction = 'CREDIT'
         AND t.code = 'SUSPENSE_APPLIED'
         AND x.resolution_kind = 'APPLY'
         AND NOT EXISTS (SELECT 1 FROM inbound_credit c WHERE c.bank_reference = x.feed_bank_reference AND c.transaction_id = t.id)
         AND NOT EXISTS (SELECT 1 FROM repayment_allocation a WHERE a.inbound_exception_id = x.id)
         AND t.sequence > ${spent}
      UNION ALL
      SELECT 'VOUCHER_SHARE', t.id::text, e.amount::text, ${VOUCHER_SHARE_RECEIVED_AT}, t.sequence
        FROM ledger_entry e
        JOIN ledger_transaction t ON t.id = e.transaction_id
       WHERE e.account_id = ${collection}::uuid
         AND e.direction = 'CREDIT'
         AND t.code = 'VOUCHER_DISTRIBUTION_FINANCED'
         AND NOT EXISTS (SELECT 1 FROM repayment_allocation a WHERE a.idempotency_key = ${voucherShareKey(financing.id, '')} || t.id::text)
         AND t.sequence > ${spent}
    ) p
    ORDER BY p."receivedAt", p.sequence
    LIMIT ${limit}`;
  return rows.map((row) => ({ kind: row.kind, id: row.id, amount: toDecimal(row.amount), receivedAt: row.receivedAt }));
}

/** The ledger sequence through which an allocation of the whole account (not tied to one piece) spent what was there. */
async function spentThrough(book: Book): Promise<bigint> {
  const [row] = await book.tx.$queryRaw<[{ through: bigint }]>`
    SELECT COALESCE(max(lt.sequence), 0)::bigint AS through
      FROM repayment_allocation a JOIN ledger_transaction lt ON lt.id = a.transaction_id
     WHERE a.financing_id = ${book.financing.id}::uuid AND a.inbound_credit_id IS NULL AND a.inbound_exception_id IS NULL
       AND a.idempotency_key NOT LIKE ${voucherShareKey(book.financing.id, '%')}`;
  return row.through;
}

/** How a piece's allocation is keyed and which payer it names. */
function collectionOf(book: Book, piece: Piece, valueDate: IsoDate, amount: Decimal): Collection {
  const financingId = book.financing.id;
  const keyed = {
    CREDIT: { idempotencyKey: creditKey(financingId, piece.id), inboundCreditId: piece.id, inboundExceptionId: null },
    EXCEPTION: { idempotencyKey: exceptionKey(financingId, piece.id), inboundCreditId: null, inboundExceptionId: piece.id },
    VOUCHER_SHARE: { idempotencyKey: voucherShareKey(financingId, piece.id), inboundCreditId: null, inboundExceptionId: null },
  }[piece.kind];
  return { amount, valueDate, source: 'REPAYMENT', ...keyed };
}

/**
 * Allocates what is in the collection account, one transaction's page of it: each piece on
 * its own in value-date order, as of its value date (penalty charged through that date first,
 * as it stood then), at most COLLECTIONS_PER_TRANSACTION_MAX of them. Pieces beyond the page
 * keep their value dates and wait for the next page (`more`: the money left is theirs, never
 * allocated in a lump as of `today`). Once every piece is allocated, money left that came with
 * no bank line of its own (a manual adjustment) is allocated as of `today` under `idempotencyKey`.
 */
async function allocatePending(book: Book, today: IsoDate, idempotencyKey: string): Promise<{ more: boolean }> {
  let left = (await getBalance(book.tx, book.accounts.collection)).available;
  if (left.lte(0)) return { more: false };
  const pieces = await pendingPieces(book, COLLECTIONS_PER_TRANSACTION_MAX + 1);
  // A piece counts on the day the bank received it, at the latest on the day the step runs: a
  // step resumed days after its own business date still values what came since on its own day.
  const latest = laterOf(today, businessDateOf(book.now));
  for (const piece of pieces.slice(0, COLLECTIONS_PER_TRANSACTION_MAX)) {
    if (left.lte(0)) return { more: false };
    const valueDate = earlierOf(businessDateOf(piece.receivedAt), latest);
    await chargeThrough(book, valueDate);
    const amount = Decimal.min(piece.amount, left);
    await allocate(book, collectionOf(book, piece, valueDate, amount));
    left = left.minus(amount);
  }
  if (left.lte(0)) return { more: false };
  if (pieces.length > COLLECTIONS_PER_TRANSACTION_MAX) return { more: true };
  await chargeThrough(book, today);
  await allocate(book, { amount: left, valueDate: today, idempotencyKey, source: 'REPAYMENT', inboundCreditId: null, inboundExceptionId: null });
  return { more: false };
}

function resultOf(book: Book, more: boolean): ServicingResult {
  const { status } = book.financing;
  return { ...book.done, status, overdue: status === 'OVERDUE', settled: status === 'SETTLED', more };
}

function inTransaction<T>(prisma: PrismaClient, financingId: string, now: Date, work: (book: Book) => Promise<T>): Promise<T> {
  return runTransaction(
    prisma,
    async (tx) => {
      const financing = await lockFinancing(tx, financingId);
      assertServicing(financing);
      return work(await openBook(tx, financing, now));
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * Runs `page` in one transaction after another while it says money still waits (`more`), at
 * most TRANSACTIONS_PER_STEP_MAX times, and returns what each did. Each transaction holds the
 * financing's row lock and allocates every piece under its own key: a retry after some of them
 * committed allocates only what is left.
 */
async function inPages<T extends { more: boolean }>(prisma: PrismaClient, financingId: string, now: Date, page: (book: Book) => Promise<T>): Promise<T[]> {
  const pages: T[] = [];
  do pages.push(await inTransaction(prisma, financingId, now, page));
  while (pages.at(-1)!.more && pages.length < TRANSACTIONS_PER_STEP_MAX);
  return pages;
}

/**
 * One servicing step for business date `today` (a day that has begun): everything in the
 * collection account through the waterfall by value date, then the penalty of every day not yet
 * charged. `idempotencyKey` keys the allocation of money that came with no bank line of its own.
 * When more money waits than the step takes (`more`), the penalty of the days after the last
 * value date allocated is left to the next step, which allocates the rest first: a day is not
 * charged on principal that money already received pays.
 */
export async function serviceFinancing(prisma: PrismaClient, financingId: string, today: IsoDate, idempotencyKey: string, now = new Date()): Promise<ServicingResult> {
  const pages = await inPages(prisma, financingId, now, async (book) => {
    const { more } = await allocatePending(book, today, idempotencyKey);
    if (!more) await chargeThrough(book, today);
    return resultOf(book, more);
  });
  const reversals = pages.flatMap((page) => page.reversals);
  return {
    ...pages.at(-1)!,
    allocations: pages.flatMap((page) => page.allocations),
    charged: pages.flatMap((page) => page.charged),
    reversals: [...reversals, ...(await reversalsMadeEarlier(prisma, financingId, now, reversals))],
  };
}

/**
 * The penalty reversals an earlier run of this very step made (the same financing and business
 * instant: a step's time is its workflow's, the same on every attempt), which its answer, lost
 * with the worker, never reported: the parties are told of them all the same, once each (the
 * notice is keyed by the repayment). `found` are those this run made itself.
 */
async function reversalsMadeEarlier(prisma: PrismaClient, financingId: string, now: Date, found: PenaltyReversal[]): Promise<PenaltyReversal[]> {
  const rows = await prisma.$queryRaw<{ allocationId: string; valueDate: IsoDate; day: IsoDate; reduced: string; currency: Currency }[]>`
    SELECT t.metadata->>'allocationId' AS "allocationId", t.metadata->>'valueDate' AS "valueDate", t.metadata->>'date' AS day, t.metadata->>'reduced' AS reduced, f.currency
      FROM penalty_charge c
      JOIN ledger_transaction t ON t.id = c.reversal_transaction_id
      JOIN financing f ON f.id = c.financing_id
     WHERE c.financing_id = ${financingId}::uuid AND c.reversed_at = ${now} AND t.metadata ? 'reduced'
     ORDER BY t.sequence`;
  const told = new Set(found.map((reversal) => reversal.allocationId));
  const earlier = new Map<string, PenaltyReversal>();
  for (const row of rows) {
    if (told.has(row.allocationId)) continue;
    const reversal = earlier.get(row.allocationId) ?? { allocationId: row.allocationId, valueDate: row.valueDate, amount: '0', days: [] };
    earlier.set(row.allocationId, { ...reversal, amount: formatAmount(toDecimal(reversal.amount).plus(row.reduced), row.currency), days: [...new Set([...reversal.days, row.day])].sort() });
  }
  return [...earlier.values()];
}

export interface PenaltyResult {
  charged: { date: IsoDate; amount: string }[];
  overdue: boolean;
}

/**
 * Charges the penalty of every day not yet charged up to `today`, after allocating what is in
 * the collection account by value date (so a repayment whose wake-up was lost is never charged
 * for). The step of workflows started before servicing by value date.
 */
export async function accruePenalty(prisma: PrismaClient, financingId: string, today: IsoDate, now = new Date()): Promise<PenaltyResult> {
  const result = await serviceFinancing(prisma, financingId, today, `financing:${financingId}:allocation:penalty-step:${today}`, now);
  return { charged: result.charged, overdue: result.overdue };
}

/**
 * Runs the waterfall over everything in the financing's collection account, by value date (as
 * much as one step takes: the rest waits for the next call); settles the financing when nothing
 * is owed. Returns the last allocation, or null when the account was empty. A repeat under the
 * same key returns what that call allocated.
 */
export async function allocateCollection(prisma: PrismaClient, financingId: string, idempotencyKey: string, now = new Date()): Promise<RepaymentAllocation | null> {
  const done = await prisma.repaymentAllocation.findUnique({ where: { idempotencyKey } });
  if (done) return done;
  const pages = await inPages(prisma, financingId, now, async (book) => {
    const { more } = await allocatePending(book, businessDateOf(now), idempotencyKey);
    return { last: book.done.allocations.at(-1) ?? null, more };
  });
  return pages.findLast((page) => page.last !== null)?.last ?? null;
}

/**
 * When the financing became whole, in business time: the latest moment the bank received money
 * that paid the funder something (penalty, fees, interest or principal), each piece by its
 * receipt, never after it was allocated; a recourse claim, or money with no bank line of its
 * own, at its allocation (the step's clock); never before the disbursement. Never the moment a
 * step got round to noticing the money: a transfer received at 22:00 and read at 01:00 settled
 * the financing at 22:00.
 */
async function wholeSince(book: Book): Promise<Date> {
  const { financing } = book;
  const [{ at }] = await book.tx.$queryRaw<[{ at: Date | null }]>`
    SELECT GREATEST(max(LEAST(COALESCE(${PIECE_RECEIVED_AT}, a.allocated_at), a.allocated_at)), ${financing.disbursedAt}::timestamptz) AS at
      FROM repayment_allocation a
      ${pieceJoins(financing.id)}
     WHERE a.financing_id = ${financing.id}::uuid AND a.penalty + a.fees + a.interest + a.principal > 0`;
  return at ?? book.now;
}

/**
 * The funder is whole: the limits are given back, the receivable and the financing are SETTLED,
 * `settledAt` when the money that made it whole reached the bank (wholeSince); the transitions,
 * like the postings, are the step's, which settled it then.
 * The receivable's invoices stay in the registry: a paid invoice is never financed again, and to
 * the obligor of a silent financing, who still sees the receivable CONFIRMED, nothing changes.
 */
async function settle(book: Book): Promise<void> {
  const { tx, financing, accounts, currency, now } = book;
  const holds = await tx.ledgerHold.findMany({ where: { id: { in: financing.limitHoldIds } } });
  for (const hold of holds) {
    await postTransaction(tx, {
      idempotencyKey: `financing:${financing.id}:limit-release:${hold.id}`,
      code: 'LIMIT_RELEASE',
      effectiveAt: now,
      inOpenDay: true,
      metadata: { financingId: financing.id },
      entries: postingEntries('LIMIT_RELEASE', toDecimal(hold.postedAmount ?? hold.amount), currency, { limitControl: accounts.limitControl, creditLimit: hold.debitAccountId }),
    });
  }
  await tx.receivable.update({ where: { id: financing.receivableId }, data: { status: 'SETTLED', updatedAt: now } });
  await tx.receivableTransition.create({
    data: { receivableId: financing.receivableId, financingId: financing.id, fromStatus: 'FINANCED', toStatus: 'SETTLED', reason: `financing ${financing.financingNumber} settled`, occurredAt: now },
  });
  await moveFinancing(tx, financing, 'SETTLED', 'the funder is repaid in full', now, { settledAt: await wholeSince(book) });
  await reread(book);
}

export interface RecourseResult {
  claimed: string;
  outstandingAfter: string;
}

/**
 * Recourse (追索): first everything already in the collection account goes through the
 * waterfall by value date and the penalty of the day is charged, so the supplier is asked only
 * for the shortfall; then what is still owed is claimed from the supplier's settlement account,
 * as far as its balance allows, and run through the waterfall. The financing's own proceeds
 * awaiting a payout retry are netted first (the retry then pays out only the rest); other
 * financings' proceeds awaiting theirs are not taken. Once per financing; the rest
 * stays outstanding (and keeps accruing penalty) until paid.
 */
export async function claimRecourse(prisma: PrismaClient, financingId: string, now = new Date()): Promise<RecourseResult> {
  return inTransaction(prisma, financingId, now, async (book) => {
    const today = businessDateOf(now);
    const { more } = await allocatePending(book, today, `financing:${financingId}:allocation:before-recourse`);
    // Money still waiting in the collection account is the payer's: the supplier is asked for nothing until it is allocated.
    if (more) throw new WrongStateError('money in the collection account still waits to be allocated by value date: recourse is claimed after it is', book.financing.status);
    await chargeThrough(book, today);
    const { financing, tx, currency, accounts } = book;
    // The claim belongs to the recourse day, however late the step that makes it: it takes what
    // was owed through that day, and the penalty charged for the days after it on what it pays is
    // reversed by its allocation, valued that day, as for any late credit.
    const recourseDay = book.terms.recourseAfterDays === null ? today : recourseOn(isoDateOfColumn(financing.dueDate), book.terms.recourseAfterDays);
    const claimDay = daysBetween(recourseDay, today) > 0 ? recourseDay : today;
    const outstanding = outstandingOf(financing);
    const owed = totalOutstanding(outstanding).minus(Decimal.min(penaltyChargedAfter(book, owedThroughOf(book, claimDay)), outstanding.penalty));
    const already = await tx.repaymentAllocation.findUnique({ where: { idempotencyKey: recourseAllocationKey(financingId) } });
    if (!book.terms.recourse || already || owed.isZero() || !SERVICING.includes(financing.status)) {
      return { claimed: storedAmount(financing.recourseClaimed, currency), outstandingAfter: formatAmount(totalOutstanding(outstanding), currency) };
    }
    // The settlement account was locked with the others when the book was opened: two of the
    // supplier's financings claiming on the same day are served one after the other, each from
    // what the other left. This financing's own proceeds awaiting a payout retry are netted
    // first (the funder's advance that never left); other financings' proceeds awaiting theirs
    // are left to those retries.
    const waiting = await proceedsAwaitingRetry(tx, { supplierPartyId: financing.supplierPartyId, currency });
    const own = waiting.find((row) => row.financingId === financingId);
    const others = waiting.reduce((sum, row) => (row === own ? sum : sum.plus(row.awaiting)), new Decimal(0));
    const available = (await getBalance(tx, accounts.supplierSettlement)).available.minus(others);
    const claim = Decimal.min(available, owed);
    if (claim.lte(0)) return { claimed: formatAmount(new Decimal(0), currency), outstandingAfter: formatAmount(totalOutstanding(outstanding), currency) };
    // What the retry of that payout no longer pays out (proceedsAwaitingRetry reads it back).
    const netted = own ? Decimal.min(claim, own.awaiting) : new Decimal(0);
    const netting = own && netted.gt(0) ? { proceedsNetted: netted.toFixed(), nettedPayoutAttempt: own.attempt } : null;
    await postTransaction(tx, {
      idempotencyKey: recoursePostingKey(financingId),
      code: 'RECOURSE',
      description: `追索 recourse ${financing.financingNumber}`,
      effectiveAt: book.now,
      inOpenDay: true,
      metadata: { financingId, ...netting },
      entries: postingEntries('RECOURSE', claim, currency, { supplierSettlement: accounts.supplierSettlement, collection: accounts.collection }),
    });
    await tx.financing.update({ where: { id: financingId }, data: { recourseClaimed: claim.toFixed(), ...netting } });
    await reread(book);
    const row = await allocate(book, { amount: claim, valueDate: claimDay, idempotencyKey: recourseAllocationKey(financingId), source: 'RECOURSE', inboundCreditId: null, inboundExceptionId: null });
    return { claimed: formatAmount(claim, currency), outstandingAfter: storedAmount(row.outstandingAfter, currency) };
  });
}

// ---------------------------------------------------------------------------------------
// Recourse and money the bank received before it (docs/workflows/financing.md). Recourse asks
// the supplier for what the core enterprise had not paid on the recourse day; money the bank
// had received before the claim was paid, by value date, however late the feed read it. Such
// a credit is the core enterprise's repayment on its own value date: the claim is set aside
// while the credit runs through the waterfall (penalty of the days after its value date put
// right as for any late credit), then claims only what is still owed through the recourse day,
// never more than it first took; the rest goes back to the supplier. Once per credit (its
// allocation's key), in the transaction that allocates it.

/** The key of the financing's recourse allocation: one claim per financing. */
function recourseAllocationKey(financingId: string): string {
  return `financing:${financingId}:recourse-allocation`;
}

function bucketsOf(row: Pick<RepaymentAllocation, WaterfallBucket>): Record<WaterfallBucket, Decimal> {
  return { penalty: toDecimal(row.penalty), fees: toDecimal(row.fees), interest: toDecimal(row.interest), principal: toDecimal(row.principal) };
}

/** What a recourse allocation still takes from the supplier: what it paid toward the financing. */
function recourseKept(row: RepaymentAllocation): Decimal {
  return WATERFALL_BUCKETS.reduce((sum, bucket) => sum.plus(toDecimal(row[bucket])), new Decimal(0));
}

/**
 * The financing's recourse allocation when money the bank received at `receivedAt` came before
 * it (the claim's own clock, `allocatedAt`) and it still takes something from the supplier;
 * null otherwise. Money received at or after the claim leaves it as it is.
 */
export async function recourseClaimedAfter(db: Tx | PrismaClient, financingId: string, receivedAt: Date): Promise<RepaymentAllocation | null> {
  const recourse = await db.repaymentAllocation.findUnique({ where: { idempotencyKey: recourseAllocationKey(financingId) } });
  if (!recourse || receivedAt.getTime() >= recourse.allocatedAt.getTime()) return null;
  // Money the bank received at or after the claim, already allocated, may have paid penalty
  // charged after the claim, which the claim's re-taking assumes is still unpaid: setting the
  // claim aside then would give the supplier back too much and leave that penalty owed. Such
  // money is left as it was before this rule (parked, or allocated as any late credit), for a
  // person. Money received before the claim does not count, whatever its value date: read
  // before the claim, it was in the claim's view; read after it, it set the claim aside in turn.
  if (await allocatedAfterClaim(db, recourse)) return null;
  return recourseKept(recourse).gt(0) ? recourse : null;
}

/**
 * Whether the financing holds an allocation, other than its recourse claim, of money the bank
 * received at or after the claim (its `allocatedAt`): the feed's credit or an applied exception
 * by its receipt, a voucher share by the issuer's payment. Money with no bank line of its own is
 * counted when it was allocated after the claim (the ledger's order), having no receipt to show.
 */
async function allocatedAfterClaim(db: Tx | PrismaClient, recourse: RepaymentAllocation): Promise<boolean> {
  const [{ found }] = await db.$queryRaw<[{ found: boolean }]>`
    SELECT EXISTS (
      SELECT 1
        FROM repayment_allocation a
        JOIN ledger_transaction p ON p.id = a.transaction_id
        ${pieceJoins(recourse.financingId)}
       WHERE a.financing_id = ${recourse.financingId}::uuid
         AND a.id <> ${recourse.id}::uuid
         AND CASE
               WHEN ${PIECE_RECEIVED_AT} IS NOT NULL THEN ${PIECE_RECEIVED_AT} >= ${recourse.allocatedAt}::timestamptz
               ELSE p.sequence > (SELECT sequence FROM ledger_transaction WHERE id = ${recourse.transactionId}::uuid)
             END
    ) AS found`;
  return found;
}

/** The recourse claim `collection` comes before: only money of the core enterprise's the bank received (a repayment: the feed's credit, or a parked line an operator applied) sets one aside. */
async function recourseSetAsideBy(book: Book, collection: Collection): Promise<RepaymentAllocation | null> {
  if (collection.source !== 'REPAYMENT' || !toDecimal(book.financing.recourseClaimed).gt(0)) return null;
  // When the bank received the piece: the feed's credit, or the parked line an operator applied.
  const received = collection.inboundCreditId
    ? await book.tx.inboundCredit.findUniqueOrThrow({ where: { id: collection.inboundCreditId }, select: { receivedAt: true } })
    : collection.inboundExceptionId
      ? await book.tx.inboundException.findUniqueOrThrow({ where: { id: collection.inboundExceptionId }, select: { receivedAt: true } })
      : null;
  return received ? recourseClaimedAfter(book.tx, book.financing.id, received.receivedAt) : null;
}

/** The financing's owed and repaid figures moved by `amounts`, bucket by bucket: counted as repaid (PAID), or no longer (UNPAID). */
function repaidMoved(amounts: Record<WaterfallBucket, Decimal>, as: 'PAID' | 'UNPAID'): Prisma.FinancingUpdateInput {
  const less = (value: Decimal) => ({ decrement: value.toFixed() });
  const more = (value: Decimal) => ({ increment: value.toFixed() });
  const [owed, repaid] = as === 'PAID' ? [less, more] : [more, less];
  return {
    principalOutstanding: owed(amounts.principal),
    interestOutstanding: owed(amounts.interest),
    feesOutstanding: owed(amounts.fees),
    penaltyOutstanding: owed(amounts.penalty),
    repaidPrincipal: repaid(amounts.principal),
    repaidInterest: repaid(amounts.interest),
    repaidFees: repaid(amounts.fees),
    repaidPenalty: repaid(amounts.penalty),
  };
}

/**
 * Sets the recourse claim aside: what it paid is owed again and it no longer counts as a
 * repayment by value date, so that the credit before it, value-dated `valueDate`, is allocated
 * as if the claim had not been made. The days after the claim's through `valueDate` are charged
 * again at what they owe without it (chargeAgainAfterClaim). The `later` repayments the credit set
 * aside (setLaterRepaymentsAside) do not count by value date either. No money moves yet:
 * returnRecourse posts what the two together change.
 */
async function setRecourseAside(book: Book, recourse: RepaymentAllocation, valueDate: IsoDate, later: RepaymentAllocation[]): Promise<void> {
  const { tx, financing } = book;
  await tx.financing.update({ where: { id: financing.id }, data: { ...repaidMoved(bucketsOf(recourse), 'UNPAID'), updatedAt: book.now } });
  await reread(book);
  const others = await tx.repaymentAllocation.findMany({ where: { financingId: financing.id, id: { notIn: [recourse.id, ...later.map((row) => row.id)] } } });
  book.repayments = others.map(repaymentOf);
  await chargeAgainAfterClaim(book, owedThroughOf(book, isoDateOfColumn(recourse.valueDate)), valueDate);
}

/**
 * A claim whose step ran after the recourse day counts from that day, so the days after it up to
 * the step were charged on what it left (or reversed). Money the bank received on such a day
 * would have paid that day's penalty, on what the core enterprise owed, had it been read before
 * the claim: each day after `claimedThrough` through `valueDate` is charged again at what it owes
 * with the claim set aside; otherwise the credit pays the funder less and the rest goes to the
 * supplier as surplus. Days after `valueDate` only owe less once the credit counts, which its
 * allocation puts right; the claim, taken again, lowers what it pays.
 */
async function chargeAgainAfterClaim(book: Book, claimedThrough: IsoDate, valueDate: IsoDate): Promise<void> {
  const { financing, tx } = book;
  if (!financing.penaltyAccruedThrough) return;
  const through = earlierOf(valueDate, isoDateOfColumn(financing.penaltyAccruedThrough));
  const basis = basisOf(book);
  if (!isOverdueByValueDate(basis, through)) return;
  let raised = new Decimal(0);
  for (let day = addDays(claimedThrough, 1); daysBetween(day, through) >= 0; day = addDays(day, 1)) {
    const owed = penaltyOwedOn(basis, day);
    const standing = book.charges.get(day);
    const more = owed.minus(standing?.amount ?? 0);
    if (more.lte(0)) continue;
    if (standing) {
      await rechargeDay(book, day, standing, owed, {
        description: `罚息重计 penalty charged again ${financing.financingNumber} ${day}: the recourse claim is set aside`,
        metadata: { financingId: financing.id, date: day },
      });
    } else await postCharge(book, day, owed);
    raised = raised.plus(more);
  }
  if (raised.isZero()) return;
  await tx.financing.update({
    where: { id: financing.id },
    data: { penaltyAccrued: { increment: raised.toFixed() }, penaltyOutstanding: { increment: raised.toFixed() }, penaltyDays: penaltyDaysOf(book), updatedAt: book.now },
  });
  await reread(book);
}

/**
 * After `paidBy` (a credit received before the claim) was allocated on its value date: the
 * recourse claims again, on its own day, what is still owed through that day (penalty of later
 * days was charged after it and was never its to pay), at most what it paid before. One posting
 * gives the rest back to the supplier from the accounts the claim had paid (recourseReturnEntries),
 * one puts the penalty memo right; the recourse allocation shows what the claim now pays and what
 * went back; the days after the claim that were charged on a principal the claim now pays more of
 * are reversed; the parties are told.
 */
async function returnRecourse(book: Book, recourse: RepaymentAllocation, paidBy: RepaymentAllocation): Promise<void> {
  const { tx, currency, accounts } = book;
  const financing = book.financing;
  const recourseDate = isoDateOfColumn(recourse.valueDate);
  const claimedThrough = owedThroughOf(book, recourseDate);
  const owed = outstandingOf(financing);
  const due = { ...owed, penalty: owed.penalty.minus(Decimal.min(penaltyChargedAfter(book, claimedThrough), owed.penalty)) };
  const before = recourseKept(recourse);
  const claim = Decimal.min(before, totalOutstanding(due));
  const kept = allocateWaterfall(claim, due, waterfallOrder(book.terms.waterfall));
  const claimed = bucketsOf(recourse);
  const returned = before.minus(claim);
  const key = `financing:${financing.id}:recourse-returned:${paidBy.id}`;
  const valueDate = isoDateOfColumn(paidBy.valueDate);
  // The day the claim was made, which the money came before: a late step's claim counts from the
  // recourse day (`recourseDate`), but the money may be of a day after it.
  const claimedOn = businessDateOf(recourse.allocatedAt);
  const metadata = { financingId: financing.id, recourseAllocationId: recourse.id, allocationId: paidBy.id, valueDate };
  // The funder gives back from what its funding account has left, holds counted (its account
  // is locked with the financing's): the claim's money may be spent or held for another
  // financing by now. The rest it owes, and it goes back from the account's next credit
  // (payWhatFundersOwe), never from anyone else's money.
  const owedByFunder = recourseReturnShortfall(claimed, kept.allocated, (await getBalance(tx, accounts.funderFunding)).available);
  const entries = recourseReturnEntries(claimed, kept.allocated, currency, accounts, owedByFunder);
  if (entries.length > 0) {
    await postTransaction(tx, {
      idempotencyKey: key,
      code: 'RECOURSE_RETURNED',
      description: `追索退回 recourse returned ${financing.financingNumber}: repaid on ${valueDate}, before the claim made on ${claimedOn}`,
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries,
    });
  }
  // The memo book: penalty the claim collected and no longer pays is owed again (or reversed,
  // by reverseChargesAfter); penalty it now pays more of is collected.
  const penaltyBack = claimed.penalty.minus(kept.allocated.penalty);
  if (!penaltyBack.isZero()) {
    await postTransaction(tx, {
      idempotencyKey: `${key}:penalty`,
      code: penaltyBack.gt(0) ? 'RECOURSE_PENALTY_RETURNED' : 'PENALTY_COLLECTED',
      effectiveAt: book.now,
      inOpenDay: true,
      metadata,
      entries: penaltyBack.gt(0) ? penaltyMemo(book, 'PENALTY_ACCRUAL', penaltyBack) : penaltyMemo(book, 'PENALTY_COLLECTED', penaltyBack.negated()),
    });
  }
  await tx.financing.update({
    where: { id: financing.id },
    // The statement's figures change: one being drawn from the earlier ones is not stored (docs/documents.md).
    data: {
      ...repaidMoved(kept.allocated, 'PAID'),
      recourseClaimed: { decrement: returned.toFixed() },
      recourseReturnOwed: { increment: owedByFunder.toFixed() },
      updatedAt: book.now,
    },
  });
  const row = await tx.repaymentAllocation.update({
    where: { id: recourse.id },
    data: {
      collected: fixed(book, claim.plus(toDecimal(recourse.surplus)).plus(toDecimal(recourse.overpaid))),
      penalty: fixed(book, kept.allocated.penalty),
      fees: fixed(book, kept.allocated.fees),
      interest: fixed(book, kept.allocated.interest),
      principal: fixed(book, kept.allocated.principal),
      outstandingAfter: fixed(book, totalOutstanding(kept.outstanding)),
      recourseReturned: { increment: returned.toFixed() },
    },
  });
  // A financing the claim settled is, once the claim keeps nothing, settled as of the money that
  // pays in its place (wholeSince); while the claim keeps something, still as of the claim.
  if (financing.status === 'SETTLED') await tx.financing.update({ where: { id: financing.id }, data: { settledAt: await wholeSince(book) } });
  await reread(book);
  book.repayments.push(repaymentOf(row));
  // Days after the claim were charged on what the claim had left: it may leave less now.
  const penaltyAfterClaim = Decimal.min(penaltyChargedAfter(book, claimedThrough), toDecimal(book.financing.penaltyOutstanding));
  await reverseChargesAfter(book, paidBy, valueDate, claimedThrough, penaltyAfterClaim);
  // A settlement statement issued when the claim settled the financing says the supplier paid what it now gets back.
  const statementReissued = await supersedeSettlementStatement(book);
  await tellRecourseReturned(book, { paidBy, claimedOn, returned, owedByFunder, claim, statementReissued });
}

/**
 * The financing's figures changed after it was settled: a settlement statement issued is
 * superseded in this transaction, so it is never shown as current after the money changed, and
 * the worker issues the next version (docs/documents.md, "Versions"). The revision moves on so a
 * version being drawn from the old figures is drawn again. Returns whether one was ever issued.
 */
async function supersedeSettlementStatement(book: Book): Promise<boolean> {
  const { tx, financing } = book;
  await tx.financing.update({ where: { id: financing.id }, data: { statementRevision: { increment: 1 } } });
  await tx.document.updateMany({ where: { financingId: financing.id, kind: 'SETTLEMENT_STATEMENT', supersededAt: null }, data: { supersededAt: book.now } });
  await reread(book);
  return (await tx.document.count({ where: { financingId: financing.id, kind: 'SETTLEMENT_STATEMENT' } })) > 0;
}

/**
 * The supplier (its money back), the funder (what it gave back) and, under open assignment, the
 * core enterprise (its money counted from its value date) are told, once per credit, and that
 * the settlement statement they hold is reissued when one was. When the funder's account could
 * not cover all of it (`owedByFunder`), the supplier and the funder are told how much is pending
 * and operators are asked to follow it up; the core enterprise is not told about the funder's
 * account.
 */
async function tellRecourseReturned(
  book: Book,
  { paidBy, claimedOn, returned, owedByFunder, claim, statementReissued }: { paidBy: RepaymentAllocation; claimedOn: IsoDate; returned: Decimal; owedByFunder: Decimal; claim: Decimal; statementReissued: boolean },
): Promise<void> {
  const { financing, terms } = book;
  const money = (value: Decimal) => `${fixed(book, value)} ${book.currency}`;
  const reversal = book.done.reversals.find((row) => row.allocationId === paidBy.id);
  const valueDate = isoDateOfColumn(paidBy.valueDate);
  const number = financing.financingNumber;
  const owed = money(totalOutstanding(outstandingOf(financing)));
  const penaltyZh = reversal ? `，${reversal.days.join(', ')} 已计收的罚息 ${money(new Decimal(reversal.amount))} 已红字冲正` : '';
  const penaltyEn = reversal ? `; the penalty of ${money(new Decimal(reversal.amount))} charged for ${reversal.days.join(', ')} was reversed` : '';
  const key = `financing:${financing.id}:recourse-returned:${paidBy.id}`;
  const notice = {
    kind: 'RECOURSE_RETURNED',
    subject: `追索款已退回 ${number} / Recourse returned on ${number}`,
    body:
      `融资 ${number} 的一笔还款 ${money(toDecimal(paidBy.collected))} 银行于 ${valueDate} 收到，早于 ${claimedOn} 所作的追索扣款，处理较晚。按到账日计算，该款作为核心企业还款入账：` +
      `已从供应商结算户扣收的追索款退回 ${money(returned)}${penaltyZh}；追索现为 ${money(claim)}，尚欠 ${owed}。` +
      `A repayment of ${money(toDecimal(paidBy.collected))} to financing ${number} reached the bank on ${valueDate}, before the recourse claim made on ${claimedOn}, and was processed later. ` +
      `Money counts from the day the bank received it, so it is the core enterprise's repayment on that day: ${money(returned)} of what recourse took from the supplier's settlement account is returned to it${penaltyEn}; ` +
      `recourse now stands at ${money(claim)}, and ${owed} is still owed.` +
      (statementReissued
        ? ` 已出具的结清证明作废（保留备查），将按上述金额重新出具新版本。The settlement statement already issued is superseded (it is kept for the record) and a new version with these figures is being issued.`
        : ''),
    financingId: financing.id,
  };
  if (terms.assignmentMode === 'OPEN') await notifyParties(book.tx, [financing.obligorPartyId], notice, key);
  const pending = owedByFunder.gt(0)
    ? ` 其中 ${money(owedByFunder)} 资金方资金户暂不足以退回，待退，将于资金户下一笔入账时自动退回供应商。` +
      `Of it, ${money(owedByFunder)} is pending: the funder's funding account could not cover it, and it goes back to the supplier as soon as that account is next credited.`
    : '';
  await notifyParties(book.tx, [financing.supplierPartyId, financing.funderPartyId], { ...notice, body: notice.body + pending }, key);
  if (owedByFunder.lte(0)) return;
  await notifyOperators(
    book.tx,
    {
      kind: 'RECOURSE_RETURN_OWED',
      subject: `资金方待退追索款 ${number} / Recourse return owed by the funder on ${number}`,
      body:
        `融资 ${number}：银行于 ${valueDate} 收到的核心企业还款晚于追索扣款处理，追索款应退回供应商 ${money(returned)}，资金方资金户（扣除冻结后）不足，供应商现收回 ${money(returned.minus(owedByFunder))}，资金方尚欠 ${money(owedByFunder)}，将于该资金户下一笔入账时自动退回。` +
        `Financing ${number}: the core enterprise's repayment the bank received on ${valueDate} was processed after the recourse claim made on ${claimedOn}, so ${money(returned)} of the claim goes back to the supplier. ` +
        `The funder's funding account (holds counted) could not cover it all: the supplier has ${money(returned.minus(owedByFunder))} back now, and the funder owes the other ${money(owedByFunder)}, which goes back to the supplier from that account's next credit.`,
      financingId: financing.id,
    },
    `${key}:owed`,
  );
}

/**
 * A credit the feed books into the collection account of a financing that recourse settled,
 * which the bank received before the claim (recourseClaimedAfter): allocated at once, in the
 * booking's transaction (no servicing step wakes for a settled financing), as any credit is, on
 * its value date, which sets the claim aside. The caller has locked the financing's row for
 * update and every account lockFinancingAccounts names, with suspense; `now` is the booking's
 * clock, never before the claim's.
 */
export async function allocateCreditBeforeRecourse(tx: Tx, financingId: string, credit: { id: string; amount: Decimal; receivedAt: Date }, now: Date): Promise<ServicingResult> {
  // Keyed as allocatePending keys a credit's allocation: a credit is allocated once, whichever path gets to it.
  const { book } = await allocateIntoSettled(tx, financingId, { kind: 'CREDIT', ...credit }, now);
  return resultOf(book, false);
}

/**
 * The repayments that settled `financing` after the bank received money at `receivedAt`, which
 * that money comes before by value date (laterRepaymentsToSetAside); none when it is not settled,
 * the money came at or after its settlement, or a recourse claim still takes something (put right
 * under its own rule, recourseClaimedAfter, or left to a person). Read in time, the money would
 * have paid the penalty of its days and the principal they were charged on: the feed's booking
 * allocates it in their place instead of parking it as FINANCING_SETTLED.
 */
export async function repaymentsSettledAfter(db: Tx | PrismaClient, financing: Financing, money: { amount: Decimal; receivedAt: Date }): Promise<RepaymentAllocation[]> {
  if (financing.status !== 'SETTLED' || !financing.settledAt || money.receivedAt.getTime() >= financing.settledAt.getTime()) return [];
  if (toDecimal(financing.recourseClaimed).gt(0)) return [];
  return laterRepaymentsToSetAside(db, financing, businessDateOf(money.receivedAt), money.amount);
}

/**
 * A credit the feed books into the collection account of a settled financing, which the bank
 * received before the repayments that settled it (repaymentsSettledAfter): allocated at once, in
 * the booking's transaction (no servicing step wakes for a settled financing), on its value date,
 * as when read in time. Those repayments are set aside and run again after it (reallocate); the
 * financing stays settled, as of the money that makes it whole in the new order, its settlement
 * statement is superseded and issued again, and the parties are told, once per credit. The caller
 * has locked the financing's row for update and every account lockFinancingAccounts names, with
 * suspense; `now` is the booking's clock, never before the allocations it changes.
 */
export async function allocateCreditBeforeSettlement(tx: Tx, financingId: string, credit: { id: string; amount: Decimal; receivedAt: Date }, now: Date): Promise<ServicingResult> {
  const before = { ...(await tx.financing.findUniqueOrThrow({ where: { id: financingId } })), ...(await owedByFunderOn(tx, financingId)) };
  const { book, row } = await allocateIntoSettled(tx, financingId, { kind: 'CREDIT', ...credit }, now);
  const after = { ...book.financing, ...(await owedByFunderOn(tx, financingId)) };
  const issued = await tx.document.count({ where: { financingId, kind: 'SETTLEMENT_STATEMENT' } });
  const moved = (column: 'repaidPenalty' | 'surplusReturned' | 'overpaymentHeld' | 'surplusOwed' | 'overpaidOwed') => toDecimal(after[column]).minus(toDecimal(before[column]));
  // What the funder's account could not give back yet has not gone anywhere: the parties are told
  // only what did (the funder and the supplier learn the rest from REALLOCATION_OWED).
  await tellSettledRepaymentsReallocated(book, {
    paidBy: row,
    penalty: moved('repaidPenalty').negated(),
    surplus: moved('surplusReturned').minus(moved('surplusOwed')),
    overpaid: moved('overpaymentHeld').minus(moved('overpaidOwed')),
    statementReissued: issued > 0,
  });
  return resultOf(book, false);
}

/** What the funder still owes of a financing's repayments allocated again, to the supplier and to the payer. */
async function owedByFunderOn(tx: Tx, financingId: string): Promise<{ surplusOwed: Decimal; overpaidOwed: Decimal }> {
  const { _sum: owed } = await tx.repaymentAllocation.aggregate({ where: { financingId }, _sum: { surplusOwed: true, overpaidOwed: true } });
  return { surplusOwed: toDecimal(owed.surplusOwed ?? 0), overpaidOwed: toDecimal(owed.overpaidOwed ?? 0) };
}

/**
 * The supplier, the funder and, under open assignment, the core enterprise are told that money
 * read after the financing settled was counted from its value date: what the funder was paid
 * less of penalty, what went to the supplier and what is held for the payer, when the financing
 * is now settled, and that the settlement statement they hold is issued again when one was.
 */
async function tellSettledRepaymentsReallocated(
  book: Book,
  { paidBy, penalty, surplus, overpaid, statementReissued }: { paidBy: RepaymentAllocation; penalty: Decimal; surplus: Decimal; overpaid: Decimal; statementReissued: boolean },
): Promise<void> {
  const { financing, terms } = book;
  const money = (value: Decimal) => `${fixed(book, value)} ${book.currency}`;
  const valueDate = isoDateOfColumn(paidBy.valueDate);
  const number = financing.financingNumber;
  const settledAt = `${formatShanghaiTime(financing.settledAt!)} (UTC+08:00)`;
  const notice = {
    kind: 'SETTLED_REPAYMENTS_REALLOCATED',
    subject: `已结清融资还款重新分配 ${number} / Repayments reallocated on settled financing ${number}`,
    body:
      `融资 ${number} 的一笔还款 ${money(toDecimal(paidBy.collected))} 银行于 ${valueDate} 收到，早于结清，处理较晚。按到账日计算，该款先行分配，其后的还款重新分配：` +
      `资金方少收罚息 ${money(penalty)}，退回供应商 ${money(surplus)}，暂挂待退付款方 ${money(overpaid)}；融资仍为已结清，结清时间 ${settledAt}。` +
      `A repayment of ${money(toDecimal(paidBy.collected))} to financing ${number} reached the bank on ${valueDate}, before the financing was settled, and was processed later. ` +
      `Money counts from the day the bank received it, so it is allocated first and the repayments after it are allocated again: the funder is paid ${money(penalty)} less penalty, ` +
      `${money(surplus)} goes to the supplier and ${money(overpaid)} is held for a refund to the payer; the financing stays settled, as of ${settledAt}.` +
      (statementReissued
        ? ` 已出具的结清证明作废（保留备查），将按上述金额重新出具新版本。The settlement statement already issued is superseded (it is kept for the record) and a new version with these figures is being issued.`
        : ''),
    financingId: financing.id,
  };
  const key = `financing:${financing.id}:settled-reallocated:${paidBy.id}`;
  const parties = terms.assignmentMode === 'OPEN' ? [financing.supplierPartyId, financing.funderPartyId, financing.obligorPartyId] : [financing.supplierPartyId, financing.funderPartyId];
  await notifyParties(book.tx, parties, notice, key);
}

/**
 * One piece of money allocated at once into a financing no servicing step will wake for (a
 * settled one), in the caller's transaction, on the piece's value date, as the step would have
 * allocated it. The caller has locked the financing's row for update.
 */
async function allocateIntoSettled(tx: Tx, financingId: string, piece: Piece, now: Date): Promise<{ book: Book; row: RepaymentAllocation }> {
  const financing = await lockFinancing(tx, financingId);
  assertServicing(financing);
  const book = await openBook(tx, financing, now);
  return { book, row: await allocate(book, collectionOf(book, piece, businessDateOf(piece.receivedAt), piece.amount)) };
}

/**
 * A voucher part's share that a distribution paid into the collection account of a financing
 * already SETTLED (voucher-distribution-store.ts): allocated at once, in the distribution's
 * transaction, since no servicing step wakes for a settled financing and the money would
 * otherwise stay there, nobody's. It is allocated as the step would have allocated it: as of the
 * day the bank received the issuer's payment, under the step's key for the share, so a share is
 * allocated once whichever path gets to it (a replayed batch finds it allocated and changes
 * nothing). The funder is whole, so the waterfall returns it to the holder as surplus, up to the
 * part's confirmed amount, and the financing's repayments and `surplusReturned` show it as they
 * would had the issuer paid it all at once. The caller has locked the financing's row for update.
 */
export async function allocateVoucherShareOfSettled(tx: Tx, financingId: string, share: { transactionId: string; amount: Decimal; receivedAt: Date }, now: Date): Promise<RepaymentAllocation | null> {
  if (await tx.repaymentAllocation.findUnique({ where: { idempotencyKey: voucherShareKey(financingId, share.transactionId) }, select: { id: true } })) return null;
  return (await allocateIntoSettled(tx, financingId, { kind: 'VOUCHER_SHARE', id: share.transactionId, amount: share.amount, receivedAt: share.receivedAt }, now)).row;
}
