import type { PayoutView } from '../../bank/bank-adapter';
import { postingEntries } from '../../domain/ledger-rules';
import { WrongStateError } from '../../domain/errors';
import { AmountError, Decimal, formatAmount, parseAmount, type Currency } from '../../domain/money';
import type { Financing, Payout, Prisma, PrismaClient } from '../client';
import { platformAccountCode } from './chart-of-accounts';
import { lockFinancing, lockFinancingAccounts, moveFinancing, MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { lockAccounts } from './ledger/locks';
import { reopenRefundedException } from './inbound-exception-store';
import { findAccountByCode } from './ledger/accounts';
import { postTransaction } from './ledger/postings';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

// What the bank says of a payout, recorded once with its posting, whatever the payout pays: a
// financing's proceeds (DISBURSEMENT), a supplier's withdrawal (WITHDRAWAL) or the platform's
// fee income (FEE_SWEEP), money held for a payer refunded to the payer (REFUND). The rules of the trade kept here: money paid out is in transit, not
// balance, until the bank settles it; a timeout is unknown, not failed; a failure puts the
// money back where it came from; a return (all or part) brings back what came back, and what
// did not come back stays paid out.

export type PayoutOutcome = { kind: 'BANK'; view: PayoutView } | { kind: 'TIMEOUT' } | { kind: 'REJECTED'; reason: string };

export const PAYOUT_OPEN_STATUSES = ['SUBMITTED', 'PENDING', 'UNKNOWN'] as const;

interface PayoutAccounts {
  /** Where the money came from and goes back to when the payout fails or returns. */
  source: string;
  payoutInTransit: string;
  escrowBank: string;
}

async function accountId(tx: Tx, code: string): Promise<string> {
  const account = await findAccountByCode(tx, code);
  if (!account) throw new Error(`ledger account ${code} is missing`);
  return account.id;
}

async function payoutAccounts(tx: Tx, payout: Payout, financing: Financing | null): Promise<PayoutAccounts> {
  const currency = payout.currency as Currency;
  // Every account the outcome may post to, locked at once in the ledger's global order.
  if (financing) {
    const accounts = await lockFinancingAccounts(tx, financing);
    return { source: accounts.supplierSettlement, payoutInTransit: accounts.payoutInTransit, escrowBank: accounts.escrowBank };
  }
  if (!payout.sourceAccountId) throw new Error(`payout ${payout.payoutReference} has neither a financing nor a source account`);
  const accounts = { source: payout.sourceAccountId, payoutInTransit: await accountId(tx, platformAccountCode('PAYOUT_IN_TRANSIT', currency)), escrowBank: await accountId(tx, platformAccountCode('ESCROW_BANK', currency)) };
  await lockAccounts(tx, Object.values(accounts));
  return accounts;
}

/**
 * What the beneficiary's bank sent back: the amount it reports, or the whole payout when it
 * does not say. More than was paid, or nothing, is a bank answer that cannot be true: it stops
 * the step loudly (retried, then an operator looks) instead of booking money that never came.
 */
function returnedAmountOf(view: PayoutView, payout: Payout): Decimal {
  const amount = toDecimal(payout.amount);
  if (view.returnedAmount === undefined) return amount;
  let returned: Decimal;
  try {
    returned = parseAmount(view.returnedAmount, payout.currency);
  } catch (error) {
    if (error instanceof AmountError) throw new Error(`the bank reports an unreadable return of payout ${payout.payoutReference}: ${error.message}`, { cause: error });
    throw error;
  }
  if (returned.gt(amount)) throw new Error(`the bank reports ${view.returnedAmount} ${payout.currency} returned of payout ${payout.payoutReference}, which paid ${formatAmount(amount, payout.currency as Currency)}`);
  return returned;
}

/**
 * What a failed or returned payout left waiting to be paid again: all of a failed one, what
 * came back of a returned one (the rest reached the beneficiary).
 */
export function amountToPayAgain(payout: Pick<Payout, 'status' | 'amount' | 'returnedAmount'>): Decimal {
  if (payout.status === 'RETURNED') return toDecimal(payout.returnedAmount ?? payout.amount);
  if (payout.status === 'FAILED') return toDecimal(payout.amount);
  return new Decimal(0);
}

/** The key of a financing's recourse posting (servicing-store.ts): its metadata says what the claim netted of the proceeds awaiting a retry. */
export function recoursePostingKey(financingId: string): string {
  return `financing:${financingId}:recourse`;
}

/** What a recourse claim netted of a financing's proceeds awaiting a retry, and of which payout attempt's (0: disbursed without a payout). */
export interface RecourseNetting {
  proceedsNetted: string;
  nettedPayoutAttempt: number;
}

function nettingOf(metadata: Prisma.JsonValue | undefined): { proceedsNetted: Decimal; attempt: number } | null {
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return null;
  const { proceedsNetted, nettedPayoutAttempt } = metadata as Partial<Record<keyof RecourseNetting, unknown>>;
  if (typeof proceedsNetted !== 'string' || typeof nettedPayoutAttempt !== 'number') return null;
  return { proceedsNetted: toDecimal(proceedsNetted), attempt: nettedPayoutAttempt };
}

export interface ProceedsAwaitingRetry {
  /** The last payout attempt, if any. */
  latest: Payout | null;
  /** What the last attempt left to pay again (amountToPayAgain; the net disbursement when there was none). */
  toPayAgain: Decimal;
  /** Of that, what a recourse claim netted against what the supplier owed, as far as the claim still stands. */
  nettedByRecourse: Decimal;
  /** What is still in the supplier's settlement account for the retry: toPayAgain less nettedByRecourse. */
  awaiting: Decimal;
}

/**
 * A disbursed financing's proceeds waiting in the supplier's settlement account for a person's
 * retry: what the last attempt left to pay again, less what a recourse claim netted of that very
 * attempt's money (the claim's RECOURSE posting records it; money the claim gave back later,
 * RECOURSE_RETURNED, waits again as far as it restores the proceeds). Nothing waits while the
 * last attempt is open or settled, or once a retry after the claim opened a new attempt.
 * awaitingPayoutRetry (balance-payout-store.ts) sums the same figure in SQL.
 */
export async function proceedsAwaitingRetry(db: Tx | PrismaClient, financing: Pick<Financing, 'id' | 'disbursementTransactionId' | 'netDisbursement' | 'recourseClaimed'>): Promise<ProceedsAwaitingRetry> {
  const latest = await db.payout.findFirst({ where: { financingId: financing.id }, orderBy: { attempt: 'desc' } });
  const toPayAgain = !financing.disbursementTransactionId ? new Decimal(0) : latest ? amountToPayAgain(latest) : toDecimal(financing.netDisbursement);
  const recourse = await db.ledgerTransaction.findUnique({ where: { idempotencyKey: recoursePostingKey(financing.id) }, select: { metadata: true } });
  const netting = nettingOf(recourse?.metadata);
  const nettedByRecourse =
    netting && netting.attempt === (latest?.attempt ?? 0) ? Decimal.max(Decimal.min(netting.proceedsNetted, toDecimal(financing.recourseClaimed), toPayAgain), 0) : new Decimal(0);
  return { latest, toPayAgain, nettedByRecourse, awaiting: toPayAgain.minus(nettedByRecourse) };
}

/**
 * Refuses a retry that has nothing to pay out because the recourse claim netted all that the last
 * attempt left against what the supplier owed: the proceeds paid the funder instead.
 */
export function assertProceedsLeftToPayAgain(financing: Pick<Financing, 'status' | 'currency'>, proceeds: ProceedsAwaitingRetry): void {
  if (proceeds.awaiting.gt(0) || !proceeds.nettedByRecourse.gt(0)) return;
  const currency = financing.currency as Currency;
  const what = proceeds.latest ? `the ${formatAmount(proceeds.toPayAgain, currency)} ${currency} payout ${proceeds.latest.payoutReference} left to pay again` : `the ${formatAmount(proceeds.toPayAgain, currency)} ${currency} of proceeds`;
  throw new WrongStateError(`${what} was used by the recourse claim against what the supplier owed: nothing is left to pay out`, financing.status);
}

/**
 * Records what the bank said of a payout, with its posting, once: SETTLED takes the money out
 * of transit and out of the escrow account; FAILED (or refused) puts it back in its source
 * account; RETURNED after settling brings what came back (the whole payout or part of it)
 * into the escrow account and the source account again. A timeout changes nothing but the
 * status: the payout is UNKNOWN, not failed. A disbursement's payout also moves its financing
 * (DISBURSED, PAYOUT_FAILED), under the financing's row lock; a refund that fails or comes back
 * makes its inbound exception OPEN again, holding what came back to suspense.
 */
export async function recordPayoutOutcome(prisma: PrismaClient, payoutId: string, outcome: PayoutOutcome, now = new Date()): Promise<Payout> {
  return runTransaction(
    prisma,
    async (tx) => {
      const { financingId } = await tx.payout.findUniqueOrThrow({ where: { id: payoutId }, select: { financingId: true } });
      // The financing first, then the payout: the order every step of a financing takes.
      const financing = financingId ? await lockFinancing(tx, financingId) : null;
      // Two answers about one payout (a poll and a resubmission) are recorded one after the other.
      await tx.$queryRaw`SELECT id FROM payout WHERE id = ${payoutId}::uuid FOR UPDATE`;
      const payout = await tx.payout.findUniqueOrThrow({ where: { id: payoutId } });
      // A refund's exception is locked before the ledger's accounts, as its approval locks them.
      if (payout.purpose === 'REFUND' && payout.inboundExceptionId) await tx.$queryRaw`SELECT id FROM inbound_exception WHERE id = ${payout.inboundExceptionId}::uuid FOR UPDATE`;
      const currency = payout.currency as Currency;
      const amount = toDecimal(payout.amount);
      const accounts = await payoutAccounts(tx, payout, financing);
      const reference = payout.payoutReference;
      const metadata = financing ? { financingId: financing.id, payoutReference: reference } : { payoutId: payout.id, purpose: payout.purpose, partyId: payout.partyId, payoutReference: reference };
      const open = (PAYOUT_OPEN_STATUSES as readonly string[]).includes(payout.status);
      const moveFinancingTo = async (to: 'DISBURSED' | 'PAYOUT_FAILED', reason: string) => {
        if (financing) await moveFinancing(tx, financing, to, reason, now);
      };

      const settle = async () => {
        const posted = await postTransaction(tx, {
          idempotencyKey: `payout:${reference}:settled`,
          code: 'PAYOUT_SETTLED',
          // Dated at the business time the outcome was learnt (the payout's settledAt), not by the
          // database's clock: otherwise the escrow's day and the payout's day can differ across a cut-off.
          effectiveAt: now,
          inOpenDay: true,
          metadata,
          entries: postingEntries('PAYOUT_SETTLED', amount, currency, { payoutInTransit: accounts.payoutInTransit, escrowBank: accounts.escrowBank }),
        });
        await moveFinancingTo('DISBURSED', `payout ${reference} settled by the bank`);
        return { status: 'SETTLED' as const, settledAt: now, settledTransactionId: posted.transactionId };
      };
      const fail = async (reason: string) => {
        const posted = await postTransaction(tx, {
          idempotencyKey: `payout:${reference}:reversed`,
          code: 'PAYOUT_REVERSED',
          effectiveAt: now,
          inOpenDay: true,
          metadata,
          entries: postingEntries('PAYOUT_REVERSED', amount, currency, { payoutInTransit: accounts.payoutInTransit, source: accounts.source }),
        });
        await moveFinancingTo('PAYOUT_FAILED', `payout ${reference} failed: ${reason}`);
        if (payout.purpose === 'REFUND') await reopenRefundedException(tx, payout, amount, `refund ${reference} failed: ${reason}`);
        return { status: 'FAILED' as const, failedAt: now, failureReason: reason.slice(0, 500), reversalTransactionId: posted.transactionId };
      };

      let data: Parameters<typeof tx.payout.update>[0]['data'] = {};
      if (outcome.kind === 'TIMEOUT') {
        if (payout.status === 'SUBMITTED') data = { status: 'UNKNOWN' };
      } else if (outcome.kind === 'REJECTED') {
        if (open) data = await fail(`the bank refused the instruction: ${outcome.reason}`);
      } else {
        const { view } = outcome;
        const bankReference = view.bankReference ?? payout.bankReference;
        if (view.status === 'PENDING' && open) data = { status: 'PENDING', bankReference };
        if (view.status === 'SETTLED' && open) data = { ...(await settle()), bankReference };
        if (view.status === 'FAILED' && open) data = { ...(await fail(view.failureReason ?? 'no reason given')), bankReference };
        if (view.status === 'RETURNED' && payout.status !== 'RETURNED' && payout.status !== 'FAILED') {
          const returned = returnedAmountOf(view, payout);
          if (open) data = await settle();
          const reason = view.returnReason ?? 'no reason given';
          const posted = await postTransaction(tx, {
            idempotencyKey: `payout:${reference}:returned`,
            code: 'PAYOUT_RETURNED',
            effectiveAt: now,
            inOpenDay: true,
            metadata: { ...metadata, returnedAmount: formatAmount(returned, currency) },
            entries: postingEntries('PAYOUT_RETURNED', returned, currency, { escrowBank: accounts.escrowBank, source: accounts.source }),
          });
          const part = returned.eq(amount) ? '' : ` in part (${formatAmount(returned, currency)} of ${formatAmount(amount, currency)} ${currency}; the rest stays paid)`;
          await moveFinancingTo('PAYOUT_FAILED', `payout ${reference} returned by the beneficiary's bank${part}: ${reason}`);
          if (payout.purpose === 'REFUND') await reopenRefundedException(tx, payout, returned, `refund ${reference} returned by the payer's bank${part}: ${reason}`);
          data = { ...data, status: 'RETURNED', returnedAt: now, returnedAmount: formatAmount(returned, currency), failureReason: reason.slice(0, 500), reversalTransactionId: posted.transactionId, bankReference };
        }
      }
      if (Object.keys(data).length === 0) return payout;
      return tx.payout.update({ where: { id: payoutId }, data: { ...data, updatedAt: now } });
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}
