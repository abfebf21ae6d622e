import { assertPermitted, type Actor } from '../domain/actor';
import type { WebhookDelivery } from '../prisma/client';
import { markWebhookDeliveryDispatched, replayWebhookDelivery as replayInStore } from '../prisma/stores/webhook-store';
import { startWebhookDelivery } from '../workflows/client/webhook-client';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/**
 * The party asks for a delivery again (same body, same webhook-id). The replay is recorded
 * first, then started here at once; should the start fail, the worker's dispatcher starts it.
 */
export async function replayWebhookDelivery(ctx: Pick<UseCaseContext, 'prisma' | 'temporal' | 'taskQueue' | 'logger' | 'requestId'>, actor: Actor, deliveryId: string): Promise<WebhookDelivery> {
  assertPermitted(actor, 'MANAGE_WEBHOOKS');
  const { delivery, replayed } = await replayInStore(ctx.prisma, actor, deliveryId, requestKey('replay-webhook-delivery', deliveryId, actor, ctx.requestId));
  // A copy of the request is answered with the delivery: the first copy started its replay (or the dispatcher will).
  if (replayed) return delivery;
  try {
    await startWebhookDelivery(ctx.temporal, ctx.taskQueue, { deliveryId: delivery.id, replays: delivery.replays });
    await markWebhookDeliveryDispatched(ctx.prisma, delivery.id, delivery.replays);
  } catch (error) {
    ctx.logger.warn({ err: error, deliveryId }, 'could not start the replay now; the dispatcher starts it at its next pass');
  }
  return delivery;
}
