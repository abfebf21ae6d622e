import type { Logger } from 'pino';
import { repeatEvery, type Repeating } from './repeat-every';

/** How often the worker looks for webhook deliveries to start: an event reaches its receiver within about this long. */
export const WEBHOOK_DISPATCH_INTERVAL_MS = 1000;

/**
 * Starts the workflows of new webhook deliveries and replays (use-cases/dispatch-webhook-deliveries.ts)
 * at the worker's start-up, then every WEBHOOK_DISPATCH_INTERVAL_MS. Every worker process runs
 * it; two at once start nothing twice (the workflow id of each delivery's round is fixed).
 */
export function startWebhookDispatch(dispatch: () => Promise<unknown>, logger: Logger, intervalMs = WEBHOOK_DISPATCH_INTERVAL_MS): Repeating {
  return repeatEvery(dispatch, intervalMs, logger, { immediately: true, failure: 'starting webhook deliveries failed; retrying at the next pass' });
}
