import type { Logger } from 'pino';
import { repeatEvery, type Repeating } from './repeat-every';

/**
 * Delivers the financing workflows' recorded wake-ups (use-cases/deliver-wake-ups.ts) at once,
 * at the worker's start-up, then every `intervalMs`: what a crashed process booked but never
 * signalled goes out within moments of the next start, and what a failed Signal left behind
 * at the next pass. Runs beside the inbound poller in every worker process.
 */
export function startWakeUpDelivery(deliver: () => Promise<unknown>, intervalMs: number, logger: Logger): Repeating {
  return repeatEvery(deliver, intervalMs, logger, { immediately: true, failure: 'delivering wake-ups failed; retrying at the next pass' });
}
