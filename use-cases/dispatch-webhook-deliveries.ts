import { markWebhookDeliveryDispatched, undispatchedWebhookDeliveries } from '../prisma/stores/webhook-store';
import { startWebhookDelivery } from '../workflows/client/webhook-client';
import type { UseCaseContext } from './use-case-context';

/** Deliveries started in one pass; the rest wait for the next (a pass is short, and the next comes soon). */
export const WEBHOOK_DISPATCH_BATCH_MAX = 200;

/**
 * Starts a delivery workflow for every webhook delivery (or replay) not yet started. The rows are
 * written with their events (the outbox's trigger), so whatever committed is found here, however
 * late; the worker runs this on its own loop. A start that fails stops the pass: the row stays
 * undispatched and the next pass starts it, and the workflow id makes a second start harmless.
 */
export async function dispatchWebhookDeliveries(ctx: Pick<UseCaseContext, 'prisma' | 'temporal' | 'taskQueue' | 'logger'>): Promise<{ started: number }> {
  let started = 0;
  for (const delivery of await undispatchedWebhookDeliveries(ctx.prisma, WEBHOOK_DISPATCH_BATCH_MAX)) {
    await startWebhookDelivery(ctx.temporal, ctx.taskQueue, { deliveryId: delivery.id, replays: delivery.replays });
    await markWebhookDeliveryDispatched(ctx.prisma, delivery.id, delivery.replays);
    started += 1;
  }
  if (started > 0) ctx.logger.debug({ started }, 'webhook deliveries started');
  return { started };
}
