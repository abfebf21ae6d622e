import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import type { PrismaClient } from '../../prisma/client';
import { createActivities, type Activities } from '../../workflows/activities';
import { createWorker } from '../../workflows/worker/create-worker';
import { testLogger } from './logger';

export interface TestWorker {
  worker: Worker;
  taskQueue: string;
  /** Runs the worker until `run` settles, then shuts it down. */
  runUntil: <T>(run: Promise<T> | (() => Promise<T>)) => Promise<T>;
}

/** A real worker on its own task queue, with the real activities unless some are replaced. */
export async function createTestWorker(
  prisma: PrismaClient,
  options: { connection?: NativeConnection; namespace?: string; activities?: Partial<Activities>; taskQueue?: string } = {},
): Promise<TestWorker> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const connection = options.connection ?? (await NativeConnection.connect({ address: inject('temporalAddress') }));
  const worker = await createWorker({
    connection,
    namespace: options.namespace ?? 'default',
    taskQueue,
    activities: { ...createActivities({ prisma, logger: testLogger }), ...options.activities },
    overrides: { workflowsPath: undefined, workflowBundle: { codePath: inject('workflowBundlePath') } },
  });
  return {
    worker,
    taskQueue,
    runUntil: (run) => worker.runUntil(run),
  };
}
