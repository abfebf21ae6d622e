import { ValidationError, type FieldIssue } from './errors';
import { AmountError, Decimal, formatAmount, isCurrency, parseAmount, roundMoney, type AmountProblem, type Currency } from './money';

// The ledger's pure rules: what a valid posting is, what a balance is, and the posting rule
// of every business event (docs/ledger.md has them as tables). The store
// (prisma/stores/ledger/) validates with these before it writes, so that a caller
// gets a clear error; the database enforces the same invariants again as the backstop.

export type LedgerDirection = 'DEBIT' | 'CREDIT';
export const LEDGER_DIRECTIONS: readonly LedgerDirection[] = ['DEBIT', 'CREDIT'];

export const IDEMPOTENCY_KEY_LENGTH_MAX = 200;
export const TRANSACTION_CODE_LENGTH_MAX = 64;
export const DESCRIPTION_LENGTH_MAX = 500;
/** Entries in one transaction; a waterfall needs a handful, nothing needs hundreds. */
export const ENTRIES_PER_TRANSACTION_MAX = 64;
/** Transactions in one atomic batch: TigerBeetle's batch size, so a batch fits one round trip. */
export const BATCH_TRANSACTIONS_MAX = 8190;
/** Serialised metadata of one transaction or hold, in UTF-16 code units. */
export const METADATA_LENGTH_MAX = 4096;

const TRANSACTION_CODE_SHAPE = /^[A-Z][A-Z0-9_]*$/;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Control characters would make keys unreadable in logs and ambiguous when copied.
const CONTROL_CHARACTER = /\p{Cc}/u;

/** One leg of a posting as it crosses a boundary: amounts are decimal strings. */
export interface LedgerEntryInput {
  accountId: string;
  direction: LedgerDirection;
  amount: string;
  currency: string;
}

/** A validated leg. */
export interface LedgerEntry {
  accountId: string;
  direction: LedgerDirection;
  amount: Decimal;
  currency: Currency;
}

const AMOUNT_PROBLEM_CODES: Record<AmountProblem, string> = {
  NOT_A_DECIMAL: 'AMOUNT_NOT_A_DECIMAL',
  NOT_POSITIVE: 'AMOUNT_NOT_POSITIVE',
  TOO_MANY_DECIMALS: 'AMOUNT_TOO_MANY_DECIMALS',
  TOO_LARGE: 'AMOUNT_TOO_LARGE',
  UNKNOWN_CURRENCY: 'CURRENCY_NOT_SUPPORTED',
};

/** Collects field issues, each with its error code; the first code names the whole error. */
class Issues {
  private readonly list: Array<FieldIssue & { code: string }> = [];

  add(path: string[], message: string, code: string): void {
    this.list.push({ path, message, code });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    const first = this.list[0];
    if (first) throw new ValidationError(this.list.map(({ path, message }) => ({ path, message })), first.code);
  }
}

export function isUuid(value: string): boolean {
  return UUID_SHAPE.test(value);
}

function checkAmount(issues: Issues, path: string[], amount: string, currency: string): Decimal | undefined {
  try {
    return parseAmount(amount, currency);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    issues.add(path, error.message, AMOUNT_PROBLEM_CODES[error.problem]);
    return undefined;
  }
}

/** Validates one amount on its own (a hold, a partial post). */
export function validateAmount(amount: string, currency: string, path: string[] = ['amount']): { amount: Decimal; currency: Currency } {
  const issues = new Issues();
  const parsed = checkAmount(issues, path, amount, currency);
  issues.throwIfAny();
  return { amount: parsed as Decimal, currency: currency as Currency };
}

/**
 * The entries of one transaction: at least two, each positive with no more decimals than
 * its currency, debits equal to credits in every currency, and no account on both sides
 * (that would be a no-op dressed up as a movement). Throws one ValidationError listing
 * every problem; its code is the first problem's.
 */
export function validateEntries(entries: readonly LedgerEntryInput[], path: string[] = ['entries']): LedgerEntry[] {
  const issues = new Issues();
  if (entries.length < 2) issues.add(path, `a transaction needs at least two entries, got ${entries.length}`, 'TOO_FEW_ENTRIES');
  if (entries.length > ENTRIES_PER_TRANSACTION_MAX) issues.add(path, `a transaction has at most ${ENTRIES_PER_TRANSACTION_MAX} entries, got ${entries.length}`, 'TOO_MANY_ENTRIES');
  const valid: LedgerEntry[] = [];
  entries.forEach((entry, index) => {
    const at = [...path, String(index)];
    if (!isUuid(entry.accountId)) issues.add([...at, 'accountId'], 'must be an account id (a UUID)', 'VALIDATION_FAILED');
    if (!LEDGER_DIRECTIONS.includes(entry.direction)) issues.add([...at, 'direction'], 'must be DEBIT or CREDIT', 'VALIDATION_FAILED');
    const amount = checkAmount(issues, [...at, 'amount'], entry.amount, entry.currency);
    if (amount && isCurrency(entry.currency)) valid.push({ accountId: entry.accountId.toLowerCase(), direction: entry.direction, amount, currency: entry.currency });
  });
  if (!issues.empty) issues.throwIfAny();

  const net = new Map<Currency, Decimal>();
  for (const entry of valid) {
    const signed = entry.direction === 'DEBIT' ? entry.amount : entry.amount.negated();
    net.set(entry.currency, (net.get(entry.currency) ?? new Decimal(0)).plus(signed));
  }
  for (const [currency, difference] of net) {
    if (!difference.isZero()) {
      issues.add(path, `debits and credits in ${currency} differ by ${formatAmount(difference.abs(), currency)}; every transaction must balance in each currency`, 'TRANSACTION_UNBALANCED');
    }
  }
  const sides = new Map<string, Set<LedgerDirection>>();
  for (const entry of valid) sides.set(entry.accountId, (sides.get(entry.accountId) ?? new Set()).add(entry.direction));
  for (const [accountId, directions] of sides) {
    if (directions.size > 1) issues.add(path, `account ${accountId} is both debited and credited in one transaction`, 'ACCOUNT_ON_BOTH_SIDES');
  }
  issues.throwIfAny();
  return valid;
}

export interface TransactionHeaderInput {
  idempotencyKey: string;
  code: string;
  description?: string | null;
  effectiveAt?: Date | null;
  metadata?: Record<string, unknown> | null;
}

/** The parts of a transaction (or hold) other than its entries. */
export function validateHeader(input: TransactionHeaderInput, path: string[] = []): void {
  const issues = new Issues();
  validateIdempotencyKey(issues, input.idempotencyKey, [...path, 'idempotencyKey']);
  if (input.code.length > TRANSACTION_CODE_LENGTH_MAX || !TRANSACTION_CODE_SHAPE.test(input.code)) {
    issues.add([...path, 'code'], `must be UPPER_SNAKE_CASE, at most ${TRANSACTION_CODE_LENGTH_MAX} characters (e.g. DISBURSEMENT)`, 'VALIDATION_FAILED');
  }
  if (input.description != null && (input.description.length > DESCRIPTION_LENGTH_MAX || CONTROL_CHARACTER.test(input.description))) {
    issues.add([...path, 'description'], `must be at most ${DESCRIPTION_LENGTH_MAX} characters without control characters`, 'VALIDATION_FAILED');
  }
  if (input.effectiveAt != null && Number.isNaN(input.effectiveAt.getTime())) issues.add([...path, 'effectiveAt'], 'must be a valid time', 'VALIDATION_FAILED');
  validateMetadata(issues, input.metadata, [...path, 'metadata']);
  issues.throwIfAny();
}

function validateIdempotencyKey(issues: Issues, key: string, path: string[]): void {
  if (key.trim().length === 0 || key.length > IDEMPOTENCY_KEY_LENGTH_MAX || CONTROL_CHARACTER.test(key)) {
    issues.add(path, `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} characters without control characters, chosen by the caller (e.g. financing:<id>:disburse)`, 'VALIDATION_FAILED');
  }
}

export function validateIdempotencyKeyOnly(key: string, path: string[] = ['idempotencyKey']): void {
  const issues = new Issues();
  validateIdempotencyKey(issues, key, path);
  issues.throwIfAny();
}

function validateMetadata(issues: Issues, metadata: unknown, path: string[]): void {
  if (metadata == null) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata) || Object.getPrototypeOf(metadata) !== Object.prototype) {
    issues.add(path, 'must be a plain JSON object', 'VALIDATION_FAILED');
    return;
  }
  let serialised: string;
  try {
    serialised = JSON.stringify(metadata);
  } catch {
    issues.add(path, 'must be serialisable as JSON', 'VALIDATION_FAILED');
    return;
  }
  if (serialised.length > METADATA_LENGTH_MAX) issues.add(path, `must serialise to at most ${METADATA_LENGTH_MAX} characters`, 'VALIDATION_FAILED');
}

/**
 * JSON with object keys sorted at every level: two requests with the same content give the
 * same text whatever order their keys were written in. The store hashes it (sha256) to tell
 * a replay from a reused idempotency key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  // Keys in code-unit order (sort's default for strings, as `<` compares them), undefined
  // members left out; written as one string rather than through arrays of pairs, since a batch
  // hashes every transaction of it.
  const record = value as Record<string, unknown>;
  let json = '{';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    json += `${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${json}}`;
}

/** Entries in a canonical order and form, so that "100" and "100.00", or reordered legs, are one request. */
export function canonicalEntries(entries: readonly LedgerEntry[]): Array<[string, LedgerDirection, string, string]> {
  // Each entry's sort key is built once, not at every comparison.
  return entries
    .map((entry) => {
      const row: [string, LedgerDirection, string, string] = [entry.accountId, entry.direction, formatAmount(entry.amount, entry.currency), entry.currency];
      return { row, key: row.join('|') };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ row }) => row);
}

// ---------------------------------------------------------------------------------------
// Balances (TigerBeetle's four totals, read from the account's side).

export type NormalBalance = LedgerDirection;

export interface AccountTotals {
  debitsPending: Decimal;
  debitsPosted: Decimal;
  creditsPending: Decimal;
  creditsPosted: Decimal;
}

export interface Balances {
  /** Posted balance on the account's normal side. */
  posted: Decimal;
  /** The balance once every pending hold posts in full. */
  pending: Decimal;
  /** What can be spent now: posted, less holds on their way out. Money on its way in does not count. */
  available: Decimal;
}

export function balancesOf(normalBalance: NormalBalance, totals: AccountTotals): Balances {
  if (normalBalance === 'CREDIT') {
    return {
      posted: totals.creditsPosted.minus(totals.debitsPosted),
      pending: totals.creditsPosted.plus(totals.creditsPending).minus(totals.debitsPosted).minus(totals.debitsPending),
      available: totals.creditsPosted.minus(totals.debitsPosted).minus(totals.debitsPending),
    };
  }
  return {
    posted: totals.debitsPosted.minus(totals.creditsPosted),
    pending: totals.debitsPosted.plus(totals.debitsPending).minus(totals.creditsPosted).minus(totals.creditsPending),
    available: totals.debitsPosted.minus(totals.creditsPosted).minus(totals.creditsPending),
  };
}

/** An entry's effect on the balance of its account, signed from the account's normal side. */
export function signedAmount(normalBalance: NormalBalance, direction: LedgerDirection, amount: Decimal): Decimal {
  return direction === normalBalance ? amount : amount.negated();
}

/** Normal balance of each account type: assets and expenses grow with debits. */
export function normalBalanceOf(type: 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE'): NormalBalance {
  return type === 'ASSET' || type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';
}

// ---------------------------------------------------------------------------------------
// Virtual account numbers: 19 digits, the last a Luhn check digit.

export const VIRTUAL_ACCOUNT_NUMBER_LENGTH = 19;

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let index = 0; index < payload.length; index += 1) {
    let digit = Number(payload[payload.length - 1 - index]);
    // The digit next to the check digit is doubled, then every second one leftwards.
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isVirtualAccountNumber(value: string): boolean {
  return /^\d{19}$/.test(value) && luhnCheckDigit(value.slice(0, -1)) === Number(value.slice(-1));
}

/** "9558 8000 0000 0012 345" shown as "9558 **** **** ***2 345": enough to recognise, not to pay into. */
export function maskVirtualAccountNumber(value: string): string {
  const masked = value
    .split('')
    .map((digit, index) => (index < 4 || index >= value.length - 4 ? digit : '*'))
    .join('');
  return masked.replace(/(.{4})(?=.)/g, '$1 ');
}

// ---------------------------------------------------------------------------------------
// Posting rules of the business events (docs/ledger.md, "Posting rules"). Each returns the
// entries of one transaction, amounts as decimal strings with the currency's decimals; a
// leg of zero is left out. Amounts come in already rounded (pricing rounds once, at the end).

function leg(accountId: string, direction: LedgerDirection, amount: Decimal, currency: Currency): LedgerEntryInput {
  return { accountId, direction, amount: formatAmount(amount, currency), currency };
}

function requirePositive(amount: Decimal, what: string): void {
  if (!amount.gt(0)) throw ValidationError.field([what], `${what} must be greater than zero`, 'AMOUNT_NOT_POSITIVE');
}

function requireNotNegative(amount: Decimal, what: string): void {
  if (amount.lt(0)) throw ValidationError.field([what], `${what} must not be negative`, 'AMOUNT_NOT_POSITIVE');
}

function requireMinorUnits(amount: Decimal, currency: Currency, what: string): void {
  if (!roundMoney(amount, currency).eq(amount)) throw ValidationError.field([what], `${what} ${amount.toFixed()} has more decimals than ${currency} allows`, 'AMOUNT_TOO_MANY_DECIMALS');
}

/** Moves a positive amount from one account to another: a debit of the one, a credit of the other. */
export function transfer(debitAccountId: string, creditAccountId: string, amount: Decimal, currency: Currency): LedgerEntryInput[] {
  requirePositive(amount, 'amount');
  return [leg(debitAccountId, 'DEBIT', amount, currency), leg(creditAccountId, 'CREDIT', amount, currency)];
}

/**
 * The business events that move one amount from one account to another, each named by the
 * transaction code it posts under, with the role of the account it debits and the one it
 * credits. The store passes the accounts by role; `postingEntries` turns them into entries.
 */
export const POSTING_RULES = {
  /** Money arrives at the escrow bank account; it waits in clearing until matched. */
  INBOUND_RECEIPT: { debit: 'escrowBank', credit: 'inboundClearing' },
  /** Inbound money matched by the virtual account number it was paid to (or parked in suspense). */
  INBOUND_MATCH: { debit: 'inboundClearing', credit: 'target' },
  /** The platform's fees come out of the supplier's proceeds at disbursement. */
  DISBURSEMENT_FEES: { debit: 'supplierSettlement', credit: 'feeIncome' },
  /** Money leaves a virtual account for a bank transfer; it is in transit until the bank confirms. */
  PAYOUT: { debit: 'source', credit: 'payoutInTransit' },
  /** Money held in suspense for a payer leaves for a refund to the payer's account; in transit until the bank confirms. */
  REFUND: { debit: 'suspense', credit: 'payoutInTransit' },
  /** The bank confirms the payout: the money has left the escrow bank account. */
  PAYOUT_SETTLED: { debit: 'payoutInTransit', credit: 'escrowBank' },
  /** The bank rejects or returns a payout before settling it: the money goes back where it came from. */
  PAYOUT_REVERSED: { debit: 'payoutInTransit', credit: 'source' },
  /** A payout the bank settled and the beneficiary's bank later sent back: the money is in the escrow account again, and the source's again. */
  PAYOUT_RETURNED: { debit: 'escrowBank', credit: 'source' },
  /** At maturity the core enterprise's repayment moves into the financing's collection account. */
  REPAYMENT: { debit: 'coreRepayment', credit: 'collection' },
  /** Recourse: the supplier's settlement account covers what the core enterprise did not pay. */
  RECOURSE: { debit: 'supplierSettlement', credit: 'collection' },
  /** Penalty accrual is a claim, not money: it goes to the memo book until it is collected. */
  PENALTY_ACCRUAL: { debit: 'penaltyReceivable', credit: 'accrualControl' },
  /** Collected penalty leaves the memo book: the claim is paid. */
  PENALTY_COLLECTED: { debit: 'accrualControl', credit: 'penaltyReceivable' },
  /** Penalty the payer paid for days that turned out never owed (whole by the end of the grace days): the funder gives it back, held in suspense for a refund to the payer. */
  PENALTY_RETURNED: { debit: 'funderFunding', credit: 'suspense' },
  /** A credit limit granted in the memo book; using it is a hold from CREDIT_LIMIT to LIMIT_CONTROL. */
  CREDIT_LIMIT_GRANT: { debit: 'limitControl', credit: 'creditLimit' },
  /** A used credit limit is given back when the financing is repaid (block → utilise → release). */
  LIMIT_RELEASE: { debit: 'limitControl', credit: 'creditLimit' },
  /** Money parked in suspense that nobody can claim is written off as the platform's reconciliation gain. */
  WRITE_OFF_GAIN: { debit: 'suspense', credit: 'reconciliationGain' },
  /** The bank holds money the ledger does not: booked into the escrow account and parked in suspense for a person. */
  RECONCILIATION_PARKED: { debit: 'escrowBank', credit: 'suspense' },
  /** The bank holds money the ledger does not, and nobody can claim it: written off as a gain. */
  RECONCILIATION_GAIN: { debit: 'escrowBank', credit: 'reconciliationGain' },
  /** The ledger counts money the bank does not hold: the escrow account is brought down to the bank's, the platform bears the loss. */
  RECONCILIATION_LOSS: { debit: 'reconciliationLoss', credit: 'escrowBank' },
  /** The bank took back (冲正) a credit it booked in error: the account the credit reached gives it back, and the escrow account comes down to the bank's. */
  RECONCILIATION_RECOVERED: { debit: 'creditedAccount', credit: 'escrowBank' },
} as const satisfies Record<string, { debit: string; credit: string }>;

export type PostingRule = keyof typeof POSTING_RULES;
/** The accounts a rule needs, by the roles its table row names. */
export type PostingAccounts<R extends PostingRule> = Record<(typeof POSTING_RULES)[R]['debit'] | (typeof POSTING_RULES)[R]['credit'], string>;

/** The entries of one business event under its posting rule. */
export function postingEntries<R extends PostingRule>(rule: R, amount: Decimal, currency: Currency, accounts: PostingAccounts<R>): LedgerEntryInput[] {
  const roles: { debit: keyof PostingAccounts<R>; credit: keyof PostingAccounts<R> } = POSTING_RULES[rule];
  return transfer(accounts[roles.debit], accounts[roles.credit], amount, currency);
}

export interface DisbursementFigures {
  /** The financed amount (the receivable's confirmed amount, or part of it). */
  principal: Decimal;
  /** Interest deducted up front (discount); zero when interest is collected in arrears. */
  upfrontInterest: Decimal;
  /** Platform fees deducted from the disbursement. */
  fees: Decimal;
}

export interface DisbursementPostings {
  /** What the funder pays: reserved as a hold at approval, posted at disbursement. */
  advance: Decimal;
  /** What the supplier keeps after fees. */
  net: Decimal;
  /** The hold's legs: funder's funding account to the supplier's settlement account. */
  hold: { debitAccountId: string; creditAccountId: string; amount: string; currency: Currency };
  /** The fee deduction, posted with the hold; empty when there is no fee. */
  feeEntries: LedgerEntryInput[];
}

/**
 * Disbursement net of discount and fees. The funder advances principal less up-front interest
 * (the discount stays with the funder as its return); the platform's fees come out of the
 * supplier's proceeds. Net effect: DR funder funding (advance), CR supplier settlement (net),
 * CR fee income (fees).
 */
export function disbursementPostings(
  figures: DisbursementFigures,
  currency: Currency,
  accounts: { funderFunding: string; supplierSettlement: string; feeIncome: string },
): DisbursementPostings {
  requirePositive(figures.principal, 'principal');
  requireNotNegative(figures.upfrontInterest, 'upfrontInterest');
  requireNotNegative(figures.fees, 'fees');
  for (const [what, value] of Object.entries(figures)) requireMinorUnits(value as Decimal, currency, what);
  const advance = figures.principal.minus(figures.upfrontInterest);
  const net = advance.minus(figures.fees);
  requirePositive(net, 'net disbursement');
  return {
    advance,
    net,
    hold: { debitAccountId: accounts.funderFunding, creditAccountId: accounts.supplierSettlement, amount: formatAmount(advance, currency), currency },
    feeEntries: figures.fees.gt(0) ? postingEntries('DISBURSEMENT_FEES', figures.fees, currency, accounts) : [],
  };
}

/** Penalty interest for `days` overdue: overdue × annual rate × days / basis, rounded half-up once. */
export function penaltyForDays(overdue: Decimal, annualRate: Decimal, days: number, basisDays: 360 | 365, currency: Currency): Decimal {
  if (!Number.isInteger(days) || days < 0) throw ValidationError.field(['days'], 'must be a whole number of days, zero or more');
  if (overdue.lt(0) || annualRate.lt(0)) throw ValidationError.field(['overdue'], 'overdue amount and rate must not be negative');
  return roundMoney(overdue.times(annualRate).times(days).dividedBy(basisDays), currency);
}

export const WATERFALL_BUCKETS = ['penalty', 'fees', 'interest', 'principal'] as const;
export type WaterfallBucket = (typeof WATERFALL_BUCKETS)[number];
/** The default repayment waterfall (DESIGN §4): penalty interest, fees, interest, principal. A program may set its own order. */
export const DEFAULT_WATERFALL_ORDER: readonly WaterfallBucket[] = WATERFALL_BUCKETS;

export interface WaterfallAllocation {
  allocated: Record<WaterfallBucket, Decimal>;
  /** What is left once every bucket is paid in full: returned to the supplier (up to the receivable, see splitSurplus). */
  surplus: Decimal;
  /** Paid beyond the receivable's confirmed amount: the payer's, held in suspense for a refund. */
  overpaid: Decimal;
  /** What is still owed, per bucket, after this collection. */
  outstanding: Record<WaterfallBucket, Decimal>;
}

/**
 * Allocates collected money bucket by bucket in `order` (by default penalty, fees, interest,
 * principal); each bucket is paid in full before the next gets anything. Amounts are exact
 * (no rounding: every input is already in minor units), so the allocations add up to the
 * collection.
 */
export function allocateWaterfall(collected: Decimal, due: Record<WaterfallBucket, Decimal>, order: readonly WaterfallBucket[] = DEFAULT_WATERFALL_ORDER): WaterfallAllocation {
  if (collected.lt(0)) throw ValidationError.field(['collected'], 'must not be negative', 'AMOUNT_NOT_POSITIVE');
  if (order.length !== WATERFALL_BUCKETS.length || new Set(order).size !== WATERFALL_BUCKETS.length) {
    throw ValidationError.field(['order'], `must name each of ${WATERFALL_BUCKETS.join(', ')} exactly once`, 'WATERFALL_ORDER_INVALID');
  }
  let remaining = collected;
  const allocated = {} as Record<WaterfallBucket, Decimal>;
  const outstanding = {} as Record<WaterfallBucket, Decimal>;
  for (const bucket of order) {
    const owed = due[bucket];
    if (owed.lt(0)) throw ValidationError.field(['due', bucket], 'must not be negative', 'AMOUNT_NOT_POSITIVE');
    const paid = Decimal.min(owed, remaining);
    allocated[bucket] = paid;
    outstanding[bucket] = owed.minus(paid);
    remaining = remaining.minus(paid);
  }
  return { allocated, surplus: remaining, overpaid: new Decimal(0), outstanding };
}

/**
 * The payer owes the receivable's confirmed amount (and penalty on top when it pays late). What
 * its money leaves after the funder is whole belongs to the supplier only as far as the payer has
 * not yet paid the confirmed amount (the part of the receivable that was not advanced, the
 * reserve); beyond that it paid more than it owed, and the rest is its own, held in suspense for
 * a refund. `paidBefore` is what the payer's earlier collections already counted toward the
 * receivable (principal, interest and fees paid, and surplus the supplier kept; not penalty).
 * Money claimed from the supplier under recourse is the supplier's: its surplus is not split.
 */
export function splitSurplus(allocation: WaterfallAllocation, confirmedAmount: Decimal, paidBefore: Decimal): WaterfallAllocation {
  requireNotNegative(confirmedAmount, 'confirmedAmount');
  requireNotNegative(paidBefore, 'paidBefore');
  const { allocated } = allocation;
  const owedOnReceivable = confirmedAmount.minus(paidBefore).minus(allocated.fees).minus(allocated.interest).minus(allocated.principal);
  const toSupplier = Decimal.min(allocation.surplus, Decimal.max(owedOnReceivable, 0));
  return { ...allocation, surplus: toSupplier, overpaid: allocation.overpaid.plus(allocation.surplus.minus(toSupplier)) };
}

/** What a repayment or claim paid the funder's funding account: penalty, interest and principal (fees are the platform's). */
export function paidToFunder(paid: Record<WaterfallBucket, Decimal>): Decimal {
  return paid.penalty.plus(paid.interest).plus(paid.principal);
}

/**
 * The waterfall as one transaction: DR the collection account for everything collected;
 * CR fee income (fees), the funder's funding account (penalty, interest, principal), the
 * supplier's settlement account (surplus) and suspense (paid beyond the receivable, for a
 * refund to the payer).
 */
export function waterfallEntries(
  allocation: WaterfallAllocation,
  currency: Currency,
  accounts: { collection: string; feeIncome: string; funderFunding: string; supplierSettlement: string; suspense?: string },
): LedgerEntryInput[] {
  const toFunder = paidToFunder(allocation.allocated);
  const total = allocation.allocated.fees.plus(toFunder).plus(allocation.surplus).plus(allocation.overpaid);
  requirePositive(total, 'collected');
  const legs = [leg(accounts.collection, 'DEBIT', total, currency)];
  if (allocation.allocated.fees.gt(0)) legs.push(leg(accounts.feeIncome, 'CREDIT', allocation.allocated.fees, currency));
  if (toFunder.gt(0)) legs.push(leg(accounts.funderFunding, 'CREDIT', toFunder, currency));
  if (allocation.surplus.gt(0)) legs.push(leg(accounts.supplierSettlement, 'CREDIT', allocation.surplus, currency));
  if (allocation.overpaid.gt(0)) {
    if (!accounts.suspense) throw ValidationError.field(['suspense'], 'an over-payment needs the suspense account to hold it', 'VALIDATION_FAILED');
    legs.push(leg(accounts.suspense, 'CREDIT', allocation.overpaid, currency));
  }
  return legs;
}

/** Where one collection's money went: the waterfall's buckets, the supplier's surplus, and what is held for the payer. */
export type CollectionSplit = Pick<WaterfallAllocation, 'allocated' | 'surplus' | 'overpaid'>;

/**
 * One collection split again, the same money otherwise, as one transaction: each account gives
 * back what it was paid beyond its new share (a debit) or receives what its new share adds (a
 * credit): the funder's funding account (penalty, interest, principal), fee income (fees), the
 * supplier's settlement account (surplus) and suspense (over-paid, the payer's). Penalty that
 * becomes principal of the same funder moves no money. `owedByFunder` (reallocationShortfall) is
 * the part the funder's account cannot give back now: neither debited nor credited to the supplier
 * or suspense, it goes back later. Empty when no account's share changes.
 */
export function reallocationEntries(
  before: CollectionSplit,
  after: CollectionSplit,
  currency: Currency,
  accounts: { funderFunding: string; feeIncome: string; supplierSettlement: string; suspense?: string },
  owedByFunder: OwedByFunder = { surplus: new Decimal(0), overpaid: new Decimal(0) },
): LedgerEntryInput[] {
  const total = (split: CollectionSplit) => WATERFALL_BUCKETS.reduce((sum, bucket) => sum.plus(split.allocated[bucket]), split.surplus.plus(split.overpaid));
  for (const [name, split] of [['before', before], ['after', after]] as const) {
    for (const bucket of WATERFALL_BUCKETS) requireNotNegative(split.allocated[bucket], `${name}.${bucket}`);
    requireNotNegative(split.surplus, `${name}.surplus`);
    requireNotNegative(split.overpaid, `${name}.overpaid`);
  }
  if (!total(before).eq(total(after))) throw ValidationError.field(['after'], 'must split the same money as before', 'VALIDATION_FAILED');
  requireNotNegative(owedByFunder.surplus, 'owedByFunder.surplus');
  requireNotNegative(owedByFunder.overpaid, 'owedByFunder.overpaid');
  const owed = owedByFunder.surplus.plus(owedByFunder.overpaid);
  // Owing more than the funder gives back, or than the supplier or the payer gets, would unbalance the legs.
  if (
    owed.gt(Decimal.max(paidToFunder(before.allocated).minus(paidToFunder(after.allocated)), 0)) ||
    owedByFunder.surplus.gt(Decimal.max(after.surplus.minus(before.surplus), 0)) ||
    owedByFunder.overpaid.gt(Decimal.max(after.overpaid.minus(before.overpaid), 0))
  ) {
    throw ValidationError.field(['owedByFunder'], 'the funder can owe at most what it gives back', 'VALIDATION_FAILED');
  }
  const legs: LedgerEntryInput[] = [];
  const move = (accountId: string, change: Decimal) => {
    if (change.gt(0)) legs.push(leg(accountId, 'CREDIT', change, currency));
    if (change.lt(0)) legs.push(leg(accountId, 'DEBIT', change.negated(), currency));
  };
  move(accounts.funderFunding, paidToFunder(after.allocated).minus(paidToFunder(before.allocated)).plus(owed));
  move(accounts.feeIncome, after.allocated.fees.minus(before.allocated.fees));
  move(accounts.supplierSettlement, after.surplus.minus(before.surplus).minus(owedByFunder.surplus));
  const held = after.overpaid.minus(before.overpaid).minus(owedByFunder.overpaid);
  if (!held.isZero() && !accounts.suspense) throw ValidationError.field(['suspense'], 'an over-payment needs the suspense account to hold it', 'VALIDATION_FAILED');
  if (accounts.suspense) move(accounts.suspense, held);
  return legs;
}

/**
 * A recourse claim that the core enterprise's money, received by the bank before the claim,
 * turned out to have paid (in full or in part) as one transaction: `claimed` is what the claim
 * paid per bucket, `kept` what it still pays once that money counts (never more in all). The
 * supplier's settlement account is credited the difference; the funder's funding account
 * (penalty, interest, principal) and fee income (fees) give back what they were paid beyond what
 * the claim still pays. A bucket the smaller claim pays more of (less penalty owed leaves more
 * for principal) is a credit to its account instead. `owedByFunder` (recourseReturnShortfall) is
 * the part the funder's account cannot give back now: neither debited nor credited to the
 * supplier, it goes back later. Empty when nothing changes.
 */
export function recourseReturnEntries(
  claimed: Record<WaterfallBucket, Decimal>,
  kept: Record<WaterfallBucket, Decimal>,
  currency: Currency,
  accounts: { funderFunding: string; feeIncome: string; supplierSettlement: string },
  owedByFunder: Decimal = new Decimal(0),
): LedgerEntryInput[] {
  for (const bucket of WATERFALL_BUCKETS) {
    requireNotNegative(claimed[bucket], `claimed.${bucket}`);
    requireNotNegative(kept[bucket], `kept.${bucket}`);
  }
  const fromFunder = paidToFunder(claimed).minus(paidToFunder(kept));
  const fromFees = claimed.fees.minus(kept.fees);
  const returned = fromFunder.plus(fromFees);
  requireNotNegative(returned, 'returned');
  requireNotNegative(owedByFunder, 'owedByFunder');
  // Owing more than the funder gives back, or than the supplier gets, would unbalance the legs.
  if (owedByFunder.gt(Decimal.min(Decimal.max(fromFunder, 0), returned))) {
    throw ValidationError.field(['owedByFunder'], 'the funder can owe at most what it gives back', 'VALIDATION_FAILED');
  }
  const legs: LedgerEntryInput[] = [];
  const give = (accountId: string, amount: Decimal) => {
    if (amount.gt(0)) legs.push(leg(accountId, 'DEBIT', amount, currency));
    if (amount.lt(0)) legs.push(leg(accountId, 'CREDIT', amount.negated(), currency));
  };
  give(accounts.funderFunding, fromFunder.minus(owedByFunder));
  give(accounts.feeIncome, fromFees);
  if (returned.gt(owedByFunder)) legs.push(leg(accounts.supplierSettlement, 'CREDIT', returned.minus(owedByFunder), currency));
  return legs;
}

/**
 * Of a recourse return (`claimed` and `kept` as for recourseReturnEntries), what the funder's
 * funding account cannot give back now, with `available` left in it (holds counted): the money
 * the claim paid it may be spent or held for another financing by the time the core
 * enterprise's earlier money is read. Zero when the account covers it.
 */
export function recourseReturnShortfall(claimed: Record<WaterfallBucket, Decimal>, kept: Record<WaterfallBucket, Decimal>, available: Decimal): Decimal {
  const fromFunder = paidToFunder(claimed).minus(paidToFunder(kept));
  return funderShortfall(fromFunder, fromFunder.plus(claimed.fees.minus(kept.fees)), available);
}

/**
 * Of `fromFunder`, what the funder's funding account gives back, the part `available` (holds
 * counted) cannot cover, up to `toOthers` (what goes to the supplier or the payer): the funder owes
 * it, and it goes back from the account's next credit. What goes to fee income is the platform's
 * and is never owed. Zero when the account covers it.
 */
function funderShortfall(fromFunder: Decimal, toOthers: Decimal, available: Decimal): Decimal {
  return Decimal.max(Decimal.min(toOthers, fromFunder.minus(Decimal.max(available, 0))), 0);
}

/** What the funder owes of a reallocated repayment: surplus to the supplier, over-payment to suspense for the payer. */
export type OwedByFunder = { surplus: Decimal; overpaid: Decimal };

/**
 * Of a repayment split again (`before` and `after` as for reallocationEntries), what the funder's
 * funding account cannot give back now, with `available` left in it (holds counted): the money the
 * repayment paid it may be spent or held for another financing by the time the earlier money is
 * read. The payer's part is owed first, then the supplier's (the payer's refund waits for an
 * operator anyway). Zero each when the account covers it.
 */
export function reallocationShortfall(before: CollectionSplit, after: CollectionSplit, available: Decimal): OwedByFunder {
  const toPayer = Decimal.max(after.overpaid.minus(before.overpaid), 0);
  const toSupplier = Decimal.max(after.surplus.minus(before.surplus), 0);
  const owed = funderShortfall(paidToFunder(before.allocated).minus(paidToFunder(after.allocated)), toPayer.plus(toSupplier), available);
  const overpaid = Decimal.min(owed, toPayer);
  return { surplus: owed.minus(overpaid), overpaid };
}

/** A reversal (红字冲正) mirrors the original: every debit becomes a credit of the same amount. */
export function reversalEntries<T extends { accountId: string; direction: LedgerDirection; amount: string; currency: string }>(entries: readonly T[]): LedgerEntryInput[] {
  return entries.map((entry) => ({
    accountId: entry.accountId,
    direction: entry.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT',
    amount: entry.amount,
    currency: entry.currency,
  }));
}
