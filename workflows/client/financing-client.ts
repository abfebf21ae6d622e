import type { Client } from '@temporalio/client';
import type { FinancingState, FinancingWorkflowInput } from '../contracts/financing';
import { workflowIds } from '../contracts/workflow-ids';
import { describeWorkflow, sendUpdate, startWorkflowOnce, type WorkflowStatusView } from './workflow-client';

const FINANCING_WORKFLOW = 'financingWorkflow';

/** Starts the financing's workflow once (a repeated application finds it started). */
export function startFinancingWorkflow(client: Client, taskQueue: string, input: FinancingWorkflowInput): Promise<void> {
  return startWorkflowOnce(client, taskQueue, FINANCING_WORKFLOW, workflowIds.financing(input.financingId), input);
}

/** A decision for the financing's workflow; undefined when the workflow has finished. */
export function sendFinancingUpdate<Args>(client: Client, financingId: string, update: { name: string }, args: Args, updateId: string): Promise<FinancingState | undefined> {
  return sendUpdate<FinancingState, Args>(client, workflowIds.financing(financingId), update, args, updateId);
}

export function describeFinancingWorkflow(client: Client, financingId: string): Promise<WorkflowStatusView> {
  return describeWorkflow(client, workflowIds.financing(financingId));
}
