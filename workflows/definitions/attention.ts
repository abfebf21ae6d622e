import { ActivityFailure, ApplicationFailure, condition, log, patched } from '@temporalio/workflow';
import type { Attention, Resumed } from '../contracts/attention';
import { DOMAIN_ERROR_FAILURE_TYPE } from '../contracts/domain-error-codec';
import { WrongStateError } from '../../domain/errors';
import { refuse } from './update-support';

/** What a workflow keeps of a step that waits for an operator. */
export interface AttentionState {
  attention: Attention | null;
  /** Raised by each resume: every step waiting for one tries again. */
  resumes: number;
}

/** A workflow whose steps can wait for an operator. */
export interface AttentionTarget extends AttentionState {
  /** Names the workflow in the log, e.g. `financing <id>`. */
  readonly label: string;
  /** Writes the mark where the API shows it and tells the operators (an activity). */
  record(attention: Attention): Promise<void>;
}

/** A rule's refusal (a non-retryable domain error): an answer, not a fault to wait out. */
export function isDomainRefusal(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === DOMAIN_ERROR_FAILURE_TYPE;
}

const REASON_LENGTH_MAX = 1000;

/** The failure as the activity reported it: the timeout, then what the last attempt said. */
function reasonOf(error: ActivityFailure): string {
  const messages: string[] = [];
  for (let cause: Error | undefined = error.cause; cause !== undefined && messages.length < 3; cause = cause.cause instanceof Error ? cause.cause : undefined) {
    if (cause.message) messages.push(cause.message);
  }
  return (messages.join(': ') || error.message).slice(0, REASON_LENGTH_MAX);
}

/**
 * The change that bounded every step (docs/workflows/changing-a-workflow.md): a history written
 * before it awaited each activity directly, and the extra turn that waiting for an operator
 * takes would reorder its commands (an Update's answer before an activity) on replay.
 */
export const BOUNDED_STEPS_PATCH = 'bounded-steps';

/**
 * Runs one step of the process (an activity call with its bound). When the bound is reached
 * the workflow neither fails nor retries by itself: the step is marked for attention and waits
 * for an operator's resume, then runs again with the same arguments (every activity is
 * idempotent). A rule's refusal is not waited out: it is thrown to the caller as before.
 */
export function runStep<T>(target: AttentionTarget, step: string, call: () => Promise<T>): Promise<T> {
  if (!patched(BOUNDED_STEPS_PATCH)) return call();
  return runUntilDone(target, step, call);
}

async function runUntilDone<T>(target: AttentionTarget, step: string, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isDomainRefusal(error)) throw error;
      await waitForOperator(target, { step, reason: reasonOf(error), since: new Date() });
    }
  }
}

async function waitForOperator(target: AttentionTarget, attention: Attention): Promise<void> {
  log.error(`${target.label}: ${attention.step} reached its bound and waits for an operator: ${attention.reason}`);
  try {
    await target.record(attention);
  } catch (error) {
    // The database is likely what failed: the workflow's attention Query and this log still show it.
    log.error(`${target.label}: could not record that ${attention.step} waits for an operator; only the workflow's attention Query shows it: ${String(error)}`);
  }
  // Set only once recorded, so that a resume cannot clear the mark before it is written.
  const seen = target.resumes;
  target.attention = attention;
  await condition(() => target.resumes > seen);
}

/** The validator of a resume: refused, without a trace in the history, when nothing waits. */
export function assertWaitingForOperator(target: AttentionState, status: string): void {
  if (target.attention === null) refuse(new WrongStateError('no step is waiting for an operator', status));
}

/** An operator's resume: clears the mark (an activity), then every waiting step runs again. */
export async function resumeSteps(target: AttentionState, clear: () => Promise<void>): Promise<Resumed> {
  const step = target.attention?.step ?? '';
  await clear();
  target.attention = null;
  target.resumes += 1;
  return { step };
}
