import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { decodeDomainError, isEncodedDomainError } from '../contracts/domain-error-codec';

// What the API needs of Temporal, for every workflow alike: start one per business id, send it
// a person's decision as an Update, and say how it is doing.

/**
 * Starts the workflow, or finds it already started: a request repeated with the same
 * idempotency key must not start a second one, and Temporal refuses a duplicate id.
 */
export async function startWorkflowOnce<Input>(client: Client, taskQueue: string, workflowType: string, workflowId: string, input: Input): Promise<void> {
  try {
    await client.workflow.start(workflowType, { taskQueue, workflowId, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE, args: [input] });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Unwraps an update's failure: a domain error comes back as the same typed error. */
function domainErrorFrom(error: unknown): Error | undefined {
  let cause: unknown = error;
  for (let depth = 0; depth < 6 && cause; depth += 1) {
    if (cause instanceof ApplicationFailure) {
      const [details] = cause.details ?? [];
      if (isEncodedDomainError(details)) return decodeDomainError(details);
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Sends a decision to the running workflow and waits for the new state. Returns undefined
 * when the workflow has already finished, so the caller can say why the decision is too late
 * (or apply it directly where that is allowed).
 */
export async function sendUpdate<State, Args>(client: Client, workflowId: string, update: { name: string }, args: Args, updateId: string): Promise<State | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await handle.executeUpdate<State, [Args]>(update.name, { args: [args], updateId });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const domain = domainErrorFrom(error);
      if (domain) throw domain;
      throw error;
    }
    if (isClosedWorkflow(error)) return undefined;
    throw error;
  }
}

/**
 * A signal or update that found the workflow ended (or never started). Temporal answers an
 * update to a completed workflow with a not-found style RPC error, not WorkflowNotFoundError.
 */
export function isClosedWorkflow(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || (error instanceof Error && /workflow execution already completed|not found/i.test(error.message));
}

export interface WorkflowStatusView {
  workflowId: string;
  runId: string | null;
  status: string;
}

export async function describeWorkflow(client: Client, workflowId: string): Promise<WorkflowStatusView> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: description.runId, status: description.status.name };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { workflowId, runId: null, status: 'NOT_FOUND' };
    throw error;
  }
}
