import type { Logger } from 'pino';
import { repeatEvery, type Repeating } from './repeat-every';

/**
 * Runs `poll` (booking the bank's inbound credits) every `intervalMs` until stopped; a failed
 * poll is logged and tried again next time. One poll at a time: the next waits for the last.
 */
export function startInboundPoller(poll: () => Promise<unknown>, intervalMs: number, logger: Logger): Repeating {
  return repeatEvery(poll, intervalMs, logger, { immediately: false, failure: 'reading inbound credits failed; retrying at the next poll' });
}
