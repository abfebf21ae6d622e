import type { PayoutView } from '../../bank/bank-adapter';
import { postingEntries } from '../../domain/ledger-rules';
import { WrongStateError } from '../../domain/errors';
import { AmountError, Decimal, formatAmount, parseAmount, type Currency } from '../../domain/money';
import { Prisma, type Financing, type Payout, type PrismaClient } from '../client';
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

/**
 * What is recorded of a payout: the bank's answer to the workflow (BANK), learnt when it is
 * recorded; the bank's statement showing what the workflow no longer watched (STATEMENT: a return
 * after the watch, whose `returnedAt` is the bank's value date of the return line, however much
 * later the import found it); the bank not answering (TIMEOUT) or refusing the instruction.
 */
export type PayoutOutcome = { kind: 'BANK' | 'STATEMENT'; view: PayoutView } | { kind: 'TIMEOUT' } | { kind: 'REJECTED'; reason: string };

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

/** The key of a financing's recourse posting (servicing-store.ts): one claim per financing. */
export function recoursePostingKey(financingId: string): string {
  return `financing:${financingId}:recourse`;
}

/** One disbursed financing's proceeds waiting in its supplier's settlement account for a person's retry. */
export interface ProceedsAwaiting {
  financingId: string;
  /** The last payout attempt (0: disbursed without a payout). */
  attempt: number;
  /** What the last attempt left to pay again: all of a failed one, what came back of a returned one, the net disbursement when there was none. */
  toPayAgain: Decimal;
  /** Of that, what a recourse claim netted against what the supplier owed, as far as the claim still stands. */
  nettedByRecourse: Decimal;
  /** What is still in the supplier's settlement account for the retry: toPayAgain less nettedByRecourse. */
  awaiting: Decimal;
}

/**
 * Disbursed financings whose proceeds wait for a person's retry (retryPayout), of one financing
 * or of one supplier in one currency: one row each. What waits is what the last attempt left to
 * pay again, less what a recourse claim netted of that very attempt's money (`proceeds_netted`;
 * money the claim gave back later, RECOURSE_RETURNED, waits again as far as it restores the
 * proceeds). Nothing waits while the last attempt is open or settled, or once a retry after the
 * claim opened a new attempt. The one place this rule is written: a withdrawal sums the
 * supplier's rows, a retry takes its financing's, recourse sums the others'.
 */
export async function proceedsAwaitingRetry(db: Tx | PrismaClient, of: { financingId: string } | { supplierPartyId: string; currency: Currency }): Promise<ProceedsAwaiting[]> {
  const scope = 'financingId' in of ? Prisma.sql`f.id = ${of.financingId}::uuid` : Prisma.sql`f.supplier_party_id = ${of.supplierPartyId}::uuid AND f.currency = ${of.currency}`;
  const rows = await db.$queryRaw<{ financing_id: string; attempt: number; to_pay_again: string; netted: string }[]>`
    SELECT a.financing_id, a.attempt, a.to_pay_again::text, LEAST(a.netted, a.to_pay_again)::text AS netted
      FROM (SELECT f.id AS financing_id, COALESCE(p.attempt, 0) AS attempt,
                   CASE WHEN p.id IS NULL THEN f.net_disbursement WHEN p.status = 'FAILED' THEN p.amount ELSE COALESCE(p.returned_amount, p.amount) END AS to_pay_again,
                   CASE WHEN f.netted_payout_attempt = COALESCE(p.attempt, 0) THEN LEAST(f.proceeds_netted, f.recourse_claimed) ELSE 0 END AS netted
              FROM financing f
              LEFT JOIN LATERAL (SELECT id, attempt, status, amount, returned_amount FROM payout WHERE financing_id = f.id ORDER BY attempt DESC LIMIT 1) p ON true
             WHERE ${scope} AND f.disbursement_transaction_id IS NOT NULL
               AND (p.id IS NULL OR p.status IN ('FAILED', 'RETURNED'))) a`;
  return rows.map((row) => {
    const toPayAgain = toDecimal(row.to_pay_again);
    const nettedByRecourse = Decimal.max(toDecimal(row.netted), 0);
    return { financingId: row.financing_id, attempt: row.attempt, toPayAgain, nettedByRecourse, awaiting: toPayAgain.minus(nettedByRecourse) };
  });
}

/** What one financing's proceeds awaiting a retry come to (nothing waiting: all zero). */
export async function proceedsOfFinancingAwaitingRetry(db: Tx | PrismaClient, financingId: string): Promise<ProceedsAwaiting> {
  const [row] = await proceedsAwaitingRetry(db, { financingId });
  return row ?? { financingId, attempt: 0, toPayAgain: new Decimal(0), nettedByRecourse: new Decimal(0), awaiting: new Decimal(0) };
}

/** Whether the recourse claim netted all that the last attempt left to pay again: no retry can pay anything out. */
export function usedByRecourse(proceeds: ProceedsAwaiting): boolean {
  return proceeds.nettedByRecourse.gt(0) && !proceeds.awaiting.gt(0);
}

/**
 * Refuses a retry that has nothing to pay out because the recourse claim netted all that the last
 * attempt left against what the supplier owed: the proceeds paid the funder instead.
 */
export function assertProceedsLeftToPayAgain(financing: Pick<Financing, 'status' | 'currency'>, proceeds: ProceedsAwaiting, latest: Pick<Payout, 'payoutReference'> | null): void {
  if (!usedByRecourse(proceeds)) return;
  const currency = financing.currency as Currency;
  const what = latest ? `the ${formatAmount(proceeds.toPayAgain, currency)} ${currency} payout ${latest.payoutReference} left to pay again` : `the ${formatAmount(proceeds.toPayAgain, currency)} ${currency} of proceeds`;
  throw new WrongStateError(`${what} was used by the recourse claim against what the supplier owed: nothing is left to pay out`, financing.status);
}

/** When the payout's money went out of the ledger's source (its in-transit posting), or its creation. */
async function goneOutAt(tx: Tx, payout: Payout): Promise<Date> {
  const posting = payout.inTransitTransactionId ? await tx.ledgerTransaction.findUnique({ where: { id: payout.inTransitTransactionId }, select: { effectiveAt: true } }) : null;
  return posting && posting.effectiveAt > payout.createdAt ? posting.effectiveAt : payout.createdAt;
}

/**
 * Records what the bank said of a payout, with its posting, once: SETTLED takes the money out
 * of transit and out of the escrow account; FAILED (or refused) puts it back in its source
 * account; RETURNED after settling brings what came back (the whole payout or part of it)
 * into the escrow account and the source account again. A timeout changes nothing but the
 * status: the payout is UNKNOWN, not failed. A disbursement's payout also moves its financing
 * (DISBURSED, PAYOUT_FAILED), under the financing's row lock; a refund that fails or comes back
 * makes its inbound exception OPEN again, holding what came back to suspense. `alongside` runs in
 * the same transaction with the payout as recorded (what else the answer settles, at once with it).
 */
export async function recordPayoutOutcome(
  prisma: PrismaClient,
  payoutId: string,
  outcome: PayoutOutcome,
  now = new Date(),
  alongside?: (tx: Tx, recorded: Payout) => Promise<void>,
): Promise<Payout> {
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
      const moveFinancingTo = async (to: 'DISBURSED' | 'PAYOUT_FAILED', reason: string, at: Date) => {
        if (financing) await moveFinancing(tx, financing, to, reason, at);
      };
      // What the bank did is dated by the bank's own time in its answer (or, on a statement, the
      // line's value date), never before `floor` nor after `now`: a question asked late, after a
      // cut-off, never makes a payment late nor moves it to another accounting day. Without a
      // time from the bank, when it was learnt.
      const outAt = await goneOutAt(tx, payout);
      const bankTime = (at: Date | null | undefined, floor: Date) => (at ? new Date(Math.min(now.getTime(), Math.max(at.getTime(), floor.getTime()))) : now);

      const settle = async (at: Date) => {
        const posted = await postTransaction(tx, {
          idempotencyKey: `payout:${reference}:settled`,
          code: 'PAYOUT_SETTLED',
          // Dated at the business time the bank paid it (the payout's settledAt), not by the
          // database's clock: otherwise the escrow's day and the payout's day can differ across a
          // cut-off; in the first open instant when that accounting day is closed.
          effectiveAt: at,
          inOpenDay: true,
          metadata,
          entries: postingEntries('PAYOUT_SETTLED', amount, currency, { payoutInTransit: accounts.payoutInTransit, escrowBank: accounts.escrowBank }),
        });
        await moveFinancingTo('DISBURSED', `payout ${reference} settled by the bank`, at);
        return { status: 'SETTLED' as const, settledAt: at, settledTransactionId: posted.transactionId };
      };
      const fail = async (reason: string, at: Date) => {
        const posted = await postTransaction(tx, {
          idempotencyKey: `payout:${reference}:reversed`,
          code: 'PAYOUT_REVERSED',
          effectiveAt: at,
          inOpenDay: true,
          metadata,
          entries: postingEntries('PAYOUT_REVERSED', amount, currency, { payoutInTransit: accounts.payoutInTransit, source: accounts.source }),
        });
        await moveFinancingTo('PAYOUT_FAILED', `payout ${reference} failed: ${reason}`, at);
        if (payout.purpose === 'REFUND') await reopenRefundedException(tx, payout, amount, `refund ${reference} failed: ${reason}`);
        return { status: 'FAILED' as const, failedAt: at, failureReason: reason.slice(0, 500), reversalTransactionId: posted.transactionId };
      };

      let data: Parameters<typeof tx.payout.update>[0]['data'] = {};
      if (outcome.kind === 'TIMEOUT') {
        if (payout.status === 'SUBMITTED') data = { status: 'UNKNOWN' };
      } else if (outcome.kind === 'REJECTED') {
        if (open) data = await fail(`the bank refused the instruction: ${outcome.reason}`, now);
      } else {
        const { view } = outcome;
        const bankReference = view.bankReference ?? payout.bankReference;
        if (view.status === 'PENDING' && open) data = { status: 'PENDING', bankReference };
        if (view.status === 'SETTLED' && open) data = { ...(await settle(bankTime(view.settledAt, outAt))), bankReference };
        if (view.status === 'FAILED' && open) data = { ...(await fail(view.failureReason ?? 'no reason given', bankTime(view.failedAt, outAt))), bankReference };
        if (view.status === 'RETURNED' && payout.status !== 'RETURNED' && payout.status !== 'FAILED') {
          const returned = returnedAmountOf(view, payout);
          const settledAt = open ? bankTime(view.settledAt, outAt) : (payout.settledAt ?? now);
          if (open) data = await settle(settledAt);
          const reason = view.returnReason ?? 'no reason given';
          // Dated by the bank's time of the return (a statement's: the line's value date, however
          // much later the import found it), but never before the payout settled (a return the
          // bank made on its settlement day, whose value date begins before it) nor after `now` (a
          // value date ahead of the import). Its posting is dated then too, or at the first open
          // instant when that accounting day is closed (inOpenDay).
          const returnedAt = bankTime(view.returnedAt, settledAt);
          const posted = await postTransaction(tx, {
            idempotencyKey: `payout:${reference}:returned`,
            code: 'PAYOUT_RETURNED',
            effectiveAt: returnedAt,
            inOpenDay: true,
            metadata: { ...metadata, returnedAmount: formatAmount(returned, currency) },
            entries: postingEntries('PAYOUT_RETURNED', returned, currency, { escrowBank: accounts.escrowBank, source: accounts.source }),
          });
          const part = returned.eq(amount) ? '' : ` in part (${formatAmount(returned, currency)} of ${formatAmount(amount, currency)} ${currency}; the rest stays paid)`;
          // The financing's history records when the platform learnt of it: a return found days later
          // follows what the financing did meanwhile.
          await moveFinancingTo('PAYOUT_FAILED', `payout ${reference} returned by the beneficiary's bank${part}: ${reason}`, now);
          if (payout.purpose === 'REFUND') await reopenRefundedException(tx, payout, returned, `refund ${reference} returned by the payer's bank${part}: ${reason}`);
          data = { ...data, status: 'RETURNED', returnedAt, returnedAmount: formatAmount(returned, currency), failureReason: reason.slice(0, 500), reversalTransactionId: posted.transactionId, bankReference };
        }
      }
      const recorded = Object.keys(data).length === 0 ? payout : await tx.payout.update({ where: { id: payoutId }, data: { ...data, updatedAt: now } });
      await alongside?.(tx, recorded);
      return recorded;
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}
