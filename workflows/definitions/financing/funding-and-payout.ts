import { condition, patched, sleep } from '@temporalio/workflow';
import { checkPayout, disburse, expire, generateDocument, notify, reserveFunding, submitPayout } from './financing-steps';
import { followMoney, setStatus, statusOf, type FinancingRun } from './financing-run';
import { BOUNDED_HISTORIES_PATCH, serviceAndPayOut } from './continuation';
import { DOCUMENTS_ALONGSIDE_MONEY_PATCH, type Approval } from './origination';
import type { PayoutProgress } from '../../contracts/financing';
import { DAY_MS, PAYOUT_POLL_FIRST_MS, PAYOUT_POLL_MAX_MS, RETURN_WATCH_DAYS } from './payout';
import { service } from './servicing';

// After approval (docs/workflows/financing.md, "After approval: the money"): the advance is
// held on the funder's account, disbursed at the price of the day the money moves, and paid out
// to the supplier's bank while servicing runs alongside (the core enterprise owes from the due
// date whatever happened to the payout).

const FUNDING_RECHECK_MS = 60 * 60 * 1000;

type PayoutStatus = Awaited<ReturnType<typeof submitPayout>>;

/**
 * The disbursement advice (its final figures beside the quoted ones) is rendered alongside the
 * payout. Histories written before it schedule no such activity after the disbursement.
 */
export const DISBURSEMENT_ADVICE_PATCH = 'disbursement-advice';

/**
 * The change that counts the funder's top-up signals from the funding attempt rather than from
 * after the funder's notice: a top-up signalled in between was lost until the hourly look.
 */
export const FUNDING_SIGNALS_FROM_ATTEMPT_PATCH = 'funding-signals-from-attempt';

/**
 * Funding, disbursement at the day's price, then the payout and servicing side by side
 * (continuation.ts). The money moves only if the financing can still run its tenor from today
 * (else it expired); a funding reserved at another day's price is reserved again at today's
 * before it moves. What the approval left under way (its summary and news) is awaited before
 * the run ends or continues as new.
 */
export async function moveMoney(run: FinancingRun, approval: Approval): Promise<void> {
  // On the paths before NOTICES_ALONGSIDE_MONEY_PATCH this is the very promise they awaited:
  // an extra turn before an await could reorder their commands on replay.
  const approvalNotices = approval.notices;
  const terms = approvalNotices === null ? approval.document : Promise.all([approval.document, approvalNotices]);
  for (;;) {
    if (!(await fund(run))) {
      await terms;
      return;
    }
    // `outcome` is absent from the answers recorded before repricing: they all disbursed.
    const { payoutId, outcome = 'DISBURSED' } = await disburse(run);
    if (outcome === 'EXPIRED') {
      setStatus(run, 'EXPIRED');
      await terms;
      return;
    }
    if (outcome === 'REPRICED') continue;
    setStatus(run, payoutId ? 'DISBURSING' : 'PAYOUT_FAILED');
    const advice = patched(DISBURSEMENT_ADVICE_PATCH) ? generateDocument(run, 'DISBURSEMENT_ADVICE') : Promise.resolve();
    if (approvalNotices !== null) {
      // The payout is not held up by the news either (NOTICES_ALONGSIDE_MONEY_PATCH, taken at
      // the approval): the supplier is told of the disbursement once it has been told of the
      // approval, and a payout failure's notice waits for this one (payout.ts).
      const told = approvalNotices.then(() => notify(run, 'SUPPLIER', 'FINANCING_DISBURSED'));
      run.disbursementNotice = told;
      const progress: PayoutProgress = payoutId ? { step: 'SUBMITTING', payoutId } : { step: 'AWAITING_RETRY' };
      await serviceAndPayOut(run, progress, Promise.all([terms, advice, told]));
      return;
    }
    await notify(run, 'SUPPLIER', 'FINANCING_DISBURSED');
    if (!patched(BOUNDED_HISTORIES_PATCH)) {
      await Promise.all([payOut(run, payoutId), service(run), advice, terms]);
      return;
    }
    const progress: PayoutProgress = payoutId ? { step: 'SUBMITTING', payoutId } : { step: 'AWAITING_RETRY' };
    if (!patched(DOCUMENTS_ALONGSIDE_MONEY_PATCH)) {
      // Rendered before the loops start: a run that continues as new carries no pending document.
      await advice;
      await serviceAndPayOut(run, progress);
      return;
    }
    // The payout is not held up by the advice: the loops start at once, and the run does not
    // continue as new (nor end) before both documents are stored.
    await serviceAndPayOut(run, progress, Promise.all([terms, advice]));
    return;
  }
}

/**
 * Reserves the advance on the funder's account, waiting (FUNDING_PENDING) for top-ups until the
 * funding deadline; false when the financing expired instead (funding deadline, or too late to
 * run its tenor).
 */
async function fund(run: FinancingRun): Promise<boolean> {
  for (;;) {
    // Top-ups signalled from here on count: one that arrives while the attempt runs, or while
    // the funder is being told below, is not lost (FUNDING_SIGNALS_FROM_ATTEMPT_PATCH).
    const beforeAttempt = run.fundingSignals;
    const funding = await reserveFunding(run);
    if (funding.reserved) return true;
    // Absent from the answers recorded before repricing.
    if (funding.expired === true) {
      setStatus(run, 'EXPIRED');
      return false;
    }
    setStatus(run, 'FUNDING_PENDING');
    await notify(run, 'FUNDER', 'FUNDING_REQUIRED');
    const left = funding.fundingDeadline.getTime() - Date.now();
    if (left <= 0) {
      await expire(run, 'expire:FUNDING_PENDING');
      return statusOf(run) !== 'EXPIRED';
    }
    // A top-up signals at once; the hourly look covers a signal lost while the worker was down.
    // Runs started before the patch counted from here, after the notice, and replay so.
    const seen = patched(FUNDING_SIGNALS_FROM_ATTEMPT_PATCH) ? beforeAttempt : run.fundingSignals;
    await condition(() => run.fundingSignals > seen, Math.min(left, FUNDING_RECHECK_MS));
  }
}

/**
 * The payout as runs started before BOUNDED_HISTORIES_PATCH carry it (payout.ts has the
 * loop since), kept so that they replay: one payout at a time, always under its own
 * reference: sent, followed until the bank has finished it, then watched for a return. A
 * failure or a return waits for a person's retry (never automatic).
 */
async function payOut(run: FinancingRun, first: string | null): Promise<void> {
  let payoutId = first;
  for (;;) {
    if (payoutId === null) payoutId = await awaitRetry(run);
    const settled = await settle(run, payoutId);
    if (settled === 'SETTLED') followMoney(run, 'DISBURSED');
    if (settled === 'SETTLED' && (await watchForReturn(run, payoutId)) === 'SETTLED') {
      run.payout.done = true;
      return;
    }
    followMoney(run, 'PAYOUT_FAILED');
    await notify(run, 'SUPPLIER', 'PAYOUT_FAILED', { event: payoutId });
    payoutId = null;
  }
}

/** Waits for the retryPayout Update, which opens the next attempt. */
async function awaitRetry(run: FinancingRun): Promise<string> {
  run.payout.waiting = true;
  await condition(() => run.payout.retriedId !== null);
  const payoutId = run.payout.retriedId as string;
  run.payout.retriedId = null;
  run.payout.waiting = false;
  return payoutId;
}

/** Sends the payout, then asks the bank with backoff while it has not finished it (a timeout is not a failure). */
async function settle(run: FinancingRun, payoutId: string): Promise<PayoutStatus> {
  let status = await submitPayout(run, payoutId);
  let delay = PAYOUT_POLL_FIRST_MS;
  while (status === 'SUBMITTED' || status === 'PENDING' || status === 'UNKNOWN') {
    await sleep(delay);
    delay = Math.min(delay * 2, PAYOUT_POLL_MAX_MS);
    status = await checkPayout(run, payoutId);
  }
  return status;
}

/** A settled payout can still come back from the beneficiary's bank: asked once a day for a few days. */
async function watchForReturn(run: FinancingRun, payoutId: string): Promise<PayoutStatus> {
  let status: PayoutStatus = 'SETTLED';
  for (let day = 0; status === 'SETTLED' && day < RETURN_WATCH_DAYS; day += 1) {
    await sleep(DAY_MS);
    status = await checkPayout(run, payoutId);
  }
  return status;
}
