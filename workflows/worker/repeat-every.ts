import type { Logger } from 'pino';

export interface Repeating {
  /** Stops the loop and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs` until stopped, first at once when `immediately`. A failed run
 * is logged (`failure` says what failed) and tried again next time. One run at a time: the
 * next waits for the last.
 */
export function repeatEvery(task: () => Promise<unknown>, intervalMs: number, logger: Logger, { immediately, failure }: { immediately: boolean; failure: string }): Repeating {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = task()
      .catch((error: unknown) => logger.error({ err: error }, failure))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, immediately ? 0 : intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
