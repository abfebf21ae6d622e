import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  applyForFinancingUpdate,
  FINANCING_UPDATES,
  financingStateQuery,
  fundingAvailableSignal,
  repaymentReceivedSignal,
  retryPayoutUpdate,
  type FinancingDecision,
  type FinancingNotificationKind,
  type FinancingOrigination,
  type FinancingState,
  type FinancingWorkflowInput,
} from '../contracts/financing';
import { DOMAIN_ERROR_FAILURE_TYPE } from '../contracts/domain-error-codec';
import type { ActorRef } from '../contracts/receivable';
import { addDays, businessDateOf, daysBetween, startOfBusinessDate } from '../../domain/business-date';
import { DomainError, WrongStateError } from '../../domain/errors';
import { assertBeforeDeadline, assertDecisionAllowed, deadlineOf, type FinancingDecisionKind } from '../../domain/financing-rules';
import { overdueFrom, recourseOn } from '../../domain/servicing-rules';
import { refuse, updateKey } from './update-support';

type Activities = ReturnType<typeof createActivities>;

// As for receivables: activities write to PostgreSQL idempotently and are retried until the
// database answers; a rule violation comes back as a non-retryable domain error.
const {
  decideFinancing,
  generateFinancingDocument,
  notifyFinancingParty,
  reserveFunding,
  disburse,
  submitPayout,
  checkPayout,
  retryPayout,
  accruePenalty,
  allocateCollection,
  claimRecourse,
  readFinancingStatus,
} = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// The application answers a person waiting on the API: it is bounded, and an application that
// cannot be written in that time fails the request (the client retries with its idempotency key).
const { applyForFinancing } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** How long a run started without its application Update waits for one before it ends. */
const APPLICATION_WAIT_MS = 10 * 60 * 1000;

/**
 * The workflow's first Update performs the application (sent with the start, update-with-start).
 * A repeat of the same request finds the financing applied for and gets the same answer. Returns
 * null when the application was refused (the run then ends with nothing to do) or when this run
 * is not the financing's first (its origination is already decided elsewhere).
 */
async function awaitApplication(input: FinancingWorkflowInput): Promise<FinancingOrigination | null> {
  if (input.financingNumber !== undefined && input.assignmentMode !== undefined && input.dueDate !== undefined && input.graceDays !== undefined) {
    return {
      financingNumber: input.financingNumber,
      assignmentMode: input.assignmentMode,
      acknowledgementDeadline: input.acknowledgementDeadline ?? null,
      approvalDeadline: input.approvalDeadline ?? null,
      dueDate: input.dueDate,
      graceDays: input.graceDays,
      recourseAfterDays: input.recourseAfterDays ?? null,
    };
  }
  let applied: FinancingOrigination | null = null;
  let refused = false;
  const initial = (status: FinancingState['status']) => status === 'PENDING_ACKNOWLEDGEMENT' || status === 'PENDING_APPROVAL';
  const windows = { acknowledgementWindowMs: input.acknowledgementWindowMs ?? 0, approvalWindowMs: input.approvalWindowMs, fundingWindowMs: input.fundingWindowMs };
  setHandler(applyForFinancingUpdate, async ({ actor, input: application }) => {
    try {
      const answer = await applyForFinancing({ financingId: input.financingId, actor, input: application, windows });
      // A repeat that finds the financing already decided belongs to an earlier run: nothing to wait for here.
      if (applied === null) {
        if (answer.financingId === input.financingId && initial(answer.status)) applied = answer;
        else refused = true;
      }
      return answer;
    } catch (error) {
      if (applied === null) refused = true;
      throw error;
    }
  });
  await condition(() => applied !== null || refused, APPLICATION_WAIT_MS);
  return applied;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const FUNDING_RECHECK_MS = 60 * 60 * 1000;
// Asking the bank about an unfinished payout: after 30 s, doubling up to once an hour.
const PAYOUT_POLL_FIRST_MS = 30 * 1000;
const PAYOUT_POLL_MAX_MS = 60 * 60 * 1000;
// How long a settled payout is watched for a return by the beneficiary's bank.
const RETURN_WATCH_DAYS = 5;

/**
 * One financing from application to settlement (docs/workflows/financing.md). Origination:
 * under OPEN assignment the core enterprise acknowledges (or refuses) the assignment before a
 * deadline; then two different users of the funder approve and confirm before another; the
 * supplier may withdraw until then. Every decision is an Update answered with the new state or
 * a typed error; a deadline that passes expires the financing, releasing the limits and the
 * receivable. Then the money: funding, disbursement, the payout, and servicing until the
 * funder is whole. Workflow id: `financing:<financingId>`.
 */
export async function financingWorkflow(input: FinancingWorkflowInput): Promise<FinancingState | null> {
  const { financingId } = input;
  const workflowId = workflowInfo().workflowId;
  const applied = await awaitApplication(input);
  if (!applied) {
    await condition(allHandlersFinished);
    return null;
  }
  const origination: FinancingOrigination = applied;
  let state: FinancingState = {
    status: origination.assignmentMode === 'OPEN' ? 'PENDING_ACKNOWLEDGEMENT' : 'PENDING_APPROVAL',
    approvalDeadline: origination.approvalDeadline,
  };
  setHandler(financingStateQuery, () => state);
  let repaymentSignals = 0;
  let fundingSignals = 0;
  let payoutWaiting = false;
  let payoutDone = false;
  let retriedPayoutId: string | null = null;
  setHandler(repaymentReceivedSignal, () => {
    repaymentSignals += 1;
  });
  setHandler(fundingAvailableSignal, () => {
    fundingSignals += 1;
  });
  setHandler(
    retryPayoutUpdate,
    async ({ actor }) => {
      const retried = await retryPayout({ financingId, actor, requestKey: `${workflowId}:retry-payout:${updateKey()}`, at: new Date() });
      retriedPayoutId = retried.payoutId;
      state = { ...state, status: 'DISBURSING' };
      return retried;
    },
    {
      validator: (_args: unknown) => {
        if (!payoutWaiting || retriedPayoutId !== null) refuse(new WrongStateError('no failed or returned payout is waiting for a retry', state.status));
      },
    },
  );
  // Read through a function: Update handlers change the state while the main flow awaits.
  const status = () => state.status;

  const decide = async (decision: FinancingDecision, actor: ActorRef | null, key: string): Promise<FinancingState> => {
    state = await decideFinancing({ financingId, decision, actor, idempotencyKey: `${workflowId}:${key}` });
    return state;
  };
  // Validators turn away what the state or the clock already rules out, without touching the
  // history; the database checks everything again under the financing's row lock.
  const validator = (kind: FinancingDecisionKind) => (_args: unknown) => {
    try {
      assertDecisionAllowed(state.status, kind);
      assertBeforeDeadline(state.status, deadlineOf(state.status, { acknowledgementDeadline: origination.acknowledgementDeadline, approvalDeadline: state.approvalDeadline }), new Date(), kind);
    } catch (error) {
      if (error instanceof DomainError) refuse(error);
      throw error;
    }
  };
  setHandler(
    FINANCING_UPDATES.ACKNOWLEDGE,
    // The funder's clock starts when the assignment is acknowledged.
    ({ actor }) => decide({ kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + input.approvalWindowMs) }, actor, `acknowledge:${updateKey()}`),
    { validator: validator('ACKNOWLEDGE') },
  );
  setHandler(FINANCING_UPDATES.REFUSE, ({ actor, reason }) => decide({ kind: 'REFUSE', reason }, actor, `refuse:${updateKey()}`), { validator: validator('REFUSE') });
  setHandler(FINANCING_UPDATES.APPROVE, ({ actor }) => decide({ kind: 'APPROVE' }, actor, `approve:${updateKey()}`), { validator: validator('APPROVE') });
  setHandler(FINANCING_UPDATES.CONFIRM_APPROVAL, ({ actor }) => decide({ kind: 'CONFIRM_APPROVAL' }, actor, `confirm-approval:${updateKey()}`), {
    validator: validator('CONFIRM_APPROVAL'),
  });
  setHandler(FINANCING_UPDATES.REJECT, ({ actor, reason }) => decide({ kind: 'REJECT', reason }, actor, `reject:${updateKey()}`), { validator: validator('REJECT') });
  setHandler(FINANCING_UPDATES.WITHDRAW, ({ actor, reason }) => decide({ kind: 'WITHDRAW', reason }, actor, `withdraw:${updateKey()}`), { validator: validator('WITHDRAW') });

  const notify = (to: 'SUPPLIER' | 'OBLIGOR' | 'FUNDER', kind: FinancingNotificationKind) => notifyFinancingParty({ financingId, to, kind, dedupeKey: `${workflowId}:${kind}:${to}` });
  const waitWhile = async (waiting: FinancingState['status'], deadline: Date | null) => {
    if (status() !== waiting || deadline === null) return;
    const wait = deadline.getTime() - Date.now();
    if (wait > 0) await condition(() => status() !== waiting, wait);
    // The decision may race the deadline; the database settles it (a decided financing does not expire).
    if (status() === waiting) await decide({ kind: 'EXPIRE' }, null, `expire:${waiting}`);
  };

  const obligorKnows = origination.assignmentMode === 'OPEN';
  if (input.resumeServicing) {
    // Continued as new while servicing: the money has moved and the payout needs no watching.
    state = { ...state, status: await readFinancingStatus({ financingId }) };
    payoutDone = true;
    await service();
    await condition(allHandlersFinished);
    return state;
  }

  // Rendered alongside the wait, like the receivable's certificate: it must not delay anyone's answer.
  const notice = generateFinancingDocument({ financingId, kind: 'NOTICE_OF_ASSIGNMENT' });

  if (status() === 'PENDING_ACKNOWLEDGEMENT') {
    await notify('OBLIGOR', 'ACKNOWLEDGEMENT_REQUESTED');
    await waitWhile('PENDING_ACKNOWLEDGEMENT', origination.acknowledgementDeadline);
    if (status() === 'PENDING_APPROVAL') {
      await generateFinancingDocument({ financingId, kind: 'ASSIGNMENT_ACKNOWLEDGEMENT' });
      await notify('SUPPLIER', 'ASSIGNMENT_ACKNOWLEDGED');
    }
  }
  if (status() === 'PENDING_APPROVAL') {
    await notify('FUNDER', 'APPROVAL_REQUESTED');
    await waitWhile('PENDING_APPROVAL', state.approvalDeadline);
  }
  if (status() === 'PENDING_CONFIRMATION') {
    await notify('FUNDER', 'APPROVAL_CONFIRMATION_REQUESTED');
    await waitWhile('PENDING_CONFIRMATION', state.approvalDeadline);
  }

  switch (status()) {
    case 'APPROVED':
      await generateFinancingDocument({ financingId, kind: 'FINANCING_TERMS' });
      await notify('SUPPLIER', 'FINANCING_APPROVED');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_APPROVED');
      await moveMoney();
      break;
    case 'REFUSED':
      await notify('SUPPLIER', 'ASSIGNMENT_REFUSED');
      break;
    case 'REJECTED':
      await notify('SUPPLIER', 'FINANCING_REJECTED');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_REJECTED');
      break;
    case 'WITHDRAWN':
      await notify('FUNDER', 'FINANCING_WITHDRAWN');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_WITHDRAWN');
      break;
    default:
      break;
  }
  if (status() === 'EXPIRED') {
    await notify('SUPPLIER', 'FINANCING_EXPIRED');
    await notify('FUNDER', 'FINANCING_EXPIRED');
    if (obligorKnows) await notify('OBLIGOR', 'FINANCING_EXPIRED');
  }
  await notice;
  // Let an Update that arrived during the last step finish and answer its caller.
  await condition(allHandlersFinished);
  return state;

  // ---------------------------------------------------------------------------------------
  // After approval: funding, disbursement, payout and servicing (docs/workflows/financing.md).

  async function moveMoney(): Promise<void> {
    if (!(await fund())) return;
    const { payoutId } = await disburse({ financingId, at: new Date() });
    state = { ...state, status: payoutId ? 'DISBURSING' : 'PAYOUT_FAILED' };
    await notify('SUPPLIER', 'FINANCING_DISBURSED');
    await Promise.all([payOut(payoutId), service()]);
  }

  /** Reserves the advance on the funder's account, waiting (FUNDING_PENDING) for top-ups until the funding deadline. */
  async function fund(): Promise<boolean> {
    for (;;) {
      const funding = await reserveFunding({ financingId, fundingWindowMs: input.fundingWindowMs, at: new Date() });
      if (funding.reserved) return true;
      state = { ...state, status: 'FUNDING_PENDING' };
      await notify('FUNDER', 'FUNDING_REQUIRED');
      const left = funding.fundingDeadline.getTime() - Date.now();
      if (left <= 0) {
        await decide({ kind: 'EXPIRE' }, null, 'expire:FUNDING_PENDING');
        return status() !== 'EXPIRED';
      }
      // A top-up signals at once; the hourly look covers a signal lost while the worker was down.
      const seen = fundingSignals;
      await condition(() => fundingSignals > seen, Math.min(left, FUNDING_RECHECK_MS));
    }
  }

  /**
   * One payout at a time, always under its own reference: sent, then asked about with backoff
   * while the bank has not finished it (a timeout is not a failure), then watched for a return
   * for a few days. A failure or a return waits for a person's retry (never automatic).
   */
  async function payOut(first: string | null): Promise<void> {
    let payoutId = first;
    for (;;) {
      if (payoutId === null) {
        payoutWaiting = true;
        await condition(() => retriedPayoutId !== null);
        payoutId = retriedPayoutId;
        retriedPayoutId = null;
        payoutWaiting = false;
        continue;
      }
      let payoutStatus = await submitPayout({ payoutId, at: new Date() });
      let delay = PAYOUT_POLL_FIRST_MS;
      while (payoutStatus === 'SUBMITTED' || payoutStatus === 'PENDING' || payoutStatus === 'UNKNOWN') {
        await sleep(delay);
        delay = Math.min(delay * 2, PAYOUT_POLL_MAX_MS);
        payoutStatus = await checkPayout({ payoutId, at: new Date() });
      }
      for (let day = 0; payoutStatus === 'SETTLED' && day < RETURN_WATCH_DAYS; day += 1) {
        await sleep(DAY_MS);
        payoutStatus = await checkPayout({ payoutId, at: new Date() });
      }
      if (payoutStatus === 'SETTLED') {
        payoutDone = true;
        return;
      }
      await notify('SUPPLIER', 'PAYOUT_FAILED');
      payoutId = null;
    }
  }

  /**
   * From disbursement to settlement: waits for repayments and for each new business day;
   * after the grace days charges penalty daily (OVERDUE); with recourse, claims from the
   * supplier on its day; allocates every repayment through the waterfall; ends when the
   * funder is whole.
   */
  async function service(): Promise<void> {
    const overdueStart = overdueFrom(origination.dueDate, origination.graceDays);
    const recourseDay = origination.recourseAfterDays === null ? null : recourseOn(origination.dueDate, origination.recourseAfterDays);
    const parties = obligorKnows ? (['SUPPLIER', 'FUNDER', 'OBLIGOR'] as const) : (['SUPPLIER', 'FUNDER'] as const);
    let recourseDone = input.resumeServicing?.recourseDone ?? false;
    let handled = 0;
    let allocations = 0;
    let settled = false;
    // Whatever is in the collection account, allocated; keyed per run (continue-as-new starts a new one).
    const allocate = async () => {
      allocations += 1;
      const allocation = await allocateCollection({ financingId, idempotencyKey: `${workflowId}:${workflowInfo().runId}:allocation:${allocations}`, at: new Date() });
      if (allocation?.settled) settled = true;
    };
    await allocate();
    while (!settled) {
      const today = businessDateOf(new Date());
      // Wake for the next day that matters (overdue start, recourse), then daily once overdue, and on every repayment.
      const upcoming = [overdueStart, ...(recourseDay !== null && !recourseDone ? [recourseDay] : [])].filter((day) => daysBetween(today, day) > 0).sort();
      const next = daysBetween(overdueStart, today) >= 0 ? addDays(today, 1) : (upcoming[0] ?? addDays(today, 1));
      await condition(() => repaymentSignals > handled, Math.max(1, startOfBusinessDate(next).getTime() - Date.now()));
      handled = repaymentSignals;
      const day = businessDateOf(new Date());
      await tolerating('penalty', async () => {
        if (daysBetween(overdueStart, day) < 0) return;
        const penalty = await accruePenalty({ financingId, today: day, at: new Date() });
        if (penalty.overdue && state.status !== 'OVERDUE') {
          state = { ...state, status: 'OVERDUE' };
          for (const party of parties) await notify(party, 'FINANCING_OVERDUE');
        }
      });
      if (recourseDay !== null && !recourseDone && daysBetween(recourseDay, day) >= 0) {
        await tolerating('recourse', async () => {
          const recourse = await claimRecourse({ financingId, at: new Date() });
          recourseDone = true;
          if (recourse.settled) settled = true;
          if (recourse.claimedAny) await notify('SUPPLIER', 'RECOURSE_CLAIMED');
        });
      }
      // Every wake-up allocates: a repayment whose signal was lost is picked up the next day at the latest.
      if (!settled) await allocate();
      // A long overdue financing: start a fresh history once the payout needs no more watching.
      if (!settled && payoutDone && workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof financingWorkflow>({ ...input, ...origination, resumeServicing: { recourseDone } });
      }
    }
    state = { ...state, status: 'SETTLED' };
    await generateFinancingDocument({ financingId, kind: 'SETTLEMENT_STATEMENT' });
    for (const party of parties) await notify(party, 'FINANCING_SETTLED');
    // Still open for a payout a person must retry: money arriving now is surplus, returned to the supplier.
    while (!payoutDone) {
      await condition(() => repaymentSignals > handled || payoutDone);
      handled = repaymentSignals;
      await allocate();
    }
  }

  /**
   * A rule that refuses a servicing step (a domain error) must not end the workflow and strand
   * the financing: it is logged and the step is tried again at the next wake-up.
   */
  async function tolerating(step: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure) || error.cause.type !== DOMAIN_ERROR_FAILURE_TYPE) throw error;
      log.warn(`financing ${financingId}: ${step} refused, trying again at the next wake-up: ${error.cause.message}`);
    }
  }
}
