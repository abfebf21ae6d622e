import type { Logger } from 'pino';
import { webhookMessageId, type WebhookUrlPolicy } from '../../domain/webhook-rules';
import type { PrismaClient } from '../../prisma/client';
import { giveUpWebhookDelivery, planWebhookRequest, recordWebhookAttempt } from '../../prisma/stores/webhook-store';
import type { WebhookAttemptResult } from '../contracts/webhook';
import { sendWebhookRequest } from './send-webhook-request';

// The webhook delivery workflow's activities: one attempt (send and record), and giving up.

export function createWebhookActivities({ prisma, logger, webhookUrlPolicy }: { prisma: PrismaClient; logger: Logger; webhookUrlPolicy: WebhookUrlPolicy }) {
  return {
    /**
     * Sends the delivery once to its endpoint and records the attempt. `at` is the workflow's
     * clock, by which failures are counted; the request's timestamp is the real time of sending.
     * A repeated activity task sends again: the receiver dedupes on the webhook-id.
     */
    async attemptWebhookDelivery({ deliveryId, at }: { deliveryId: string; at: Date }): Promise<WebhookAttemptResult> {
      const plan = await planWebhookRequest(prisma, deliveryId, at);
      if (!plan.endpointActive) {
        await giveUpWebhookDelivery(prisma, deliveryId);
        return { outcome: 'ENDPOINT_DISABLED', statusCode: null };
      }
      const response = await sendWebhookRequest({ url: plan.url, messageId: webhookMessageId(deliveryId), body: plan.body, secrets: plan.secrets, policy: webhookUrlPolicy });
      const outcome = await recordWebhookAttempt(prisma, { deliveryId, at, ...response });
      if (!response.succeeded) logger.info({ deliveryId, endpointId: plan.endpointId, statusCode: response.statusCode, error: response.error, outcome }, 'webhook attempt failed');
      return { outcome, statusCode: response.statusCode };
    },

    async giveUpWebhookDelivery({ deliveryId }: { deliveryId: string }): Promise<void> {
      await giveUpWebhookDelivery(prisma, deliveryId);
    },
  };
}
