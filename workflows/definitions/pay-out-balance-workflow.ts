import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Attention } from '../contracts/attention';
import {
  approveRefundUpdate,
  balancePayoutAttentionQuery,
  balancePayoutStatusQuery,
  requestBalancePayoutUpdate,
  resumeBalancePayoutUpdate,
  type BalancePayoutStatus,
  type BalancePayoutWorkflowInput,
  type RequestedBalancePayout,
} from '../contracts/balance-payout';
import { ATTENTION_RECORD, BANK_CALL, DATABASE_STEP, PERSON_WAITING } from './activity-bounds';
import { assertWaitingForOperator, resumeSteps, runStep, type AttentionTarget } from './attention';
// Asked about and watched for a return exactly as a disbursement's payout is.
import { awaitOpening } from './run-opening';
import { DAY_MS, PAYOUT_POLL_FIRST_MS, PAYOUT_POLL_MAX_MS, RETURN_WATCH_DAYS } from './financing/payout';

// One payout of a balance (docs/workflows/balance-payout.md): a supplier's withdrawal, the
// platform's fee sweep, or a refund to a payer of money held in suspense. Its request is the
// first Update (update-with-start; a refund's is the checker's approval), which checks it, puts
// the money in transit and writes the payout; then the payout is sent under its one
// reference and followed exactly as a disbursement's payout: a timeout is unknown, not failed,
// the bank is asked (never sent again unless it never got it), and a settled payout is watched
// for a return. Every bank call has its bound and waits for an operator at it. Nothing is ever
// retried by a new payout: a failed or returned one ends here with its money back in the
// account it left, and a person asks again.

const personWaiting = proxyActivities<Activities>(PERSON_WAITING);
const bank = proxyActivities<Activities>(BANK_CALL);
const databaseStep = proxyActivities<Activities>(DATABASE_STEP);
const attentionRecord = proxyActivities<Activities>(ATTENTION_RECORD);

/** How long a run started without its request Update waits for one before it ends. */
const REQUEST_WAIT_MS = 10 * 60 * 1000;

interface PayoutRun extends AttentionTarget {
  payoutId: string;
  status: BalancePayoutStatus | null;
}

function isOpen(status: BalancePayoutStatus | null): boolean {
  return status === 'SUBMITTED' || status === 'PENDING' || status === 'UNKNOWN';
}

/**
 * The request (update-with-start): false when it was refused, or when no request came. A
 * withdrawal's or sweep's request, or a refund's approval: whichever opens the payout first; the
 * handlers add no command to the history, so runs recorded before refunds existed replay as ever.
 */
async function awaitRequest(run: PayoutRun): Promise<boolean> {
  let opened = false;
  let refused = false;
  const open = async (request: () => Promise<RequestedBalancePayout>): Promise<RequestedBalancePayout> => {
    try {
      const answer = await request();
      // A repeat finding an earlier payout under another id belongs to that payout's own run.
      if (!opened) {
        if (answer.payoutId === run.payoutId) {
          opened = true;
          run.status = answer.status;
        } else refused = true;
      }
      return answer;
    } catch (error) {
      if (!opened) refused = true;
      throw error;
    }
  };
  setHandler(requestBalancePayoutUpdate, (args) => open(() => personWaiting.requestBalancePayout({ ...args, payoutId: run.payoutId, at: new Date() })));
  setHandler(approveRefundUpdate, (args) => open(() => personWaiting.approveRefund({ ...args, payoutId: run.payoutId, at: new Date() })));
  await awaitOpening(() => opened, () => refused, REQUEST_WAIT_MS);
  return opened;
}

/** Continues as new when the history grows long (a payout unknown for weeks), carrying where it was. */
async function continueIfLong(run: PayoutRun, watchedDays: number | null): Promise<void> {
  if (!workflowInfo().continueAsNewSuggested) return;
  await condition(allHandlersFinished);
  await continueAsNew<typeof payOutBalanceWorkflow>({ payoutId: run.payoutId, following: { watchedDays } });
}

/** Sends the payout (or, in a continued run, asks about it), then asks with backoff until the bank has finished it. */
async function settle(run: PayoutRun, continued: boolean): Promise<BalancePayoutStatus> {
  const check = () => runStep(run, 'checkPayout', () => bank.checkPayout({ payoutId: run.payoutId, at: new Date() }));
  run.status = continued ? await check() : await runStep(run, 'submitPayout', () => bank.submitPayout({ payoutId: run.payoutId, at: new Date() }));
  let delay = PAYOUT_POLL_FIRST_MS;
  while (isOpen(run.status)) {
    await sleep(delay);
    delay = Math.min(delay * 2, PAYOUT_POLL_MAX_MS);
    run.status = await check();
    if (isOpen(run.status)) await continueIfLong(run, null);
  }
  return run.status;
}

/** A settled payout can still come back from the beneficiary's bank: asked once a day for a few days. */
async function watchForReturn(run: PayoutRun, watchedDays: number): Promise<void> {
  for (let day = watchedDays; run.status === 'SETTLED' && day < RETURN_WATCH_DAYS; day += 1) {
    await sleep(DAY_MS);
    run.status = await runStep(run, 'checkPayout', () => bank.checkPayout({ payoutId: run.payoutId, at: new Date() }));
    if (run.status === 'SETTLED') await continueIfLong(run, day + 1);
  }
}

/**
 * A withdrawal, fee sweep or refund from its request to its end: SETTLED (and not returned within the
 * watch), FAILED or RETURNED; null when the request was refused. Workflow id `payout:<payoutId>`.
 */
export async function payOutBalanceWorkflow(input: BalancePayoutWorkflowInput): Promise<BalancePayoutStatus | null> {
  const run: PayoutRun = {
    payoutId: input.payoutId,
    label: `payout ${input.payoutId}`,
    status: null,
    attention: null,
    resumes: 0,
    record: (attention: Attention) =>
      attentionRecord.recordBalancePayoutAttention({ payoutId: input.payoutId, attention, dedupeKey: `${workflowInfo().workflowId}:attention:${attention.step}:${attention.since.toISOString()}` }),
  };
  setHandler(balancePayoutStatusQuery, () => run.status);
  setHandler(balancePayoutAttentionQuery, () => run.attention);
  setHandler(resumeBalancePayoutUpdate, (args) => resumeSteps(run, () => personWaiting.clearBalancePayoutAttention({ payoutId: run.payoutId, actor: args.actor })), {
    validator: (_args: unknown) => assertWaitingForOperator(run, run.status ?? 'REQUESTED'),
  });
  const continued = input.following ?? null;
  if (!continued && !(await awaitRequest(run))) {
    await condition(allHandlersFinished);
    return null;
  }
  if (continued === null || continued.watchedDays === null) await settle(run, continued !== null);
  else run.status = 'SETTLED';
  if (run.status === 'SETTLED') await watchForReturn(run, continued?.watchedDays ?? 0);
  await runStep(run, 'notifyBalancePayoutOutcome', () => databaseStep.notifyBalancePayoutOutcome({ payoutId: run.payoutId, dedupeKey: `${workflowInfo().workflowId}:outcome:${run.status}` }));
  await condition(allHandlersFinished);
  return run.status;
}
