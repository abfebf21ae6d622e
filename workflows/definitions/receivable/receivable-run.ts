import { patched, workflowInfo } from '@temporalio/workflow';
import type { ReceivableRegistration, ReceivableState, ReceivableWorkflowInput } from '../../contracts/receivable';
import type { AttentionTarget } from '../attention';
import { recordReceivableAttention } from './receivable-steps';

/**
 * Everything one run of the confirmation workflow knows, in one object: the message handlers
 * (receivable-confirmation-workflow.ts) and the phases (confirmation.ts) read and change it.
 * Handlers run while a phase awaits, so a phase reads the status after every await.
 */
export interface ReceivableRun extends AttentionTarget {
  readonly receivableId: string;
  readonly workflowId: string;
  readonly input: ReceivableWorkflowInput;
  readonly registration: ReceivableRegistration;
  /** The state as the last decision left it; the receivableState Query answers it. */
  state: ReceivableState;
  /**
   * Runs under LATE_DECISIONS_PATCH: a decision finishing after a later one keeps the later
   * state, and a cancellation decided while the outcome was announced is announced too.
   */
  keepsLatestState: boolean;
}

/** See ReceivableRun.keepsLatestState; a history from before replays the old path. */
export const LATE_DECISIONS_PATCH = 'late-decisions-announced';

export function startReceivableRun(input: ReceivableWorkflowInput, registration: ReceivableRegistration): ReceivableRun {
  const run: ReceivableRun = {
    receivableId: input.receivableId,
    workflowId: workflowInfo().workflowId,
    label: `receivable ${input.receivableId}`,
    input,
    registration,
    state: { status: 'REGISTERED', confirmedAmount: null },
    keepsLatestState: patched(LATE_DECISIONS_PATCH),
    attention: null,
    resumes: 0,
    record: (attention) => recordReceivableAttention(run, attention),
  };
  return run;
}

/** Decided: confirmed, rejected, cancelled or expired. Read through a function, after every await. */
export function isDecided(run: ReceivableRun): boolean {
  return run.state.status !== 'REGISTERED';
}
