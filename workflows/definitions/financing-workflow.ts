import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import {
  applyForFinancingUpdate,
  FINANCING_UPDATES,
  financingAttentionQuery,
  financingStateQuery,
  fundingAvailableSignal,
  repaymentReceivedSignal,
  resumeFinancingUpdate,
  retryPayoutUpdate,
  type ActorArgs,
  type FinancingDecision,
  type FinancingOrigination,
  type FinancingState,
  type FinancingWorkflowInput,
} from '../contracts/financing';
import type { ReasonArgs } from '../contracts/receivable';
import { DomainError, WrongStateError } from '../../domain/errors';
import { assertBeforeDeadline, assertDecisionAllowed, deadlineOf, type FinancingDecisionKind } from '../../domain/financing-rules';
import { assertWaitingForOperator, resumeSteps } from './attention';
import { followMoney, startFinancingRun, setStatus, statusOf, type FinancingRun } from './financing/financing-run';
import { resumeAfterDisbursement } from './financing/continuation';
import { applyForFinancing, clearFinancingAttention, decide, generateDocument, readFinancingStatus, retryPayout } from './financing/financing-steps';
import { moveMoney } from './financing/funding-and-payout';
import { announceApproval, announceClosing, announceExpiry, awaitDecisions } from './financing/origination';
import { afterOpening, awaitOpening, type RunOpening } from './run-opening';
import { refuse, updateKey } from './update-support';
import { FINANCING_DECISION_ACTIONS } from '../contracts/decision-key';

// The financing workflow's wiring: its messages and the order of its phases. The run's state
// lives in one object (financing/financing-run.ts); each phase has its module (origination,
// funding and payout, servicing) and every activity call its bound (financing/financing-steps.ts).

/** How long a run started without its application Update waits for one before it ends. */
const APPLICATION_WAIT_MS = 10 * 60 * 1000;

/** Only an application that left the financing waiting for its first decision starts this run's process. */
function isFirstState(status: FinancingState['status']): boolean {
  return status === 'PENDING_ACKNOWLEDGEMENT' || status === 'PENDING_APPROVAL';
}

/** A run continued as new, or started by the version before update-with-start, carries its origination. */
function originationOf(input: FinancingWorkflowInput): FinancingOrigination | null {
  if (input.financingNumber === undefined || input.assignmentMode === undefined || input.dueDate === undefined || input.graceDays === undefined) return null;
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

/**
 * The workflow's first Update performs the application (sent with the start, update-with-start).
 * A repeat of the same request finds the financing applied for and gets the same answer. Returns
 * null when the application was refused (the run then ends with nothing to do) or when this run
 * is not the financing's first (its origination is already decided elsewhere).
 */
async function awaitApplication(input: FinancingWorkflowInput): Promise<FinancingOrigination | null> {
  const carried = originationOf(input);
  if (carried) return carried;
  let applied: FinancingOrigination | null = null;
  let refused = false;
  const windows = { acknowledgementWindowMs: input.acknowledgementWindowMs ?? 0, approvalWindowMs: input.approvalWindowMs, fundingWindowMs: input.fundingWindowMs };
  setHandler(applyForFinancingUpdate, async (args) => {
    try {
      const answer = await applyForFinancing(input.financingId, args, windows);
      // A repeat that finds the financing already decided belongs to an earlier run: nothing to wait for here.
      if (applied === null) {
        if (answer.financingId === input.financingId && isFirstState(answer.status)) applied = answer;
        else refused = true;
      }
      return answer;
    } catch (error) {
      if (applied === null) refused = true;
      throw error;
    }
  });
  await awaitOpening(() => applied !== null, () => refused, APPLICATION_WAIT_MS);
  return applied;
}

/**
 * Validators turn away what the state or the clock already rules out, without touching the
 * history; the database checks everything again under the financing's row lock.
 */
function decisionValidator(run: FinancingRun, kind: FinancingDecisionKind) {
  return (_args: unknown) => {
    try {
      assertDecisionAllowed(run.state.status, kind);
      const deadline = deadlineOf(run.state.status, { acknowledgementDeadline: run.origination.acknowledgementDeadline, approvalDeadline: run.state.approvalDeadline });
      assertBeforeDeadline(run.state.status, deadline, new Date(), kind);
    } catch (error) {
      if (error instanceof DomainError) refuse(error);
      throw error;
    }
  };
}

/**
 * Each person's decision is an Update answered with the new state or a typed error, registered
 * when the run starts: a decision may arrive while the application is still finishing
 * (run-opening.ts).
 */
function handleDecisions(opening: RunOpening<FinancingRun>): void {
  const decision = <Args extends ActorArgs>(kind: Exclude<FinancingDecision['kind'], 'EXPIRE'>, make: (run: FinancingRun, args: Args) => FinancingDecision) => {
    const { handler, validator } = afterOpening(
      opening,
      () => new WrongStateError('cannot decide on a financing whose application was refused', 'NOT_APPLIED'),
      (run: FinancingRun) => decisionValidator(run, kind)(undefined),
      (run, args: Args, key) => decide(run, make(run, args), args.actor, FINANCING_DECISION_ACTIONS[kind], key),
    );
    return [handler, { validator }] as const;
  };
  // The funder's clock starts when the assignment is acknowledged.
  setHandler(FINANCING_UPDATES.ACKNOWLEDGE, ...decision('ACKNOWLEDGE', (run, _args: ActorArgs) => ({ kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + run.input.approvalWindowMs) })));
  setHandler(FINANCING_UPDATES.REFUSE, ...decision('REFUSE', (_run, { reason }: ReasonArgs) => ({ kind: 'REFUSE', reason })));
  setHandler(FINANCING_UPDATES.APPROVE, ...decision('APPROVE', (_run, _args: ActorArgs) => ({ kind: 'APPROVE' })));
  setHandler(FINANCING_UPDATES.CONFIRM_APPROVAL, ...decision('CONFIRM_APPROVAL', (_run, _args: ActorArgs) => ({ kind: 'CONFIRM_APPROVAL' })));
  setHandler(FINANCING_UPDATES.REJECT, ...decision('REJECT', (_run, { reason }: ReasonArgs) => ({ kind: 'REJECT', reason })));
  setHandler(FINANCING_UPDATES.WITHDRAW, ...decision('WITHDRAW', (_run, { reason }: ReasonArgs) => ({ kind: 'WITHDRAW', reason })));
}

/** Queries, Signals, the payout retry and the operator's resume. */
function handleProcessMessages(run: FinancingRun): void {
  setHandler(financingStateQuery, () => run.state);
  setHandler(financingAttentionQuery, () => run.attention);
  setHandler(repaymentReceivedSignal, () => {
    run.repaymentSignals += 1;
  });
  setHandler(fundingAvailableSignal, () => {
    run.fundingSignals += 1;
  });
  setHandler(
    retryPayoutUpdate,
    async (args) => {
      const retried = await retryPayout(run, args, `retry-payout:${updateKey()}`);
      run.payout.retriedId = retried.payoutId;
      // As the database: a failed payout's financing is DISBURSING again; an overdue or settled one stays so.
      followMoney(run, 'DISBURSING');
      return retried;
    },
    {
      validator: (_args: unknown) => {
        // A run started for a retry (retryPayoutWithStart) receives it before its payout step is reached.
        const awaitingRetry = run.payout.waiting || (run.payout.progress.step === 'AWAITING_RETRY' && !run.payout.done);
        if (!awaitingRetry || run.payout.retriedId !== null) refuse(new WrongStateError('no failed or returned payout is waiting for a retry', run.state.status));
      },
    },
  );
  setHandler(resumeFinancingUpdate, (args) => resumeSteps(run, () => clearFinancingAttention(run, args)), { validator: (_args: unknown) => assertWaitingForOperator(run, run.state.status) });
}

/** Origination, then (once approved) the money; the notice of assignment is rendered alongside. */
async function runProcess(run: FinancingRun): Promise<void> {
  // Rendered alongside the wait, like the receivable's certificate: it must not delay anyone's answer.
  const notice = generateDocument(run, 'NOTICE_OF_ASSIGNMENT');
  await awaitDecisions(run);
  if (statusOf(run) === 'APPROVED') {
    const approval = await announceApproval(run);
    await moveMoney(run, approval);
  } else {
    await announceClosing(run);
  }
  if (statusOf(run) === 'EXPIRED') await announceExpiry(run);
  await notice;
}

/**
 * One financing from application to settlement (docs/workflows/financing.md). Workflow id:
 * `financing:<financingId>`. A run continued as new while servicing goes straight to servicing.
 */
export async function financingWorkflow(input: FinancingWorkflowInput): Promise<FinancingState | null> {
  const opening: RunOpening<FinancingRun> = { run: null, settled: false };
  handleDecisions(opening);
  const origination = await awaitApplication(input);
  if (!origination) {
    opening.settled = true;
    await condition(allHandlersFinished);
    return null;
  }
  const run = startFinancingRun(input, origination);
  handleProcessMessages(run);
  Object.assign(opening, { run, settled: true });
  if (input.resumeServicing) {
    // Continued as new after disbursement: servicing and the payout go on where the last run left them.
    setStatus(run, await readFinancingStatus(run));
    await resumeAfterDisbursement(run, input.resumeServicing);
  } else {
    await runProcess(run);
  }
  // Let an Update that arrived during the last step finish and answer its caller.
  await condition(allHandlersFinished);
  return run.state;
}
