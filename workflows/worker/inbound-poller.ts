import type { Logger } from 'pino';

/**
 * Runs `poll` (booking the bank's inbound credits) every `intervalMs` until stopped; a failed
 * poll is logged and tried again next time. One poll at a time: the next waits for the last.
 */
export function startInboundPoller(poll: () => Promise<unknown>, intervalMs: number, logger: Logger): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = poll()
      .catch((error: unknown) => logger.error({ err: error }, 'reading inbound credits failed; retrying at the next poll'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
