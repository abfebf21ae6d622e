import type { BankAdapter, InboundCredit } from '../../bank/bank-adapter';
import { ConflictError, DomainError, ValidationError } from '../../domain/errors';
import { CLOSED_BEFORE_APPROVAL } from '../../domain/financing-rules';
import { isUuid, postingEntries, transfer, validateAmount } from '../../domain/ledger-rules';
import { Decimal, formatAmount, isCurrency, type Currency } from '../../domain/money';
import { Prisma, type Financing, type InboundCredit as InboundCreditRow, type InboundException, type InboundExceptionReason, type LedgerAccount, type PrismaClient, type RepaymentAllocation } from '../client';
import { ensurePlatformAccounts, platformAccountCode } from './chart-of-accounts';
import { databaseFailureOf } from './database-failure';
import { lockFinancingAccounts, MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { lockAccounts } from './ledger/locks';
import { postTransaction } from './ledger/postings';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { isUniqueViolation } from './unique-violation';
import { matchExpectedReceipt } from './offline-receipt-store';
import { releaseReversalHoldsOn } from './reversal-hold';
import { notifyOperators } from './operator-notices';
import { bankLineLockKey, findParkedStatementCredit, lockCreditMoney, matchParkedLine, type ParkedStatementCredit } from './parked-statement-credit';
import { allocateCreditBeforeRecourse, allocateCreditBeforeSettlement, recourseClaimedAfter, repaymentsSettledAfter } from './servicing-store';
import { payWhatFundersOwe } from './owed-by-funder';
import { fundingWakeUpsFor, recordWakeUps } from './wake-up-store';

// Money arriving from outside. The bank reports a credit to the escrow account addressed to a
// virtual account number; it is booked into clearing and matched to that virtual account in
// the same database transaction. The bank reference makes a credit count once. A credit that
// cannot be matched (an unknown or closed number, a currency the account is not in, the
// collection account of a financing that ended or settled, unless the bank received the money
// before what settled it) is parked in suspense (长款挂账) as an exception with its bank line,
// for an operator; a credit the ledger cannot hold at all is kept as an exception without a
// booking. Either way the poller moves on: no credit blocks the
// credits behind it (docs/ledger.md, "Exceptions"). A credit that is the money of a statement
// line operators already parked in suspense is booked out of suspense, never from the bank a
// second time (docs/reconciliation.md, "When the feed reports parked money").

export interface BookedCredit {
  bankReference: string;
  credit: InboundCreditRow;
  /** Set when the money reached a financing's collection account: its workflow allocates it. */
  financingId: string | null;
  /** Set when the money topped up a funder's funding account: its financings waiting for funding can go on. */
  fundedPartyId: string | null;
  /** Set when the money was parked in suspense instead of reaching the account it was paid to. */
  exception: InboundException | null;
  replayed: boolean;
}

/** A bank line the ledger could not hold (a currency it does not keep, an amount it cannot represent): an exception and no booking. */
export interface UnbookedCredit {
  bankReference: string;
  credit: null;
  financingId: null;
  fundedPartyId: null;
  exception: InboundException;
  replayed: boolean;
}

export type InboundResult = BookedCredit | UnbookedCredit;

type People = { recordedByUserId?: string; approvedByUserId?: string };

async function bookedOf(tx: Tx | PrismaClient, credit: InboundCreditRow, replayed: boolean): Promise<BookedCredit> {
  const account = await tx.ledgerAccount.findUniqueOrThrow({ where: { id: credit.accountId } });
  const exception = credit.outcome === 'SUSPENSE' ? await tx.inboundException.findUnique({ where: { inboundCreditId: credit.id } }) : null;
  return {
    bankReference: credit.bankReference,
    credit,
    financingId: credit.financingId,
    fundedPartyId: account.purpose === 'FUNDER_FUNDING' ? account.ownerPartyId : null,
    exception,
    replayed,
  };
}

const BANK_LINE_KEPT = 'BANK_LINE_KEPT';

/** The feed's line `bankReference`, kept by `exception` (its own, or a parked statement credit the line turned out to be). */
function unbookedOf(bankReference: string, exception: InboundException, replayed: boolean): UnbookedCredit {
  return { bankReference, credit: null, financingId: null, fundedPartyId: null, exception, replayed };
}

/** Books and matches one inbound credit, once per bank reference; a credit the ledger refuses throws (see receiveInboundCredit). */
export async function recordInboundCredit(prisma: PrismaClient, credit: InboundCredit, people: People = {}): Promise<BookedCredit> {
  const existing = await prisma.inboundCredit.findUnique({ where: { bankReference: credit.bankReference } });
  if (existing) return bookedOf(prisma, existing, true);
  try {
    const result = await runTransaction(prisma, (tx) => bookInboundCredit(tx, credit, people), { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS });
    if (result.credit === null) throw keptError(credit.bankReference);
    return result;
  } catch (error) {
    // Two pollers raced on the same credit: the other one booked it.
    if (isUniqueViolation(error)) return bookedOf(prisma, await prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: credit.bankReference } }), true);
    throw error;
  }
}

/**
 * What the poller does with each bank line: books it (recordInboundCredit), and when the
 * ledger refuses that booking, parks the money in suspense as an exception instead, or, when
 * the ledger cannot hold it at all, keeps the bank line as an exception with no booking. Only
 * a failure that says nothing about the credit (the database unreachable) is thrown, so that
 * the poller stops before its cursor passes a line it has not dealt with.
 */
export async function receiveInboundCredit(prisma: PrismaClient, credit: InboundCredit): Promise<InboundResult> {
  const kept = await keptBankLine(prisma, credit.bankReference);
  if (kept) {
    if (claimedByAnotherLine(kept, credit.bankReference)) await noticeClaimedLine(prisma, credit, kept);
    return unbookedOf(credit.bankReference, kept, true);
  }
  let refusal: unknown;
  try {
    return await recordInboundCredit(prisma, credit);
  } catch (error) {
    // Kept between the look above and the booking's lock: answer it as kept.
    if (error instanceof ConflictError && error.code === BANK_LINE_KEPT) return receiveInboundCredit(prisma, credit);
    if (!isRefusal(error)) throw error;
    refusal = error;
  }
  const detail = `the ledger refused the booking: ${(refusal as Error).message}`;
  try {
    return await runTransaction(prisma, (tx) => bookInboundCredit(tx, credit, {}, { reason: 'LEDGER_REFUSED', detail }), { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS });
  } catch (error) {
    if (isUniqueViolation(error)) return receiveInboundCredit(prisma, credit);
    if (!isRefusal(error)) throw error;
  }
  return runTransaction(prisma, (tx) => keepUnbookable(tx, credit, (refusal as Error).message));
}

function keptError(bankReference: string): ConflictError {
  return new ConflictError(BANK_LINE_KEPT, `bank line ${bankReference} is already kept as an inbound exception; it is not booked again`);
}

/**
 * The exception that keeps the feed's bank line `bankReference` with no credit of its own: a
 * line the ledger could not hold, or a statement credit parked in suspense the feed reported and
 * did not book (it stayed parked, or operators had resolved it). A statement credit parked under
 * this reference that the feed has not reported yet keeps nothing: the booking explains it.
 */
async function keptBankLine(db: Tx | PrismaClient, bankReference: string): Promise<InboundException | null> {
  const own = await db.inboundException.findUnique({ where: { bankReference } });
  if (own && own.inboundCreditId === null && own.reason !== 'RECONCILIATION') return own;
  // The statement line of this very reference, parked, which another feed line took by rule 2
  // before this one was reported: its money is this line's, and it was booked out of suspense
  // already. The line is kept, not booked from the bank a second time (operators are told,
  // claimedByAnotherLine).
  if (own && claimedByAnotherLine(own, bankReference) && !(await db.inboundCredit.findUnique({ where: { bankReference }, select: { id: true } }))) return own;
  const explained = own?.feedBankReference === bankReference ? own : await db.inboundException.findUnique({ where: { feedBankReference: bankReference } });
  // The feed's line that moved the parked money out of suspense is a credit, answered as one.
  if (!explained || (await db.inboundCredit.findUnique({ where: { bankReference }, select: { id: true } }))) return null;
  return explained;
}

/** A statement credit parked under `bankReference` that the feed's line of another reference took by rule 2. */
function claimedByAnotherLine(exception: InboundException, bankReference: string): boolean {
  return exception.reason === 'RECONCILIATION' && exception.bankReference === bankReference && exception.feedBankReference !== null && exception.feedBankReference !== bankReference;
}

/**
 * Operators are told about a feed line kept because the statement line of its own reference was
 * taken by another feed line (rule 2): one of the two feed lines is money the ledger has not
 * booked, or the bank reported one payment twice. Nothing is booked until they find out which.
 */
async function noticeClaimedLine(db: PrismaClient, credit: InboundCredit, exception: InboundException): Promise<void> {
  await notifyOperators(
    db,
    {
      kind: 'PARKED_CREDIT_CLAIMED_BY_ANOTHER_LINE',
      subject: `挂账款项已被其他来账认领 ${credit.bankReference} / Parked money taken by another feed line`,
      body:
        `The bank feed reported ${credit.amount} ${credit.currency} to virtual account ${credit.virtualAccountNumber} under bank reference ${credit.bankReference}. ` +
        `The statement line of that reference was parked in suspense (inbound exception ${exception.id}) and was already booked out of suspense for the feed's line ${exception.feedBankReference} ` +
        `(matched by virtual account, amount and value date). Nothing was booked again: find out with the bank whether ${exception.feedBankReference} is another payment, and book it by hand if so.`,
    },
    `inbound:${credit.bankReference}:parked-claimed-by-another-line`,
  );
}

/**
 * A refusal about the credit itself, which booking it again will not cure: a rule of the
 * ledger (a domain error), or a value the database cannot store (SQLSTATE class 22, data
 * exception; class 23, a constraint).
 */
function isRefusal(error: unknown): boolean {
  if (error instanceof DomainError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2000') return true;
  const failure = databaseFailureOf(error);
  return failure !== undefined && (failure.code.startsWith('22') || failure.code.startsWith('23'));
}

/** Where a credit goes: the account it was paid to, or suspense and why. */
interface Route {
  target: LedgerAccount | null;
  financing: Financing | null;
  exception: { reason: InboundExceptionReason; detail: string } | null;
  /** The recourse claim that settled the financing after the bank received this money: the booking allocates it in the claim's place. */
  recourse?: RepaymentAllocation;
  /** The repayments of later value dates that settled the financing after the bank received this money: the booking allocates it before them. */
  settledBy?: RepaymentAllocation[];
}

/**
 * Finds the account a virtual account number belongs to and decides whether the money may go
 * there. The collection account of a financing is read under the financing's row lock:
 * the booking and the financing's own steps (settlement, ending before disbursement) are then
 * ordered, so money never reaches a collection account after the step that closed it. Money the
 * bank received (`money.receivedAt`) before the recourse claim that settled the financing still
 * reaches it: it is the core enterprise's repayment, which the booking allocates in the claim's
 * place; so does money received before later repayments that settled it, which the booking
 * allocates first when running them again after it takes nothing back (its `amount` decides).
 */
async function routeOf(tx: Tx, virtualAccountNumber: string, currency: Currency, money: { amount: Decimal; receivedAt: Date }): Promise<Route> {
  const account = virtualAccountNumber.length <= 32 ? await tx.ledgerAccount.findUnique({ where: { virtualAccountNumber } }) : null;
  if (!account || account.book !== 'MONEY') return { target: null, financing: null, exception: { reason: 'UNKNOWN_ACCOUNT', detail: `no virtual account has the number ${virtualAccountNumber}` } };
  let financing: Financing | null = null;
  if (account.purpose === 'COLLECTION') {
    const owner = await tx.financing.findUnique({ where: { collectionAccountId: account.id }, select: { id: true } });
    if (owner) {
      // Locked for update, whatever its status when read: the booking may allocate into a settled
      // financing (its recourse claim, below), writing it as its steps do, and a financing read
      // as servicing may be settled by the time its lock is granted; a shared lock taken first
      // would have to be raised then, which two such bookings could deadlock on. Credits to one
      // collection account are served one after the other anyway (their accounts' locks).
      await tx.$queryRaw`SELECT id FROM financing WHERE id = ${owner.id}::uuid FOR UPDATE`;
      financing = await tx.financing.findUniqueOrThrow({ where: { id: owner.id } });
    }
  }
  const refuse = (reason: InboundExceptionReason, detail: string): Route => ({ target: null, financing, exception: { reason, detail } });
  if (account.currency !== currency) return refuse('CURRENCY_MISMATCH', `virtual account ${virtualAccountNumber} is a ${account.currency} account`);
  if (financing && CLOSED_BEFORE_APPROVAL.includes(financing.status)) {
    return refuse('FINANCING_ENDED', `financing ${financing.financingNumber} ended ${financing.status} without disbursement: the money is the payer's, for a refund`);
  }
  if (financing?.status === 'SETTLED') {
    const recourse = account.closedAt ? null : await recourseClaimedAfter(tx, financing.id, money.receivedAt);
    if (recourse) return { target: account, financing, exception: null, recourse };
    const settledBy = account.closedAt ? [] : await repaymentsSettledAfter(tx, financing, money);
    if (settledBy.length > 0) return { target: account, financing, exception: null, settledBy };
    return refuse('FINANCING_SETTLED', `financing ${financing.financingNumber} is settled: unapplied cash, to refund to the payer or apply`);
  }
  if (account.closedAt) return refuse('ACCOUNT_CLOSED', `virtual account ${virtualAccountNumber} was closed on ${account.closedAt.toISOString()}`);
  return { target: account, financing, exception: null };
}

/** The platform's accounts an inbound credit passes through, in its currency; null when the platform has none in it. */
async function inboundAccountsOf(tx: Tx, currency: Currency): Promise<{ escrowBank: string; inboundClearing: string; suspense: string } | null> {
  const escrowBank = await findAccountByCode(tx, platformAccountCode('ESCROW_BANK', currency));
  const clearing = await findAccountByCode(tx, platformAccountCode('INBOUND_CLEARING', currency));
  const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
  return escrowBank && clearing && suspense ? { escrowBank: escrowBank.id, inboundClearing: clearing.id, suspense: suspense.id } : null;
}

/**
 * The booking itself, inside the caller's transaction: receipt into clearing, then the match,
 * or suspense with an exception. `park` sends it to suspense whatever the route (the ledger
 * refused the match).
 */
async function bookInboundCredit(tx: Tx, credit: InboundCredit, people: People, park?: { reason: InboundExceptionReason; detail: string }): Promise<InboundResult> {
  // Pollers racing for the same bank line queue here, and the later ones find the first one's
  // booking instead of all posting to the same hot accounts only to lose on the keys.
  // The posting's effective time is the bank's receipt time; a bank clock running ahead of
  // ours is held to the ledger's bound (ledger.effective_at_lead_max) rather than refused:
  // money must be booked whatever the bank's clock says, and the credit keeps the bank's time.
  // A credit the bank reports after its accounting day closed is booked likewise, at the first
  // open instant (inOpenDay below), while the credit row keeps the bank's receipt time.
  const [{ effectiveAt }] = await tx.$queryRaw<[{ effectiveAt: Date }]>`
    SELECT pg_advisory_xact_lock(hashtextextended(${bankLineLockKey(credit.bankReference)}, 0))::text AS "locked",
           least(${credit.receivedAt}::timestamptz, now() + ledger_effective_at_lead_max()) AS "effectiveAt"`;
  const booked = await tx.inboundCredit.findUnique({ where: { bankReference: credit.bankReference } });
  if (booked) return bookedOf(tx, booked, true);
  // A bank line kept as an exception with no credit already has its money where it belongs, or
  // none the ledger can hold: under the lock, so that a poller that looked just before it was
  // kept does not book it a second time.
  if (await keptBankLine(tx, credit.bankReference)) throw keptError(credit.bankReference);
  if (!isCurrency(credit.currency)) throw ValidationError.field(['currency'], `currency ${credit.currency} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  const currency: Currency = credit.currency;
  const { amount } = validateAmount(credit.amount, currency);
  // The statement may have shown this money first and operators parked it in suspense: then the
  // bank's money is in the ledger already, and taking it from the bank again would count it
  // twice. The parked credit's row is locked before the route's financing and the accounts, the
  // order the exception's own resolutions take. Before it, the money lock of this virtual account,
  // currency and amount, which an operator's parking of a statement line takes too (a line the
  // feed's credit matches by rule 2 has another bank reference, so the lock above does not meet
  // it): the parking and this booking are served one after the other, and the second finds the
  // first's.
  await lockCreditMoney(tx, { virtualAccountNumber: credit.virtualAccountNumber, currency, amount: formatAmount(amount, currency) });
  const parked = await findParkedStatementCredit(tx, { bankReference: credit.bankReference, virtualAccountNumber: credit.virtualAccountNumber, amount, currency, receivedAt: credit.receivedAt });
  let accounts = await inboundAccountsOf(tx, currency);
  let opened = false;
  if (!accounts) {
    // The bank holds money in a currency the platform keeps no books in yet: the books are
    // opened so that the money is recorded where it is (the escrow account) and whose it is
    // not yet (suspense), rather than refused and left out of the ledger.
    await ensurePlatformAccounts(tx, currency);
    accounts = (await inboundAccountsOf(tx, currency))!;
    opened = true;
  }
  const route = await routeOf(tx, credit.virtualAccountNumber, currency, { amount, receivedAt: credit.receivedAt });
  if (parked) {
    const waiting = parked.exception.status !== 'RESOLVED' && parked.sameMoney;
    const partRefunded = waiting && !heldWhole(parked);
    if (waiting && !partRefunded && !park && !route.exception) return bookOutOfSuspense(tx, credit, people, parked, { amount, currency, effectiveAt, suspense: accounts.suspense, route });
    return keepParked(tx, credit, parked, route, partRefunded);
  }
  let exception = park ?? route.exception;
  if (exception && opened) exception = { reason: 'NO_ACCOUNTS_IN_CURRENCY', detail: `the platform had no ${currency} accounts; ${exception.detail}` };
  const target = exception ? accounts.suspense : route.target!.id;
  const financing = route.financing;
  // Both postings' accounts, locked at once in the ledger's global order (ledger/locks.ts); and
  // every account of the financing when the money is allocated into the settled financing.
  if (intoSettled(route) && !exception) await lockFinancingAccounts(tx, financing!, [accounts.escrowBank, accounts.inboundClearing, accounts.suspense]);
  else await lockAccounts(tx, [accounts.escrowBank, accounts.inboundClearing, target]);
  const metadata: Record<string, unknown> = { bankReference: credit.bankReference, virtualAccountNumber: credit.virtualAccountNumber };
  if (financing) metadata.financingId = financing.id;
  await postTransaction(tx, {
    idempotencyKey: `inbound:${credit.bankReference}:receipt`,
    code: 'INBOUND_RECEIPT',
    description: `来账 ${credit.payerName}`,
    effectiveAt,
    inOpenDay: true,
    metadata,
    entries: postingEntries('INBOUND_RECEIPT', amount, currency, { escrowBank: accounts.escrowBank, inboundClearing: accounts.inboundClearing }),
  });
  const match = await postTransaction(tx, {
    idempotencyKey: `inbound:${credit.bankReference}:match`,
    code: exception ? 'INBOUND_SUSPENSE' : 'INBOUND_MATCH',
    description: exception ? `挂账 ${exception.reason} ${credit.virtualAccountNumber}` : `入账 ${credit.virtualAccountNumber}`,
    effectiveAt,
    inOpenDay: true,
    metadata: exception ? { ...metadata, exception: exception.reason } : metadata,
    entries: postingEntries('INBOUND_MATCH', amount, currency, { inboundClearing: accounts.inboundClearing, target }),
  });
  const row = await tx.inboundCredit.create({
    data: {
      bankReference: credit.bankReference,
      // A number longer than any account's (parked as UNKNOWN_ACCOUNT) is kept whole on its exception.
      virtualAccountNumber: credit.virtualAccountNumber.slice(0, 32),
      amount: formatAmount(amount, currency),
      currency,
      payerName: credit.payerName.slice(0, 200),
      payerAccountNumber: credit.payerAccountNumber.slice(0, 32),
      remittanceInformation: credit.remittanceInformation.slice(0, 200),
      receivedAt: credit.receivedAt,
      outcome: exception ? 'SUSPENSE' : 'MATCHED',
      accountId: target,
      // Money parked from a financing's collection account is not the financing's to allocate.
      financingId: exception ? null : (financing?.id ?? null),
      transactionId: match.transactionId,
      recordedByUserId: people.recordedByUserId ?? null,
      approvedByUserId: people.approvedByUserId ?? null,
    },
  });
  if (exception) await tx.inboundException.create({ data: { ...bankLineOf(credit), reason: exception.reason, detail: exception.detail.slice(0, 500), inboundCreditId: row.id, financingId: financing?.id ?? null, heldAmount: formatAmount(amount, currency) } });
  else if (intoSettled(route)) await allocateIntoSettled(tx, route, { id: row.id, amount, receivedAt: credit.receivedAt });
  // An operator may have recorded this money as an offline receipt before the feed reported it: it is this line.
  else await matchExpectedReceipt(tx, row);
  if (!exception) await recordCreditWakeUps(tx, credit.bankReference, route, currency);
  return bookedOf(tx, row, false);
}

/** Whether the booking allocates the money into its settled financing itself (no servicing step wakes for one). */
function intoSettled(route: Route): boolean {
  return route.recourse !== undefined || route.settledBy !== undefined;
}

/**
 * Money booked into a settled financing's collection account, allocated in the booking's
 * transaction: in the place of the recourse claim, or before the later repayments, that settled it.
 */
async function allocateIntoSettled(tx: Tx, route: Route, credit: { id: string; amount: Decimal; receivedAt: Date }): Promise<void> {
  const financingId = route.financing!.id;
  if (route.recourse) await allocateCreditBeforeRecourse(tx, financingId, credit, await clockAfter(tx, [route.recourse]));
  else await allocateCreditBeforeSettlement(tx, financingId, credit, await clockAfter(tx, route.settledBy!));
}

/**
 * When money booked now is allocated in a settled financing: the database's clock, and never
 * before the allocations it changes (a workflow's clock may run ahead of the database's), so that
 * what goes back to the supplier or the payer is never dated before what was paid.
 */
async function clockAfter(tx: Tx, changed: RepaymentAllocation[]): Promise<Date> {
  const [{ now }] = await tx.$queryRaw<[{ now: Date }]>`SELECT now() AS "now"`;
  return changed.reduce((latest, row) => (latest.getTime() < row.allocatedAt.getTime() ? row.allocatedAt : latest), now);
}

async function recordCreditWakeUps(tx: Tx, bankReference: string, route: Route, currency: Currency): Promise<void> {
  await recordMoneyWakeUps(tx, `inbound:${bankReference}`, { financingId: route.financing?.id ?? null, account: route.target!, currency });
}

/**
 * What money that reached `account` calls for, in the transaction that books it (the wake-ups
 * exist exactly when the money does): the financing it repays is woken; a funder's funding
 * account first pays what the funder owes (the money is theirs before it funds anything), then
 * wakes the financings waiting for its money.
 */
export async function recordMoneyWakeUps(
  tx: Tx,
  cause: string,
  { financingId, account, currency }: { financingId: string | null; account: Pick<LedgerAccount, 'id' | 'purpose' | 'ownerPartyId' | 'currency'>; currency: string },
): Promise<void> {
  if (financingId) await recordWakeUps(tx, [{ financingId, signal: 'REPAYMENT_RECEIVED', cause }]);
  if (account.purpose === 'FUNDER_FUNDING' && account.ownerPartyId) {
    await payWhatFundersOwe(tx, account, cause);
    await recordWakeUps(tx, await fundingWakeUpsFor(tx, account.ownerPartyId, currency, cause));
  }
}

/**
 * The feed's credit is a statement credit operators parked in suspense and have not resolved
 * yet: the money moves out of suspense into the account it was paid to (one posting, keyed as
 * the credit's match, so once), never from the bank again. The credit is recorded as any matched
 * credit, and everything a credit triggers follows as for any other (an expected offline receipt
 * matched, a financing's repayment or a funder's funding woken). The parked exception is
 * RESOLVED by that posting (a proposal waiting on it is withdrawn: the bank's own line said whose
 * the money is) and names the feed's line; the statement line's item is MATCHED to the credit,
 * so that no other statement line or ledger-only check counts it again.
 */
async function bookOutOfSuspense(
  tx: Tx,
  credit: InboundCredit,
  people: People,
  parked: ParkedStatementCredit,
  booking: { amount: Decimal; currency: Currency; effectiveAt: Date; suspense: string; route: Route },
): Promise<BookedCredit> {
  const { amount, currency, route } = booking;
  const target = route.target!;
  const financing = route.financing;
  if (intoSettled(route)) await lockFinancingAccounts(tx, financing!, [booking.suspense]);
  else await lockAccounts(tx, [booking.suspense, target.id]);
  const exceptionId = parked.exception.id;
  const metadata: Record<string, unknown> = {
    bankReference: credit.bankReference,
    virtualAccountNumber: credit.virtualAccountNumber,
    exceptionId,
    reconciliationItemId: parked.itemId,
    statementBankReference: parked.statementBankReference,
    ...(financing ? { financingId: financing.id } : {}),
  };
  const match = await postTransaction(tx, {
    idempotencyKey: `inbound:${credit.bankReference}:match`,
    code: 'SUSPENSE_APPLIED',
    description: `挂账转入 ${parked.statementBankReference} = ${credit.bankReference} → ${credit.virtualAccountNumber}`.slice(0, 500),
    // Out of suspense no earlier than the parking put it there: suspense is never short.
    effectiveAt: booking.effectiveAt < parked.parkedAt ? parked.parkedAt : booking.effectiveAt,
    inOpenDay: true,
    metadata,
    entries: transfer(booking.suspense, target.id, amount, currency),
  });
  const held = formatAmount(amount, currency);
  const row = await tx.inboundCredit.create({
    data: {
      bankReference: credit.bankReference,
      virtualAccountNumber: credit.virtualAccountNumber.slice(0, 32),
      amount: held,
      currency,
      payerName: credit.payerName.slice(0, 200),
      payerAccountNumber: credit.payerAccountNumber.slice(0, 32),
      remittanceInformation: credit.remittanceInformation.slice(0, 200),
      receivedAt: credit.receivedAt,
      outcome: 'MATCHED',
      accountId: target.id,
      financingId: financing?.id ?? null,
      transactionId: match.transactionId,
      recordedByUserId: people.recordedByUserId ?? null,
      approvedByUserId: people.approvedByUserId ?? null,
    },
  });
  await tx.inboundException.update({
    where: { id: exceptionId },
    data: {
      status: 'RESOLVED',
      resolutionKind: 'APPLY',
      applyToAccountId: target.id,
      refundPayoutId: null,
      proposalNote: null,
      makerUserId: null,
      proposedAt: null,
      checkerUserId: null,
      resolutionTransactionId: match.transactionId,
      resolvedAt: match.effectiveAt,
      feedBankReference: credit.bankReference,
    },
  });
  await matchParkedLine(tx, parked, { id: row.id, bankReference: credit.bankReference }, match);
  if (intoSettled(route)) await allocateIntoSettled(tx, route, { id: row.id, amount, receivedAt: credit.receivedAt });
  await matchExpectedReceipt(tx, row);
  await recordCreditWakeUps(tx, credit.bankReference, route, currency);
  return bookedOf(tx, row, false);
}

/**
 * Whether suspense still holds the whole of the parked line for its exception: not when a refund
 * of it reached the payer and the payer's bank sent back only part (reopenRefundedException).
 */
function heldWhole(parked: ParkedStatementCredit): boolean {
  const { heldAmount, amount } = parked.exception;
  return heldAmount !== null && heldAmount.equals(amount);
}

/**
 * The feed's credit is a statement credit already parked in suspense that stays where it is:
 * nothing is booked, and the parked exception names the feed's line, which is kept by it from
 * now on. Either the money cannot reach the account it was paid to (the route parks it: it stays
 * parked, for the operators as before), or operators have already resolved the parked money
 * (applied, refunded or written off): it left suspense once and the bank holds it once. Unless
 * it went to the very account the feed names, the operators are told that the payer meant that
 * account, for a person to put right (a ledger adjustment, or the refund's payer asked). The
 * feed's line of the statement line's bank reference with another amount is kept likewise, and
 * told: which of the bank's records is right is for a person to find out. So is parked money a
 * refund took out of suspense and the payer's bank sent back only in part (`partRefunded`): the
 * rest is the payer's, and what came back waits for the operators under its exception.
 */
async function keepParked(tx: Tx, credit: InboundCredit, parked: ParkedStatementCredit, route: Route, partRefunded: boolean): Promise<UnbookedCredit> {
  const exception = await tx.inboundException.update({ where: { id: parked.exception.id }, data: { feedBankReference: credit.bankReference } });
  if (partRefunded) {
    const cameBack = `${formatAmount(toDecimal(parked.exception.heldAmount ?? 0), parked.exception.currency as Currency)} ${parked.exception.currency}`;
    await notifyOperators(
      tx,
      {
        kind: 'PARKED_CREDIT_REPORTED_PART_REFUNDED',
        subject: `部分退款后的挂账款项到账 ${parked.statementBankReference} / Parked money reported after part of it was refunded`,
        body:
          `The bank feed reported ${credit.amount} ${credit.currency} to virtual account ${credit.virtualAccountNumber} (bank reference ${credit.bankReference}). ` +
          `It is statement line ${parked.statementBankReference}, parked in suspense by the resolution of reconciliation item ${parked.itemId} (inbound exception ${parked.exception.id}); ` +
          `a refund of it reached the payer and ${cameBack} came back, which suspense holds. ` +
          `Nothing was booked: the rest is the payer's. Decide what to do with what came back (apply it to the account paid, or refund it again).`,
      },
      `inbound:${credit.bankReference}:parked-part-refunded`,
    );
    return unbookedOf(credit.bankReference, exception, false);
  }
  if (!parked.sameMoney) {
    await notifyOperators(
      tx,
      {
        kind: 'PARKED_CREDIT_REPORTED_DIFFERENTLY',
        subject: `挂账款项金额不符 ${parked.statementBankReference} / Parked money reported with another amount`,
        body:
          `The bank feed reported ${credit.amount} ${credit.currency} to virtual account ${credit.virtualAccountNumber} under bank reference ${credit.bankReference}; ` +
          `the statement showed ${parked.exception.amount} ${parked.exception.currency} under it, parked in suspense by the resolution of reconciliation item ${parked.itemId} ` +
          `(inbound exception ${parked.exception.id}). Nothing was booked again: find out with the bank which is right.`,
      },
      `inbound:${credit.bankReference}:parked-reported-differently`,
    );
    return unbookedOf(credit.bankReference, exception, false);
  }
  const resolved = parked.exception.status === 'RESOLVED';
  if (resolved && !(parked.exception.resolutionKind === 'APPLY' && route.target && parked.exception.applyToAccountId === route.target.id)) {
    const what = RESOLVED_AS[parked.exception.resolutionKind ?? 'APPLY'];
    await notifyOperators(
      tx,
      {
        kind: 'PARKED_CREDIT_REPORTED_AFTER_RESOLUTION',
        subject: `已处理的挂账款项到账 ${parked.statementBankReference} / Parked money reported after it was resolved`,
        body:
          `The bank feed reported ${credit.amount} ${credit.currency} to virtual account ${credit.virtualAccountNumber} (bank reference ${credit.bankReference}). ` +
          `It is statement line ${parked.statementBankReference}, which was parked in suspense by the resolution of reconciliation item ${parked.itemId} and already ${what} ` +
          `(inbound exception ${parked.exception.id}). Nothing was booked again: check whether the money reached the party it was paid to, and correct it if not.`,
      },
      `inbound:${credit.bankReference}:parked-already-resolved`,
    );
  }
  return unbookedOf(credit.bankReference, exception, false);
}

const RESOLVED_AS: Record<NonNullable<InboundException['resolutionKind']>, string> = {
  APPLY: 'applied to another account',
  REFUND: 'refunded to the payer',
  WRITE_OFF: 'written off',
};

/** Ledger transactions read at a time while a collection account is emptied (a page, then the next). */
const COLLECTION_SOURCES_PAGE_MAX = 100;

/** One ledger transaction that put money in a collection account, with what it put there. */
interface CollectionSource {
  transactionId: string;
  code: string;
  effectiveAt: Date;
  sequence: bigint;
  amount: string;
  /** The inbound exception its metadata names, when it moved money out of suspense. */
  exceptionId: string | null;
}

/** Where the money of one collection source came from, as far as the platform knows it. */
interface CollectionProvenance {
  /** The park posting's idempotency key: one per source, so the money moves to suspense once. */
  idempotencyKey: string;
  /** The bank line kept on the exception; its bankReference is the exception's own (unique). */
  line: InboundCredit;
  inboundCreditId: string | null;
  /** Said on the exception after the caller's detail: where the money came from. */
  whence: string;
}

/**
 * A financing ended without disbursement: whatever its collection account holds is the payers',
 * not the financing's. Nothing is ever allocated from the account before disbursement, so what it
 * holds is what came in: credits the feed booked there (a payer who paid before the financing
 * ended, or a statement credit operators had parked in suspense, booked out of it by the feed),
 * money operators applied there from suspense with four eyes, or anything a person posted there.
 * Each ledger transaction that put money there is moved to suspense by one posting and kept as
 * its own exception, carrying what is known of the money's bank line (payer, payer's account,
 * bank reference, receipt time) so that it can be refunded to the payer or applied elsewhere;
 * inside the caller's transaction (the decision that ended the financing, which then closes the
 * account). Each source's posting is keyed by the source (a credit by its bank reference, as it
 * always was; anything else by its transaction), and a source already parked is passed over.
 * The account is empty afterwards, or this throws: it is never closed with money in it.
 *
 * The caller holds the financing's row lock for update; the feed's booking (routeOf), the
 * feed's booking out of suspense and an operator's applying (applicableAccount) read the
 * financing under a shared lock of that row, so each of them is either committed before this
 * reads the account (and its money is moved here) or waits and finds the financing ended: the
 * feed parks its credit itself (FINANCING_ENDED), a parked statement credit stays parked, and an
 * operator's applying is refused, the money still in suspense. Any other posting to the account
 * waits on the account's row lock taken here, and then finds the account closed (LG005).
 */
export async function parkCollectionOf(tx: Tx, financing: Financing, reason: InboundExceptionReason, detail: string, now: Date): Promise<InboundException[]> {
  const collectionId = financing.collectionAccountId;
  if (!collectionId) return [];
  const currency = financing.currency as Currency;
  const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
  await lockAccounts(tx, suspense ? [collectionId, suspense.id] : [collectionId]);
  // A bank's reversal froze some of it: the whole balance moves, and the recovery finds it in suspense.
  await releaseReversalHoldsOn(tx, collectionId, now);
  let left = (await getBalance(tx, collectionId)).posted;
  const parked: InboundException[] = [];
  if (left.isZero()) return parked;
  if (!suspense) throw new Error(`the platform has no ${currency} suspense account to park the ${formatAmount(left, currency)} of collection account ${collectionId}`);
  const collection = await tx.ledgerAccount.findUniqueOrThrow({ where: { id: collectionId } });
  const account = { id: collectionId, number: collection.virtualAccountNumber ?? collection.code.slice(0, 64), currency };
  let after = -1n;
  while (left.gt(0)) {
    const page = await collectionSourcesOf(tx, collectionId, after);
    for (const source of page) {
      after = source.sequence;
      if (left.lte(0)) break;
      const from = await provenanceOf(tx, account, source);
      if (await tx.ledgerTransaction.findUnique({ where: { idempotencyKey: from.idempotencyKey }, select: { id: true } })) continue;
      // Less than the source brought only when something else took money out of the account (a
      // manual adjustment): what is left is what is parked, and nothing is parked twice.
      const amount = Decimal.min(toDecimal(source.amount), left);
      await postTransaction(tx, {
        idempotencyKey: from.idempotencyKey,
        code: 'INBOUND_SUSPENSE',
        description: `挂账 ${reason} ${account.number}`,
        // Out of the account no earlier than the money came in.
        effectiveAt: source.effectiveAt > now ? source.effectiveAt : now,
        inOpenDay: true,
        metadata: { bankReference: from.line.bankReference, virtualAccountNumber: account.number, financingId: financing.id, exception: reason, sourceTransactionId: source.transactionId },
        entries: transfer(collectionId, suspense.id, amount, currency),
      });
      parked.push(
        await tx.inboundException.create({
          data: { ...bankLineOf(from.line), reason, detail: `${detail}${from.whence}`.slice(0, 500), inboundCreditId: from.inboundCreditId, financingId: financing.id, heldAmount: formatAmount(amount, currency) },
        }),
      );
      left = left.minus(amount);
    }
    if (page.length < COLLECTION_SOURCES_PAGE_MAX) break;
  }
  const still = (await getBalance(tx, collectionId)).posted;
  if (!still.isZero()) throw new Error(`collection account ${collection.code} still holds ${formatAmount(still, currency)} after its money was parked: it must not be closed with money in it`);
  return parked;
}

/** The transactions that put money in the account (credited more than debited), oldest first, after ledger sequence `after`. */
async function collectionSourcesOf(tx: Tx, accountId: string, after: bigint): Promise<CollectionSource[]> {
  return tx.$queryRaw<CollectionSource[]>`
    SELECT t.id::text AS "transactionId", t.code, t.effective_at AS "effectiveAt", t.sequence,
           sum(CASE WHEN e.direction = 'CREDIT' THEN e.amount ELSE -e.amount END)::text AS amount,
           t.metadata ->> 'exceptionId' AS "exceptionId"
      FROM ledger_entry e
      JOIN ledger_transaction t ON t.id = e.transaction_id
     WHERE e.account_id = ${accountId}::uuid AND t.sequence > ${after}
     GROUP BY t.id
    HAVING sum(CASE WHEN e.direction = 'CREDIT' THEN e.amount ELSE -e.amount END) > 0
     ORDER BY t.sequence
     LIMIT ${COLLECTION_SOURCES_PAGE_MAX}`;
}

/**
 * Where a source's money came from. A credit the feed booked into the account: its own bank
 * line, under its own bank reference, unless an exception holds that reference already (the
 * statement line operators parked, which the feed then booked out of suspense under the same
 * reference): then under `collection:<transaction id>`, with the credit linked and the parked
 * line's payer where the feed named none. Money operators applied from suspense: the bank line
 * of the exception it left (payer, account, reference and receipt time, said in the detail too),
 * under `collection:<transaction id>`. Anything else: no payer bank line, to be applied rather
 * than refunded.
 */
async function provenanceOf(tx: Tx, account: { id: string; number: string; currency: Currency }, source: CollectionSource): Promise<CollectionProvenance> {
  const derived = `collection:${source.transactionId}`;
  const named = source.exceptionId && isUuid(source.exceptionId) ? await tx.inboundException.findUnique({ where: { id: source.exceptionId } }) : null;
  // The exception whose money this transaction took out of suspense (its resolution), if any.
  const applied = named?.resolutionTransactionId === source.transactionId ? named : null;
  const credit = await tx.inboundCredit.findFirst({ where: { accountId: account.id, transactionId: source.transactionId } });
  if (credit) {
    const taken = await tx.inboundException.findUnique({ where: { bankReference: credit.bankReference }, select: { id: true } });
    const orParked = (own: string, parked: string | undefined) => (own.trim() === '' && parked ? parked : own);
    return {
      idempotencyKey: `inbound:${credit.bankReference}:park`,
      line: {
        bankReference: taken ? derived : credit.bankReference,
        virtualAccountNumber: credit.virtualAccountNumber,
        amount: formatAmount(toDecimal(credit.amount), account.currency),
        currency: credit.currency,
        payerName: orParked(credit.payerName, applied?.payerName),
        payerAccountNumber: orParked(credit.payerAccountNumber, applied?.payerAccountNumber),
        remittanceInformation: orParked(credit.remittanceInformation, applied?.remittanceInformation),
        receivedAt: credit.receivedAt,
      },
      inboundCreditId: credit.id,
      whence: applied ? ` It is the feed's bank line ${credit.bankReference}, booked here out of suspense, where statement line ${applied.bankReference} had been parked (inbound exception ${applied.id}).` : '',
    };
  }
  if (applied) {
    const { virtualAccountNumber, amount, currency, payerName, payerAccountNumber, remittanceInformation, receivedAt } = applied;
    return {
      idempotencyKey: `${derived}:park`,
      line: { bankReference: derived, virtualAccountNumber, amount, currency, payerName, payerAccountNumber, remittanceInformation, receivedAt },
      inboundCreditId: null,
      whence: ` It is bank line ${applied.bankReference} paid to ${virtualAccountNumber} and received ${receivedAt.toISOString()}, applied here from suspense (inbound exception ${applied.id}).`,
    };
  }
  return {
    idempotencyKey: `${derived}:park`,
    line: { bankReference: derived, virtualAccountNumber: account.number, amount: formatAmount(toDecimal(source.amount), account.currency), currency: account.currency, payerName: '', payerAccountNumber: '', remittanceInformation: '', receivedAt: source.effectiveAt },
    inboundCreditId: null,
    whence: ` It came by ${source.code} transaction ${source.transactionId}, without a payer bank line: it can be applied, not refunded.`,
  };
}

/** The bank line as the bank reported it, cut to the columns' lengths. */
function bankLineOf(credit: InboundCredit) {
  return {
    bankReference: credit.bankReference,
    virtualAccountNumber: credit.virtualAccountNumber.slice(0, 64),
    amount: credit.amount.slice(0, 64),
    currency: credit.currency.slice(0, 8),
    payerName: credit.payerName.slice(0, 200),
    payerAccountNumber: credit.payerAccountNumber.slice(0, 32),
    remittanceInformation: credit.remittanceInformation.slice(0, 200),
    receivedAt: credit.receivedAt,
  };
}

/** A bank line the ledger cannot hold: kept as an exception, with nothing booked, so an operator sees it and the poller goes on. */
async function keepUnbookable(tx: Tx, credit: InboundCredit, why: string): Promise<UnbookedCredit> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${bankLineLockKey(credit.bankReference)}, 0))::text`;
  const kept = await tx.inboundException.findUnique({ where: { bankReference: credit.bankReference } });
  if (kept) return unbookedOf(credit.bankReference, kept, true);
  const exception = await tx.inboundException.create({ data: { ...bankLineOf(credit), reason: 'NOT_BOOKABLE', detail: `the ledger cannot hold this credit: ${why}`.slice(0, 500) } });
  return unbookedOf(credit.bankReference, exception, false);
}

const INBOUND_CURSOR = 'inbound-credits';
/** Bank lines read per poll; the next poll goes on from the cursor. */
export const INBOUND_PAGE_SIZE_MAX = 100;

/**
 * Reads the bank's new inbound credits from where the last poll stopped and deals with each
 * one (receiveInboundCredit). The cursor is saved after the page: a crash in between re-reads
 * the page, and the bank references make that harmless.
 */
export async function pollInboundCredits(prisma: PrismaClient, bank: BankAdapter, pageSize = INBOUND_PAGE_SIZE_MAX): Promise<InboundResult[]> {
  const saved = await prisma.bankCursor.findUnique({ where: { name: INBOUND_CURSOR } });
  const page = await bank.listInboundCredits(saved?.cursor ?? null, pageSize);
  const results: InboundResult[] = [];
  for (const credit of page.credits) results.push(await receiveInboundCredit(prisma, credit));
  if (page.cursor !== (saved?.cursor ?? null)) {
    await prisma.bankCursor.upsert({ where: { name: INBOUND_CURSOR }, update: { cursor: page.cursor, updatedAt: new Date() }, create: { name: INBOUND_CURSOR, cursor: page.cursor } });
  }
  return results;
}

