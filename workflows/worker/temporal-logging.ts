import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's logs (worker, workflow and activity `log` calls) into pino.
 * The SDK attaches workflowId, runId, activityId and friends as metadata, so every worker
 * line says which workflow or activity it belongs to. Must run before any connection is made.
 */
export function installTemporalLogging(logger: Logger, level: LogLevel = 'INFO', options: { shutdownSignals?: NodeJS.Signals[] } = {}): void {
  const temporalLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    ...options,
    logger: new DefaultLogger(level, (entry) => {
      const meta = { ...entry.meta };
      delete meta.sdkComponent;
      temporalLogger[PINO_LEVEL[entry.level]](meta, entry.message);
    }),
  });
}
