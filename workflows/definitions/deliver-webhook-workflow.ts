import { proxyActivities, sleep } from '@temporalio/workflow';
import { WEBHOOK_RETRY_WINDOW_MS, webhookRetryDelayMs } from '../../domain/webhook-rules';
import type { Activities } from '../activities';
import type { DeliverWebhookInput, DeliverWebhookResult } from '../contracts/webhook';
import { DATABASE_STEP } from './activity-bounds';

const { attemptWebhookDelivery, giveUpWebhookDelivery } = proxyActivities<Activities>({
  ...DATABASE_STEP,
  // One HTTP request (bounded at 10 s) and two short transactions. A receiver's answer, good or
  // bad, is a result, not an activity failure: the activity is retried only for the platform's
  // own outages (the database), never to send the request again by itself.
  startToCloseTimeout: '45 seconds',
});

/**
 * Delivers one outbox event to one endpoint, at least once (docs/webhooks.md): attempts at
 * growing intervals (30 s doubling to 4 h) for up to three days of workflow time, each attempt
 * recorded with its status code and latency. It stops when the receiver answers 2xx, when the
 * endpoint is disabled (by a day of failures, which this workflow's attempts may be the ones to
 * establish), or when the three days are over. The timers are durable: a worker restart loses
 * no retry, and the workflow id (one per delivery and round) means a delivery is never started twice.
 */
export async function deliverWebhookWorkflow(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
  const started = Date.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const result = await attemptWebhookDelivery({ deliveryId: input.deliveryId, at: new Date() });
    if (result.outcome === 'DELIVERED') return { outcome: 'DELIVERED', attempts };
    if (result.outcome === 'ENDPOINT_DISABLED') return { outcome: 'ENDPOINT_DISABLED', attempts };
    const delay = webhookRetryDelayMs(attempts);
    if (Date.now() + delay - started > WEBHOOK_RETRY_WINDOW_MS) {
      await giveUpWebhookDelivery({ deliveryId: input.deliveryId });
      return { outcome: 'GAVE_UP', attempts };
    }
    await sleep(delay);
  }
}
