import type { Client } from '@temporalio/client';
import type { ReceivableState, ReceivableWorkflowInput } from '../contracts/receivable';
import { workflowIds } from '../contracts/workflow-ids';
import { describeWorkflow, sendUpdate, startWorkflowOnce, type WorkflowStatusView } from './workflow-client';

const RECEIVABLE_WORKFLOW = 'receivableConfirmationWorkflow';

/** Starts the receivable's confirmation workflow once (a repeated registration finds it started). */
export function startReceivableWorkflow(client: Client, taskQueue: string, input: ReceivableWorkflowInput): Promise<void> {
  return startWorkflowOnce(client, taskQueue, RECEIVABLE_WORKFLOW, workflowIds.receivable(input.receivableId), input);
}

/** A decision for the receivable's workflow; undefined when the workflow has finished. */
export function sendReceivableUpdate<Args>(client: Client, receivableId: string, update: { name: string }, args: Args, updateId: string): Promise<ReceivableState | undefined> {
  return sendUpdate<ReceivableState, Args>(client, workflowIds.receivable(receivableId), update, args, updateId);
}

export function describeReceivableWorkflow(client: Client, receivableId: string): Promise<WorkflowStatusView> {
  return describeWorkflow(client, workflowIds.receivable(receivableId));
}
