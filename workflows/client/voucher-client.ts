import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { voucherAcceptanceWorkflow } from '../definitions/voucher-acceptance-workflow';
import type { VoucherAcceptanceInput, VoucherTransferState } from '../contracts/voucher-acceptance';
import { workflowIds } from '../contracts/workflow-ids';
import { describeWorkflow, sendUpdate, type WorkflowStatusView } from './workflow-client';

/**
 * Starts a transfer's acceptance workflow once its row is committed. A repeat of the request
 * starts it again and finds it there: the id is the transfer's, and an ended run is never
 * started twice (its transfer is decided).
 */
export async function startVoucherAcceptance(client: Client, taskQueue: string, input: VoucherAcceptanceInput): Promise<void> {
  try {
    await client.workflow.start(voucherAcceptanceWorkflow, {
      workflowId: workflowIds.voucherTransfer(input.transferId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** A decision for the transfer's workflow; undefined when the workflow has finished. */
export function sendVoucherTransferUpdate<Args>(client: Client, transferId: string, update: UpdateDefinition<VoucherTransferState, [Args]>, args: Args, updateId: string): Promise<VoucherTransferState | undefined> {
  return sendUpdate(client, workflowIds.voucherTransfer(transferId), update, args, updateId);
}

export function describeVoucherAcceptanceWorkflow(client: Client, transferId: string): Promise<WorkflowStatusView> {
  return describeWorkflow(client, workflowIds.voucherTransfer(transferId));
}
