import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { DeliverWebhookInput } from '../contracts/webhook';
import { workflowIds } from '../contracts/workflow-ids';
import { deliverWebhookWorkflow } from '../definitions/deliver-webhook-workflow';

/**
 * Starts one round of a webhook delivery. The id is the delivery's and the round's, and a
 * second start of it is refused even after the first has ended: a dispatcher that crashed
 * between starting and recording the start, or two dispatchers at once, never send a round
 * twice. Answers whether this call started it.
 */
export async function startWebhookDelivery(client: Client, taskQueue: string, input: DeliverWebhookInput): Promise<boolean> {
  try {
    await client.workflow.start(deliverWebhookWorkflow, {
      workflowId: workflowIds.webhookDelivery(input.deliveryId, input.replays),
      taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
