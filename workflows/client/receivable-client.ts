import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { receivableConfirmationWorkflow } from '../definitions/receivable-confirmation-workflow';
import type { ResumeArgs, Resumed } from '../contracts/attention';
import { registerReceivableUpdate, resumeReceivableUpdate, type ReceivableState, type RegisterReceivableArgs, type RegisteredReceivable } from '../contracts/receivable';
import type { ReceivableSettings } from '../contracts/settings';
import { workflowIds } from '../contracts/workflow-ids';
import { describeWorkflow, executeUpdateWithStart, sendUpdate, type WorkflowStatusView } from './workflow-client';

/** Starts the receivable's confirmation workflow with its registration as the first Update. */
export function registerReceivableWithStart(
  client: Client,
  { taskQueue, receivableId, settings, args, updateId }: { taskQueue: string; receivableId: string; settings: ReceivableSettings; args: RegisterReceivableArgs; updateId: string },
): Promise<RegisteredReceivable> {
  return executeUpdateWithStart(client, {
    workflow: receivableConfirmationWorkflow,
    workflowId: workflowIds.receivable(receivableId),
    taskQueue,
    input: { receivableId, confirmationWindowMs: settings.confirmationWindowMs, reminderOffsetsMs: settings.reminderOffsetsMs },
    update: registerReceivableUpdate,
    args,
    updateId,
  });
}

/** A decision for the receivable's workflow; undefined when the workflow has finished. */
export function sendReceivableUpdate<Args>(client: Client, receivableId: string, update: UpdateDefinition<ReceivableState, [Args]>, args: Args, updateId: string): Promise<ReceivableState | undefined> {
  return sendUpdate(client, workflowIds.receivable(receivableId), update, args, updateId);
}

/** An operator resumes the step that waits for one; undefined when the workflow has finished. */
export function sendResumeReceivable(client: Client, receivableId: string, args: ResumeArgs, updateId: string): Promise<Resumed | undefined> {
  return sendUpdate(client, workflowIds.receivable(receivableId), resumeReceivableUpdate, args, updateId);
}

export function describeReceivableWorkflow(client: Client, receivableId: string): Promise<WorkflowStatusView> {
  return describeWorkflow(client, workflowIds.receivable(receivableId));
}
