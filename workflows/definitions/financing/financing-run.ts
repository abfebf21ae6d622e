import { workflowInfo } from '@temporalio/workflow';
import type { FinancingOrigination, FinancingState, FinancingStatus, FinancingWorkflowInput } from '../../contracts/financing';
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
  /** Raised by the repaymentReceived and fundingAvailable Signals; a phase waits for them to pass what it has seen. */
  repaymentSignals: number;
  fundingSignals: number;
  /** The payout: waiting for a person's retry, the retried attempt's id, done (settled and watched). */
  payout: { waiting: boolean; retriedId: string | null; done: boolean };
}

/** The first state: OPEN assignment waits for the core enterprise, SILENT goes straight to the funder. */
export function startFinancingRun(input: FinancingWorkflowInput, origination: FinancingOrigination): FinancingRun {
  const run: FinancingRun = {
    financingId: input.financingId,
    workflowId: workflowInfo().workflowId,
    label: `financing ${input.financingId}`,
    input,
    origination,
    state: { status: origination.assignmentMode === 'OPEN' ? 'PENDING_ACKNOWLEDGEMENT' : 'PENDING_APPROVAL', approvalDeadline: origination.approvalDeadline },
    repaymentSignals: 0,
    fundingSignals: 0,
    payout: { waiting: false, retriedId: null, done: false },
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

/** Under silent assignment (暗保理) the core enterprise is never told. */
export function obligorKnows(run: FinancingRun): boolean {
  return run.origination.assignmentMode === 'OPEN';
}
