import { businessDateOf, dateColumn, isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import { LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertMayRetryPayout } from '../../domain/financing-rules';
import { disbursementPostings, postingEntries } from '../../domain/ledger-rules';
import { formatAmount, type Currency, type Decimal } from '../../domain/money';
import { priceAtDisbursement, type DisbursementPrice, type Quote } from '../../domain/pricing';
import { validateBankAccount, type BankAccountInput } from '../../domain/party-rules';
import type { Financing, PartyBankAccount, Payout, PrismaClient, ProgramTerms } from '../client';
import { financingAccounts, lockFinancing, lockFinancingAccounts, moveFinancing, MONEY_TRANSACTION_TIMEOUT_MS, openPenaltyAccount, type FinancingAccounts } from './financing-ledger';
import { getBalance } from './ledger/balances';
import { releaseFinancing } from './financing-store';
import { openEffectiveAt } from './ledger/accounting-days';
import { getHold, postHold, reserveHold, voidHold } from './ledger/holds';
import { lockAccounts } from './ledger/locks';
import { postTransaction } from './ledger/postings';
import { assertProceedsLeftToPayAgain, proceedsOfFinancingAwaitingRetry } from './payout-store';
import { isOperator, type Actor } from '../../domain/actor';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { payWhatFundersOwe } from './owed-by-funder';
import { currentPayoutAccount } from './payout-account-store';
import { assignVoucherPartAtDisbursement } from './voucher-financing-store';

// Disbursement (放款): the funder's money is reserved, posted to the supplier net of the
// discount and fees, and paid out to the supplier's bank account through the bank adapter.
// Rules of the trade kept here: a payout has one reference for all its retries; money paid
// out is in transit, not balance, until the bank settles it; a failed or returned payout puts
// the money back in the supplier's virtual account and waits for a person.

function figuresOf(financing: Pick<Financing, 'principal' | 'interest' | 'fees'>, interestMode: 'UPFRONT' | 'ARREARS') {
  return {
    principal: toDecimal(financing.principal),
    upfrontInterest: interestMode === 'UPFRONT' ? toDecimal(financing.interest) : toDecimal(0),
    fees: toDecimal(financing.fees),
  };
}

/** The financing's price if its money moves on `date` (docs/pricing.md, "Repricing at disbursement"). */
function priceOn(financing: Financing, terms: ProgramTerms, date: IsoDate): DisbursementPrice {
  return priceAtDisbursement(toDecimal(financing.principal), date, isoDateOfColumn(financing.dueDate), {
    currency: financing.currency as Currency,
    annualRate: toDecimal(terms.annualRate),
    dayCount: terms.dayCount,
    interestMode: terms.interestMode,
    flatFee: toDecimal(terms.flatFee),
    feeRate: toDecimal(terms.feeRate),
    tenorDaysMin: terms.tenorDaysMin,
  });
}

/** The figures a financing is stored with once priced at its value date: what the postings and what is owed follow. */
function pricedFigures(quote: Quote) {
  return {
    valueDate: dateColumn(quote.valueDate),
    tenorDays: quote.tenorDays,
    interest: quote.interest.toFixed(),
    fees: quote.fees.toFixed(),
    netDisbursement: quote.netDisbursement.toFixed(),
    repaymentAtMaturity: quote.repaymentAtMaturity.toFixed(),
    effectiveAnnualRate: quote.effectiveAnnualRate.toFixed(),
  };
}

/**
 * The funding hold's key. A hold reserved at the quoted value date keeps the key it always had;
 * one reserved on a later day (after a re-price) is keyed by that day, so it is a reservation of
 * its own and not a replay of the one voided before it.
 */
function fundingHoldKey(financing: Financing, valueDate: IsoDate): string {
  return valueDate === isoDateOfColumn(financing.quotedValueDate) ? `financing:${financing.id}:funding` : `financing:${financing.id}:funding:${valueDate}`;
}

/**
 * A financing whose money can no longer move in time (its due date is on or before the day it
 * would, or inside the program's minimum tenor) is not disbursed: it expires, in the caller's
 * transaction, with its funding hold (if any) and its limit holds voided and the receivable
 * released, exactly as a financing that expires before approval. The money its hold frees pays
 * first what the funder owes suppliers and payers, as a credit to the account would.
 */
async function expireUndisbursable(tx: Tx, financing: Financing, reason: string, now: Date): Promise<void> {
  const { fundingHoldId } = financing;
  if (fundingHoldId) await voidHold(tx, { holdId: fundingHoldId, idempotencyKey: `financing:${financing.id}:funding-release:${fundingHoldId}` }, now);
  await moveFinancing(tx, financing, 'EXPIRED', reason, now, { closedReason: reason, fundingHoldId: null });
  await releaseFinancing(tx, financing, null, now);
  if (!fundingHoldId) return;
  const { funderFunding } = await financingAccounts(tx, financing);
  await lockAccounts(tx, [funderFunding]);
  await payWhatFundersOwe(tx, { id: funderFunding, ownerPartyId: financing.funderPartyId, currency: financing.currency }, `hold-released:${fundingHoldId}`);
}

export type FundingResult =
  | { reserved: true }
  | { reserved: false; expired?: false; needed: string; available: string; fundingDeadline: Date }
  /** Too late to move the money: the financing expired and everything it held was released. */
  | { reserved: false; expired: true; reason: string };

/**
 * Reserves the advance on the funder's funding account with a hold (冻结), priced as if the
 * money moved today: the supplier is charged interest from the day it does, never from the day
 * it applied. When the account is short, the financing waits in FUNDING_PENDING until
 * `fundingDeadline`, and this is called again after each top-up; a financing that can no longer
 * run the program's minimum tenor from today expires instead. The hold and the financing's note
 * of it are one transaction, so a repeat finds the hold.
 */
export async function reserveFunding(prisma: PrismaClient, financingId: string, fundingWindowMs: number, now = new Date()): Promise<FundingResult> {
  let needed: { amount: string; currency: Currency; funderFunding: string } | null = null;
  try {
    return await runTransaction(prisma, async (tx): Promise<FundingResult> => {
      const financing = await lockFinancing(tx, financingId);
      if (financing.fundingHoldId) return { reserved: true };
      // A repeat of a step that expired it (its answer lost with the worker): the same answer.
      if (financing.status === 'EXPIRED' && financing.closedReason) return { reserved: false, expired: true, reason: financing.closedReason };
      if (financing.status !== 'APPROVED' && financing.status !== 'FUNDING_PENDING') throw new WrongStateError(`cannot fund a financing that is ${financing.status}`, financing.status);
      const terms = await tx.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
      const price = priceOn(financing, terms, businessDateOf(now));
      if (!price.disbursable) {
        await expireUndisbursable(tx, financing, price.reason, now);
        return { reserved: false, expired: true, reason: price.reason };
      }
      const currency = financing.currency as Currency;
      const accounts = await financingAccounts(tx, financing);
      const postings = disbursementPostings(figuresOf(price.quote, terms.interestMode), currency, accounts);
      needed = { amount: postings.hold.amount, currency, funderFunding: accounts.funderFunding };
      const hold = await reserveHold(
        tx,
        { idempotencyKey: fundingHoldKey(financing, price.quote.valueDate), code: 'DISBURSEMENT_FUNDING', ...postings.hold, metadata: { financingId, valueDate: price.quote.valueDate } },
        now,
      );
      await tx.financing.update({ where: { id: financingId }, data: { fundingHoldId: hold.holdId, updatedAt: now } });
      return { reserved: true };
    });
  } catch (error) {
    if (!(error instanceof LimitExceededError) || needed === null) throw error;
    const short: { amount: string; currency: Currency; funderFunding: string } = needed;
    const balance = await getBalance(prisma, short.funderFunding);
    return runTransaction(prisma, async (tx) => {
      const locked = await lockFinancing(tx, financingId);
      const fundingDeadline = locked.fundingDeadline ?? new Date(now.getTime() + fundingWindowMs);
      // The history is read by the supplier too: it says what is needed, never the funder's balance.
      await moveFinancing(tx, locked, 'FUNDING_PENDING', `the funder's funding account does not yet cover the ${short.amount} ${short.currency} to advance`, now, { fundingDeadline });
      return { reserved: false, needed: short.amount, available: formatAmount(balance.available, short.currency), fundingDeadline };
    });
  }
}

export type DisbursementResult =
  | { outcome: 'DISBURSED'; payout: Payout | null }
  /** Too late to move the money: the financing expired and everything it held was released. */
  | { outcome: 'EXPIRED'; reason: string }
  /** The day changed since the funding was reserved at another day's price: the hold was voided, to be reserved again at today's. */
  | { outcome: 'REPRICED'; reason: string };

/**
 * The disbursement, in one transaction, repriced to the day it happens: the financing's figures
 * become those of its actual value date (the quote stays beside them), the funding hold is
 * posted (funder → supplier, the advance), the fees go to the platform's income, the three
 * limit reservations become use, the receivable is FINANCED, what is owed is set per bucket,
 * and the first payout is put in transit. Repeating it returns the first payout. Without a
 * registered bank account the financing waits in PAYOUT_FAILED for one. A financing that can no
 * longer run its minimum tenor expires instead; one whose hold was reserved at another day's
 * price has it voided and is funded again.
 */
export async function disburseAtValueDate(prisma: PrismaClient, financingId: string, now = new Date()): Promise<DisbursementResult> {
  return runTransaction(
    prisma,
    async (tx): Promise<DisbursementResult> => {
      const financing = await lockFinancing(tx, financingId);
      if (financing.disbursementTransactionId) return { outcome: 'DISBURSED', payout: await latestPayout(tx, financingId) };
      if (!financing.fundingHoldId) return unfundedAnswer(financing);
      const terms = await tx.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } });
      const valueDate = businessDateOf(now);
      const price = priceOn(financing, terms, valueDate);
      if (!price.disbursable) {
        await expireUndisbursable(tx, financing, price.reason, now);
        return { outcome: 'EXPIRED', reason: price.reason };
      }
      const currency = financing.currency as Currency;
      const accounts = await lockFinancingAccounts(tx, financing);
      const postings = disbursementPostings(figuresOf(price.quote, terms.interestMode), currency, accounts);
      const hold = await getHold(tx, financing.fundingHoldId);
      if (!hold || hold.status !== 'PENDING') throw new Error(`the funding hold ${financing.fundingHoldId} of financing ${financingId} is ${hold?.status ?? 'missing'}`);
      if (!hold.amount.eq(postings.advance)) {
        // Reserved at another day's price (the business date turned between funding and
        // disbursement): the supplier must not pay for the days before the money moves.
        const reason = `the funding of ${formatAmount(hold.amount, currency)} ${currency} was reserved at another day's price; on ${valueDate} the advance is ${formatAmount(postings.advance, currency)} ${currency}`;
        await voidHold(tx, { holdId: hold.id, idempotencyKey: `financing:${financingId}:funding-release:${hold.id}` }, now);
        // The funder funded in time; asked again at the new price, it has a window of its own from
        // here (reserveFunding opens one), not the first one, which may have passed meanwhile.
        await tx.financing.update({ where: { id: financingId }, data: { fundingHoldId: null, fundingDeadline: null, updatedAt: now } });
        return { outcome: 'REPRICED', reason };
      }
      const repriced = await tx.financing.update({ where: { id: financingId }, data: { ...pricedFigures(price.quote), updatedAt: now } });
      const metadata = { financingId, financingNumber: financing.financingNumber, valueDate };
      // The advance, the fees and the payout are one disbursement: dated at one instant (the
      // disbursement's, or the first open one after a closed day), so a day's report never holds
      // the fees without the advance, or a settled payout without its going out.
      const effectiveAt = await openEffectiveAt(tx, now);
      const advance = await postHold(tx, { holdId: hold.id, idempotencyKey: `financing:${financingId}:disburse`, description: `放款 disbursement ${financing.financingNumber}`, effectiveAt, metadata }, now);
      if (postings.feeEntries.length > 0) {
        await postTransaction(tx, { idempotencyKey: `financing:${financingId}:fees`, code: 'DISBURSEMENT_FEES', description: `服务费 fees ${financing.financingNumber}`, effectiveAt, inOpenDay: true, metadata, entries: postings.feeEntries });
      }
      // The limits reserved at application (LIMIT_RESERVATION holds) are now used.
      for (const holdId of financing.limitHoldIds) {
        await postHold(tx, { holdId, idempotencyKey: `financing:${financingId}:limit-use:${holdId}`, code: 'LIMIT_UTILISATION', metadata }, now);
      }
      const penaltyAccountId = await openPenaltyAccount(tx, financing);
      await assignVoucherPartAtDisbursement(tx, financing, now);
      await tx.receivable.update({ where: { id: financing.receivableId }, data: { status: 'FINANCED', updatedAt: now } });
      await tx.receivableTransition.create({
        data: { receivableId: financing.receivableId, financingId: financing.id, fromStatus: 'FINANCING_PENDING', toStatus: 'FINANCED', reason: `financing ${financing.financingNumber} disbursed`, occurredAt: now },
      });
      const quoted = isoDateOfColumn(financing.quotedValueDate);
      const pricing = quoted === valueDate ? `value date ${valueDate}, ${price.quote.tenorDays} days` : `value date ${valueDate}, ${price.quote.tenorDays} days (quoted from ${quoted}, ${financing.quotedTenorDays} days)`;
      await moveFinancing(tx, financing, 'DISBURSING', `${formatAmount(postings.advance, currency)} ${currency} advanced by the funder at ${pricing}; ${formatAmount(postings.net, currency)} to pay out`, now, {
        disbursedAt: now,
        disbursementTransactionId: advance.transactionId,
        principalOutstanding: repriced.principal,
        interestOutstanding: terms.interestMode === 'ARREARS' ? repriced.interest : 0,
        feesOutstanding: 0,
        penaltyAccount: { connect: { id: penaltyAccountId } },
      });
      const payout = await openPayoutAttempt(tx, repriced, accounts, 1, toDecimal(repriced.netDisbursement), null, now);
      if (!payout) await moveFinancing(tx, financing, 'PAYOUT_FAILED', 'the supplier has no bank account registered for payouts', now);
      return { outcome: 'DISBURSED', payout };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * What a disbursement finds without a funding hold. Its step never runs before the funding is
 * reserved, so this is a repeat of a step that expired the financing or voided its hold to
 * reprice it, whose answer was lost with the worker: the same answer again, so that the workflow
 * tells the parties of the expiry, or funds again at the day's price.
 */
function unfundedAnswer(financing: Financing): DisbursementResult {
  if (financing.status === 'EXPIRED' && financing.closedReason) return { outcome: 'EXPIRED', reason: financing.closedReason };
  if (financing.status === 'APPROVED' || financing.status === 'FUNDING_PENDING') {
    return { outcome: 'REPRICED', reason: "the funding reserved at another day's price was released, to be reserved again at this day's" };
  }
  throw new WrongStateError('the financing has no funding reserved yet', financing.status);
}

/**
 * The disbursement for a caller that expects the money to move (the financing was funded
 * today): its first payout, or null without a registered bank account. A financing that could
 * not be disbursed as it stands (expired, or to be funded again at today's price) is a wrong state.
 */
export async function disburse(prisma: PrismaClient, financingId: string, now = new Date()): Promise<Payout | null> {
  const result = await disburseAtValueDate(prisma, financingId, now);
  if (result.outcome === 'DISBURSED') return result.payout;
  const { status } = await prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
  throw new WrongStateError(`the financing was not disbursed: ${result.reason}`, status);
}

/** A financing's last payout attempt, if any. */
export function latestPayout(db: PrismaClient | Tx, financingId: string): Promise<Payout | null> {
  return db.payout.findFirst({ where: { financingId }, orderBy: { attempt: 'desc' } });
}

export function payoutReference(financingNumber: string, attempt: number): string {
  return `${financingNumber}-P${attempt}`;
}

/**
 * Puts `amount` of the proceeds in transit to the supplier's active bank account (the net
 * disbursement at first; what came back of a failed or returned attempt afterwards); null when
 * it has none.
 */
async function openPayoutAttempt(
  tx: Tx,
  financing: Financing,
  accounts: FinancingAccounts,
  attempt: number,
  amount: Decimal,
  requestedByUserId: string | null,
  now: Date,
  requestKey: string | null = null,
): Promise<Payout | null> {
  const beneficiary = await currentPayoutAccount(tx, financing.supplierPartyId, now);
  if (!beneficiary) return null;
  const currency = financing.currency as Currency;
  const reference = payoutReference(financing.financingNumber, attempt);
  const inTransit = await postTransaction(tx, {
    idempotencyKey: `financing:${financing.id}:payout:${attempt}`,
    code: 'PAYOUT',
    description: `付款 payout ${reference}`,
    metadata: { financingId: financing.id, payoutReference: reference },
    // Dated by the business clock, as the payout's outcome is: its settlement is never in a day before its going out.
    effectiveAt: now,
    inOpenDay: true,
    entries: postingEntries('PAYOUT', amount, currency, { source: accounts.supplierSettlement, payoutInTransit: accounts.payoutInTransit }),
  });
  return tx.payout.create({
    data: {
      financingId: financing.id,
      attempt,
      payoutReference: reference,
      amount: formatAmount(amount, currency),
      currency,
      beneficiaryName: beneficiary.accountName,
      beneficiaryAccountNumber: beneficiary.accountNumber,
      beneficiaryBank: beneficiary.bankName,
      status: 'SUBMITTED',
      inTransitTransactionId: inTransit.transactionId,
      requestedByUserId,
      requestKey,
      createdAt: now,
      updatedAt: now,
    },
  });
}

/**
 * A person's retry after a failed or returned payout: a new attempt with a new reference, to
 * the supplier's bank account as it is now (register a corrected one first), for what the last
 * attempt left to pay (all of a failed one, what came back of a returned one; the net
 * disbursement when there was none), less what a recourse claim netted of it against what the
 * supplier owed; refused (WRONG_STATE, nothing changes) when the claim netted all of it. Never
 * automatic. A financing servicing moved on (OVERDUE, SETTLED) keeps its state.
 */
export async function retryPayout(prisma: PrismaClient, actor: Actor, financingId: string, requestKey: string, now = new Date()): Promise<Payout> {
  return runTransaction(
    prisma,
    async (tx) => {
      const financing = await lockFinancing(tx, financingId);
      // A retried request (the activity after a crash) finds the attempt it opened.
      const opened = await tx.payout.findUnique({ where: { requestKey } });
      if (opened) return opened;
      const parties = [financing.supplierPartyId, financing.funderPartyId, financing.obligorPartyId];
      if (!isOperator(actor) && !parties.includes(actor.partyId)) throw new NotFoundError('Financing', financingId);
      assertMayRetryPayout(financing, actor);
      if (!financing.disbursementTransactionId) throw new WrongStateError(`the financing is ${financing.status}: nothing was disbursed to pay out`, financing.status);
      const latest = await latestPayout(tx, financingId);
      const proceeds = await proceedsOfFinancingAwaitingRetry(tx, financingId);
      if (latest && latest.status !== 'FAILED' && latest.status !== 'RETURNED') {
        throw new WrongStateError(`payout ${latest.payoutReference} is ${latest.status}; only a failed or returned payout is retried`, financing.status);
      }
      // What a recourse claim netted of the proceeds paid the funder: only the rest is paid out.
      assertProceedsLeftToPayAgain(financing, proceeds, latest);
      const accounts = await financingAccounts(tx, financing);
      const amount = proceeds.awaiting;
      const payout = await openPayoutAttempt(tx, financing, accounts, (latest?.attempt ?? 0) + 1, amount, actor.userId, now, requestKey);
      if (!payout) throw new ValidationError([{ path: ['financingId'], message: 'the supplier has no bank account registered: register one first' }], 'BANK_ACCOUNT_MISSING');
      await moveFinancing(tx, financing, 'DISBURSING', `payout retried as ${payout.payoutReference}`, now, {}, { userId: actor.userId, partyId: actor.partyId });
      return payout;
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * Gives a party a payout account in effect at once, retiring the previous one, without the
 * second user and the cooling-off period: how the seed and the tests set a party up. The API
 * changes an account only through proposePayoutAccount and decidePayoutAccount
 * (payout-account-store.ts). Payouts already in flight keep the account they were sent to.
 */
export async function registerBankAccount(prisma: PrismaClient, actor: Actor, partyId: string, input: BankAccountInput, now = new Date()): Promise<PartyBankAccount> {
  if (!isOperator(actor) && actor.partyId !== partyId) throw new NotFoundError('Party', partyId);
  const valid = validateBankAccount(input);
  return runTransaction(prisma, async (tx) => {
    await tx.$queryRaw`SELECT id FROM party WHERE id = ${partyId}::uuid FOR UPDATE`;
    await tx.partyBankAccount.updateMany({ where: { partyId, retiredAt: null }, data: { retiredAt: now } });
    return tx.partyBankAccount.create({ data: { partyId, ...valid, status: 'APPROVED', effectiveFrom: now, decidedAt: now, createdByUserId: actor.userId, createdAt: now } });
  });
}
