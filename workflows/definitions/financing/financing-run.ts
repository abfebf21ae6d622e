import { condition, patched, workflowInfo } from '@temporalio/workflow';
import type { FinancingOrigination, FinancingState, FinancingStatus, FinancingWorkflowInput, PayoutProgress } from '../../contracts/financing';
import { canMoveMoney } from '../../../domain/financing-rules';
import type { AttentionTarget } from '../attention';
import { recordFinancingAttention } from './financing-steps';

/**
 * Everything one run of the financing workflow knows, in one object: the message handlers
 * (financing-workflow.ts) and the phases (origination, funding and payout, servicing) read and
 * change it, and nothing else holds state. Handlers run while a phase awaits, so a phase reads
 * the status through `statusOf(run)` after every await, never from a copy.
 */
export interface FinancingRun extends AttentionTarget {
  readonly financingId: string;
  readonly workflowId: string;
  readonly input: FinancingWorkflowInput;
  readonly origination: FinancingOrigination;
  /** The state as the last decision or step left it; the financingState Query answers it. */
  state: FinancingState;
  /** Runs under LATER_DECISIONS_PATCH: a decision finishing after a later one keeps the later state (takeDecided). */
  keepsLatestState: boolean;
  /** Raised by the repaymentReceived and fundingAvailable Signals; a phase waits for them to pass what it has seen. */
  repaymentSignals: number;
  fundingSignals: number;
  /** The payout: waiting for a person's retry, the retried attempt's id, done (settled and watched), and where it stands (carried by a continue-as-new). */
  payout: { waiting: boolean; retriedId: string | null; done: boolean; progress: PayoutProgress };
  /**
   * The supplier's notice of the disbursement while it is sent alongside the payout
   * (NOTICES_ALONGSIDE_MONEY_PATCH); a payout failure's notice waits for it, so that the
   * supplier never reads of a failed payout before the disbursement. Null on the path before.
   */
  disbursementNotice: Promise<void> | null;
  /** What servicing has done, carried by a continue-as-new (continuation.ts). */
  servicing: { recourseDone: boolean; settled: boolean; overdueTold: boolean };
  /** How each of the two loops after disbursement waits, when it waits at a point where the run may continue as new. */
  resting: { payout: Rest | null; servicing: Rest | null };
}

/** A loop's wait: what wakes it, and when its timer fires (never: Infinity). */
export interface Rest {
  wake: () => boolean;
  until: number;
}

/** See FinancingRun.keepsLatestState; a history from before replays the old path. */
export const LATER_DECISIONS_PATCH = 'later-decisions-kept';

/** The first state: OPEN assignment waits for the core enterprise, SILENT goes straight to the funder. */
export function startFinancingRun(input: FinancingWorkflowInput, origination: FinancingOrigination): FinancingRun {
  const run: FinancingRun = {
    financingId: input.financingId,
    workflowId: workflowInfo().workflowId,
    label: `financing ${input.financingId}`,
    input,
    origination,
    state: { status: origination.assignmentMode === 'OPEN' ? 'PENDING_ACKNOWLEDGEMENT' : 'PENDING_APPROVAL', approvalDeadline: origination.approvalDeadline },
    keepsLatestState: patched(LATER_DECISIONS_PATCH),
    repaymentSignals: 0,
    fundingSignals: 0,
    payout: { waiting: false, retriedId: null, done: false, progress: input.resumeServicing?.payout ?? { step: 'DONE' } },
    servicing: { recourseDone: input.resumeServicing?.recourseDone ?? false, settled: input.resumeServicing?.settled ?? false, overdueTold: input.resumeServicing?.overdueTold ?? false },
    resting: { payout: null, servicing: null },
    disbursementNotice: null,
    attention: null,
    resumes: 0,
    record: (attention) => recordFinancingAttention(run, attention),
  };
  return run;
}

/** Read through a function: Update handlers change the state while a phase awaits. */
export function statusOf(run: FinancingRun): FinancingStatus {
  return run.state.status;
}

export function setStatus(run: FinancingRun, status: FinancingStatus): void {
  run.state = { ...run.state, status };
}

/**
 * Follows the money as the database does (MONEY_TRANSITIONS): a payout's outcome moves a
 * financing that is still about its payout (DISBURSING, DISBURSED, PAYOUT_FAILED), never one
 * that servicing moved on (OVERDUE, SETTLED).
 */
export function followMoney(run: FinancingRun, status: FinancingStatus): void {
  if (canMoveMoney(run.state.status, status)) setStatus(run, status);
}

/** Under silent assignment (暗保理) the core enterprise is never told. */
export function obligorKnows(run: FinancingRun): boolean {
  return run.origination.assignmentMode === 'OPEN';
}

/**
 * Waits at a point where the run may continue as new (continuation.ts) until `wake` holds or
 * `timeoutMs` has passed (a timer, as `condition` makes one); answers whether `wake` held.
 * While it waits, the loop's state is all in `run`, so a new run carrying it picks up where this
 * one stands.
 */
export async function rest(run: FinancingRun, loop: keyof FinancingRun['resting'], wake: () => boolean, timeoutMs?: number): Promise<boolean> {
  run.resting[loop] = { wake, until: timeoutMs === undefined ? Infinity : Date.now() + timeoutMs };
  try {
    if (timeoutMs === undefined) {
      await condition(wake);
      return true;
    }
    return await condition(wake, timeoutMs);
  } finally {
    run.resting[loop] = null;
  }
}

/**
 * Whether a loop still waits right now. Read from the wait itself, not from a flag the loop
 * clears when it resumes: a timer that fires, or a Signal, is applied before the loop's code
 * runs again, and a continue-as-new decided in between would drop the step the loop is about
 * to take.
 */
export function stillResting(rest: Rest | null): boolean {
  return rest !== null && !rest.wake() && Date.now() < rest.until;
}
