import { WorkflowIdReusePolicy } from '@temporalio/common';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { decodeDomainError, isEncodedDomainError } from '../contracts/domain-error-codec';
import type { ReceivableState, ReceivableWorkflowInput } from '../contracts/receivable';
import type { confirmReceivableUpdate } from '../contracts/receivable';
import { workflowIds } from '../contracts/workflow-ids';

const RECEIVABLE_WORKFLOW = 'receivableConfirmationWorkflow';

/**
 * Starts the receivable's workflow, or finds it already started: registration repeated with
 * the same idempotency key must not start a second one, and Temporal refuses a duplicate id.
 */
export async function startReceivableWorkflow(client: Client, taskQueue: string, input: ReceivableWorkflowInput): Promise<void> {
  try {
    await client.workflow.start(RECEIVABLE_WORKFLOW, {
      taskQueue,
      workflowId: workflowIds.receivable(input.receivableId),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [input],
    });
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

export type ReceivableUpdate = typeof confirmReceivableUpdate;

/**
 * Sends a decision to the running workflow and waits for the new state. Returns undefined
 * when the workflow has already finished (the receivable's answer phase is over), so the
 * caller can apply the decision directly where that is allowed.
 */
export async function sendReceivableUpdate<Args>(
  client: Client,
  receivableId: string,
  update: { name: string },
  args: Args,
  updateId: string,
): Promise<ReceivableState | undefined> {
  const handle = client.workflow.getHandle(workflowIds.receivable(receivableId));
  try {
    return await handle.executeUpdate<ReceivableState, [Args]>(update.name, { args: [args], updateId });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const domain = domainErrorFrom(error);
      if (domain) throw domain;
      throw error;
    }
    if (error instanceof WorkflowNotFoundError) return undefined;
    // Temporal answers an update to a completed workflow with a not-found style RPC error.
    if (error instanceof Error && /workflow execution already completed|not found/i.test(error.message)) return undefined;
    throw error;
  }
}

export interface WorkflowStatusView {
  workflowId: string;
  runId: string | null;
  status: string;
}

export async function describeReceivableWorkflow(client: Client, receivableId: string): Promise<WorkflowStatusView> {
  const workflowId = workflowIds.receivable(receivableId);
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: description.runId, status: description.status.name };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { workflowId, runId: null, status: 'NOT_FOUND' };
    throw error;
  }
}
