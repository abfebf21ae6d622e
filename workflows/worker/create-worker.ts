import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { PAYLOAD_CONVERTER_PATH } from '../contracts/payload-converter-path';
import type { Activities } from '../activities';

export const WORKFLOWS_PATH = new URL('../definitions/index.ts', import.meta.url).pathname;

// Limits on what one worker process holds at once (see docs/ARCHITECTURE.md).
const MAX_CACHED_WORKFLOWS = 500;
const MAX_CONCURRENT_ACTIVITIES = 50;
/**
 * Activities a workflow task may start on this worker at once, without a trip through the task
 * queue (eager execution; the SDK's default is 3). A financing's approval schedules four at once
 * (the terms summary, two notices and the funding's hold) and its disbursement four (the advice,
 * the payout, servicing and a notice): the fourth went through the queue, and when it was the
 * funding's hold the money waited for an activity poll (1.6 s at a load average of 20). Eight
 * covers every workflow task of the service with room; a worker whose activity slots are full
 * takes none eagerly, so this never overcommits it.
 */
const EAGER_ACTIVITIES_PER_WORKFLOW_TASK_MAX = 8;

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
    maxEagerActivityReservationsPerWorkflowTask: EAGER_ACTIVITIES_PER_WORKFLOW_TASK_MAX,
    // The workflow sandbox shares one V8 context across workflows: much less memory.
    reuseV8Context: true,
    ...overrides,
  });
}

export { NativeConnection };
