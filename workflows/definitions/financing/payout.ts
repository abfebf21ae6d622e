import { patched } from '@temporalio/workflow';
import type { PayoutProgress } from '../../contracts/financing';
import { checkPayout, notify, proceedsUsedByRecourse, submitPayout } from './financing-steps';
import { followMoney, rest, type FinancingRun } from './financing-run';
import { VALUE_DATED_SERVICING_PATCH } from './servicing';

// The payout to the supplier's bank as a sequence of resumable steps (docs/workflows/financing.md,
// "After approval: the money"): sent under its reference, followed until the bank has finished it
// (a timeout is not a failure), watched for a return, and after a failure or a return waiting for a
// person's retry (never automatic: paying twice is the costliest bug in this domain). Where it
// stands is always in `run.payout.progress`, so a run that continues as new while the payout
// waits (continuation.ts) picks it up exactly there.

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Asking the bank about an unfinished payout: after 30 s, doubling up to once an hour. */
export const PAYOUT_POLL_FIRST_MS = 30 * 1000;
export const PAYOUT_POLL_MAX_MS = 60 * 60 * 1000;
/** How long a settled payout is watched for a return by the beneficiary's bank. */
export const RETURN_WATCH_DAYS = 5;

/**
 * The change that keeps a person's retry open after the watch (docs/workflows/financing.md): a
 * return that comes later is found on the bank's statement and booked there (reconciliation), and
 * the money waits in the supplier's account to be paid again while the financing is serviced.
 * Runs before it ended the payout loop at the end of the watch.
 */
export const RETRY_AFTER_WATCH_PATCH = 'retry-after-watch';

/**
 * The change that ends the wait for a retry when none can come (docs/workflows/financing.md,
 * "Retry after recourse"): once the financing is settled, the payout step asks whether recourse
 * used all the proceeds the failed or returned payout left, and if so it is done. Runs before it
 * waited for ever for a retry the database refuses.
 */
export const PROCEEDS_USED_BY_RECOURSE_PATCH = 'proceeds-used-by-recourse';

type PayoutStatus = Awaited<ReturnType<typeof submitPayout>>;

/** Carries the payout from `start` until it is settled and watched. */
export async function payOut(run: FinancingRun, start: PayoutProgress): Promise<void> {
  let progress = start;
  for (;;) {
    run.payout.progress = progress;
    switch (progress.step) {
      case 'DONE': {
        // Until the financing is settled a retry may still come: a payout returned after the
        // watch is booked from the statement, and only a person pays it again. The database
        // refuses a retry while the last payout stands settled.
        if (!run.servicing.settled && patched(RETRY_AFTER_WATCH_PATCH) && patched(VALUE_DATED_SERVICING_PATCH)) {
          run.payout.waiting = true;
          await rest(run, 'payout', () => run.payout.retriedId !== null || run.servicing.settled);
          run.payout.waiting = false;
          const retriedId = run.payout.retriedId;
          if (retriedId !== null) {
            run.payout.retriedId = null;
            progress = { step: 'SUBMITTING', payoutId: retriedId };
            break;
          }
        }
        run.payout.done = true;
        return;
      }
      case 'AWAITING_RETRY': {
        const payoutId = await awaitRetry(run);
        if (payoutId === null) {
          run.payout.done = true;
          return;
        }
        progress = { step: 'SUBMITTING', payoutId };
        break;
      }
      case 'SUBMITTING':
        progress = await afterAnswer(run, progress.payoutId, await submitPayout(run, progress.payoutId), PAYOUT_POLL_FIRST_MS);
        break;
      case 'FOLLOWING': {
        const { payoutId, pollDelayMs } = progress;
        await rest(run, 'payout', () => false, pollDelayMs);
        progress = await afterAnswer(run, payoutId, await checkPayout(run, payoutId), Math.min(pollDelayMs * 2, PAYOUT_POLL_MAX_MS));
        break;
      }
      case 'WATCHING': {
        const { payoutId, daysWatched } = progress;
        if (daysWatched >= RETURN_WATCH_DAYS) {
          progress = { step: 'DONE' };
          break;
        }
        await rest(run, 'payout', () => false, DAY_MS);
        progress = (await checkPayout(run, payoutId)) === 'SETTLED' ? { step: 'WATCHING', payoutId, daysWatched: daysWatched + 1 } : await failed(run, payoutId);
        break;
      }
    }
  }
}

/** What the bank's answer leads to: asking again later, watching a settled payout, or a person's retry. */
async function afterAnswer(run: FinancingRun, payoutId: string, status: PayoutStatus, nextPollMs: number): Promise<PayoutProgress> {
  if (status === 'SUBMITTED' || status === 'PENDING' || status === 'UNKNOWN') return { step: 'FOLLOWING', payoutId, pollDelayMs: nextPollMs };
  if (status === 'SETTLED') {
    followMoney(run, 'DISBURSED');
    return { step: 'WATCHING', payoutId, daysWatched: 0 };
  }
  return failed(run, payoutId);
}

/** Failed or returned: the money is back in the supplier's account and the supplier is told, once per payout. */
async function failed(run: FinancingRun, payoutId: string): Promise<PayoutProgress> {
  followMoney(run, 'PAYOUT_FAILED');
  // Told after the disbursement, never before it (NOTICES_ALONGSIDE_MONEY_PATCH; null on the path before, which awaits nothing here).
  if (run.disbursementNotice !== null) await run.disbursementNotice;
  await notify(run, 'SUPPLIER', 'PAYOUT_FAILED', { event: payoutId });
  return { step: 'AWAITING_RETRY' };
}

/**
 * Waits for the retryPayout Update, which opens the next attempt; null when no retry can come.
 * Once the financing is settled the database is asked, once per run, whether recourse used all
 * the proceeds the payout left (PROCEEDS_USED_BY_RECOURSE_PATCH); a retry that arrives meanwhile
 * is taken. A run that replays a history from before the change keeps waiting as it did.
 */
async function awaitRetry(run: FinancingRun): Promise<string | null> {
  let asked = false;
  for (;;) {
    run.payout.waiting = true;
    await rest(run, 'payout', () => run.payout.retriedId !== null || (run.servicing.settled && !asked));
    run.payout.waiting = false;
    if (run.payout.retriedId === null) {
      asked = true;
      const used = patched(PROCEEDS_USED_BY_RECOURSE_PATCH) && (await proceedsUsedByRecourse(run));
      if (run.payout.retriedId === null) {
        if (used) return null;
        continue;
      }
    }
    const payoutId = run.payout.retriedId;
    run.payout.retriedId = null;
    return payoutId;
  }
}
