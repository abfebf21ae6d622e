import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { workflowIds } from '../contracts/workflow-ids';
import { distributeVoucherPaymentWorkflow } from '../definitions/distribute-voucher-payment-workflow';

/**
 * Starts the distribution of one credit into a voucher's collection account. The id is the
 * credit's, and a second start is refused even after the first has ended: two dispatchers at
 * once, or one that crashed before the plan was written, never distribute a credit twice.
 * Answers whether this call started it.
 */
export async function startVoucherPayment(client: Client, taskQueue: string, inboundCreditId: string): Promise<boolean> {
  try {
    await client.workflow.start(distributeVoucherPaymentWorkflow, {
      workflowId: workflowIds.voucherPayment(inboundCreditId),
      taskQueue,
      args: [{ inboundCreditId }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
