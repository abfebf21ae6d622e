import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { PAYLOAD_CONVERTER_PATH } from '../contracts/payload-converter-path';
import type { Activities } from '../activities';

export const WORKFLOWS_PATH = new URL('../definitions/index.ts', import.meta.url).pathname;

// Limits on what one worker process holds at once (see docs/ARCHITECTURE.md).
const MAX_CACHED_WORKFLOWS = 500;
const MAX_CONCURRENT_ACTIVITIES = 50;

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** Overrides for tests: e.g. a different workflowsPath or an identity. */
  overrides?: Partial<WorkerOptions>;
}

export async function createWorker({ connection, namespace, taskQueue, activities, overrides }: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH },
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    // The workflow sandbox shares one V8 context across workflows: much less memory.
    reuseV8Context: true,
    ...overrides,
  });
}

export { NativeConnection };
