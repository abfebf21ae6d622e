import { setTimeout as delay } from 'node:timers/promises';

// `npm run bench` interrupted (Ctrl-C, or SIGTERM from whatever supervises it) stops what it
// started (the PostgreSQL, a Temporal dev server, the service processes) before it ends. Node's
// default for these signals ends the process at once, without running a single `finally`: the
// servers it had started kept running, busy and holding their ports, until killed by hand.

type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();

/** How long one cleanup may take before the interrupted run moves on to the next. */
const CLEANUP_TIMEOUT_MS = 20_000;

/**
 * `stop`, registered to run if the run is interrupted (the latest registered first: what was
 * started last is stopped first), and returned for the run's own `finally`. It runs once: whoever
 * asks second (the `finally` of a run interrupted while it unwinds, or an interruption during the
 * `finally`) waits for the same stop.
 */
export function stopWhenInterrupted(stop: Cleanup): Cleanup {
  let stopping: Promise<void> | undefined;
  const once: Cleanup = () => (stopping ??= stop().finally(() => cleanups.delete(once)));
  cleanups.add(once);
  return once;
}

/**
 * On the first SIGINT or SIGTERM, runs the registered cleanups and ends the process with the
 * signal's exit status (130, 143); a second signal ends it at once.
 */
export function stopCleanlyWhenInterrupted(say: (line: string) => void): void {
  let interrupted = false;
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(status);
      interrupted = true;
      say(`${signal}: stopping what this run started (${cleanups.size} to stop; ${signal} again ends it at once)`);
      void (async () => {
        for (const cleanup of [...cleanups].reverse()) {
          const stopped = cleanup().catch((error: unknown) => say(`stopping failed: ${error instanceof Error ? error.message : String(error)}`));
          await Promise.race([stopped, delay(CLEANUP_TIMEOUT_MS)]);
        }
        process.exit(status);
      })();
    });
  }
}
