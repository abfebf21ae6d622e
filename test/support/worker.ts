import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import type { BankAdapter } from '../../bank/bank-adapter';
import type { PrismaClient } from '../../prisma/client';
import { createActivities, type Activities } from '../../workflows/activities';
import { createWorker } from '../../workflows/worker/create-worker';
import { testLogger } from './logger';

/** For tests that never move money: any call to the bank is a test bug. */
const NO_BANK: BankAdapter = new Proxy({} as BankAdapter, {
  get: (_target, name) => () => Promise.reject(new Error(`this test has no bank (called ${String(name)})`)),
});

export interface TestWorker {
  worker: Worker;
  taskQueue: string;
  /** Runs the worker until `run` settles, then shuts it down. */
  runUntil: <T>(run: Promise<T> | (() => Promise<T>)) => Promise<T>;
}

/** A real worker on its own task queue, with the real activities unless some are replaced. */
export async function createTestWorker(
  prisma: PrismaClient,
  options: { connection?: NativeConnection; namespace?: string; activities?: Partial<Activities>; taskQueue?: string; bank?: BankAdapter } = {},
): Promise<TestWorker> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const connection = options.connection ?? (await NativeConnection.connect({ address: inject('temporalAddress') }));
  const worker = await createWorker({
    connection,
    namespace: options.namespace ?? 'default',
    taskQueue,
    activities: { ...createActivities({ prisma, logger: testLogger, bank: options.bank ?? NO_BANK }), ...options.activities },
    overrides: { workflowsPath: undefined, workflowBundle: { codePath: inject('workflowBundlePath') } },
  });
  return {
    worker,
    taskQueue,
    runUntil: (run) => worker.runUntil(run),
  };
}
