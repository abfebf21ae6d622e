import { assertPermitted, type Actor } from '../domain/actor';
import type { WebhookDelivery } from '../prisma/client';
import { markWebhookDeliveryDispatched, replayWebhookDelivery as replayInStore } from '../prisma/stores/webhook-store';
import { startWebhookDelivery } from '../workflows/client/webhook-client';
import type { UseCaseContext } from './use-case-context';

/**
 * The party asks for a delivery again (same body, same webhook-id). The replay is recorded
 * first, then started here at once; should the start fail, the worker's dispatcher starts it.
 */
export async function replayWebhookDelivery(ctx: Pick<UseCaseContext, 'prisma' | 'temporal' | 'taskQueue' | 'logger'>, actor: Actor, deliveryId: string): Promise<WebhookDelivery> {
  assertPermitted(actor, 'MANAGE_WEBHOOKS');
  const delivery = await replayInStore(ctx.prisma, actor, deliveryId);
  try {
    await startWebhookDelivery(ctx.temporal, ctx.taskQueue, { deliveryId: delivery.id, replays: delivery.replays });
    await markWebhookDeliveryDispatched(ctx.prisma, delivery.id, delivery.replays);
  } catch (error) {
    ctx.logger.warn({ err: error, deliveryId }, 'could not start the replay now; the dispatcher starts it at its next pass');
  }
  return delivery;
}
