import { ApplicationFailure, WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { decodeDomainError, isEncodedDomainError } from '../contracts/domain-error-codec';

// What the API needs of Temporal, for every workflow alike: start one per business id together
// with its first Update, send it a person's decision as an Update, and say how it is doing.
// Everything takes the workflow function and the message definitions, never their names as
// strings, so a renamed workflow or a changed argument is a compile error here.

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

/** A failed Update with a domain error becomes that error; anything else is thrown as it is. */
function rethrowUpdateFailure(error: unknown): never {
  if (error instanceof WorkflowUpdateFailedError) {
    const domain = domainErrorFrom(error);
    if (domain) throw domain;
  }
  throw error;
}

/** Every workflow here takes one input object, and every Update one argument object. */
export interface StartWithUpdate<Input, Result, Arg> {
  workflow: (input: Input) => Promise<unknown>;
  workflowId: string;
  taskQueue: string;
  input: Input;
  update: UpdateDefinition<Result, [Arg]>;
  args: Arg;
  updateId: string;
}

/**
 * Starts the workflow and sends its first Update in one call (update-with-start), or sends the
 * Update to the run already going under that id. The Update does the work that creates the
 * business object, so the object never exists without its workflow, and a request repeated
 * after a failure simply starts again: there is nothing to repair.
 */
export async function executeUpdateWithStart<Input, Result, Arg>(client: Client, request: StartWithUpdate<Input, Result, Arg>): Promise<Result> {
  const startWorkflowOperation = new WithStartWorkflowOperation<(input: Input) => Promise<unknown>>(request.workflow, {
    workflowId: request.workflowId,
    taskQueue: request.taskQueue,
    args: [request.input],
    // A second request while the first is in flight joins the same run; a run that has ended
    // (a refused application) may be started again under the same id.
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  try {
    return await client.workflow.executeUpdateWithStart(request.update, { args: [request.args], updateId: request.updateId, startWorkflowOperation });
  } catch (error) {
    rethrowUpdateFailure(error);
  }
}

/**
 * Sends a decision to the running workflow and waits for the new state. Returns undefined
 * when the workflow has already finished, so the caller can say why the decision is too late
 * (or apply it directly where that is allowed).
 */
export async function sendUpdate<Result, Arg>(client: Client, workflowId: string, update: UpdateDefinition<Result, [Arg]>, args: Arg, updateId: string): Promise<Result | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await handle.executeUpdate(update, { args: [args], updateId });
  } catch (error) {
    if (isClosedWorkflow(error)) return undefined;
    rethrowUpdateFailure(error);
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
