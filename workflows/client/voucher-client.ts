import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { renderTransferCertificateWorkflow } from '../definitions/render-transfer-certificate-workflow';
import { voucherAcceptanceWorkflow } from '../definitions/voucher-acceptance-workflow';
import { voucherTransferEndedSignal, type TransferCertificateStored, type VoucherAcceptanceInput, type VoucherTransferEndedArgs, type VoucherTransferState } from '../contracts/voucher-acceptance';
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

/**
 * Tells a transfer's workflow that the database ended the transfer (committed already), so that
 * it stops waiting and announces the end now. False when the workflow has finished or is not
 * there: it then needs no telling, or finds the end at its deadline (the expiry leaves an ended
 * transfer as it is).
 */
export async function signalVoucherTransferEnded(client: Client, transferId: string, args: VoucherTransferEndedArgs): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowIds.voucherTransfer(transferId)).signal(voucherTransferEndedSignal, args);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/**
 * Renders an accepted transfer's missing certificate on the worker and waits for it. Two requests
 * at once share one run (the id is the transfer's); a run that has finished may be started again,
 * and then finds the stored copy.
 */
export async function renderTransferCertificateOnWorker(client: Client, taskQueue: string, transferId: string): Promise<TransferCertificateStored> {
  return client.workflow.execute(renderTransferCertificateWorkflow, {
    workflowId: workflowIds.transferCertificate(transferId),
    taskQueue,
    args: [{ transferId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}
