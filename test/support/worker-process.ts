// A worker in a process of its own, so a test can kill it with SIGKILL mid-flight and start
// another: the real worker, the real activities, the bank simulator on the test database.
// Configured by the environment: DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE.
import { createBankAdapter } from '../../bank/create-bank-adapter';
import { createPrismaClient } from '../../prisma/client';
import { createActivities } from '../../workflows/activities';
import { createWorker, NativeConnection } from '../../workflows/worker/create-worker';
import { testLogger } from './logger';

const { DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE } = process.env;
if (!DATABASE_URL || !TEMPORAL_ADDRESS || !TASK_QUEUE || !WORKFLOW_BUNDLE) throw new Error('DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE and WORKFLOW_BUNDLE are required');

const prisma = createPrismaClient({ databaseUrl: DATABASE_URL, poolMax: 5 });
// Built as the deployed worker builds it.
const bank = await createBankAdapter({ BANK_ADAPTER: 'simulator', DATABASE_URL });
const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
const worker = await createWorker({
  connection,
  namespace: 'default',
  taskQueue: TASK_QUEUE,
  activities: createActivities({ prisma, logger: testLogger, bank: bank.adapter }),
  overrides: { workflowsPath: undefined, workflowBundle: { codePath: WORKFLOW_BUNDLE } },
});
process.stdout.write('worker ready\n');
await worker.run();
