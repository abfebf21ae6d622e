// A worker in a process of its own, so a test can kill it with SIGKILL mid-flight and start
// another: the real worker, the real activities, the bank simulator on the test database.
// Configured by the environment: DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE.
// With BANK_POLL_INTERVAL_MS it also runs the inbound poller and the wake-up delivery, as the
// deployed worker does;
// with HOLD_WAKE_UP_SIGNALS=1 every Signal it sends to a workflow hangs, so that a test can
// kill it after it booked a credit and before it woke anyone; KILL_AFTER_ACTIVITY and
// REPEAT_ACTIVITY (below) crash it after an activity or run an activity twice.
import type { Client } from '@temporalio/client';
import { createBankAdapter } from '../../bank/create-bank-adapter';
import { createPrismaClient } from '../../prisma/client';
import { bookInboundCredits } from '../../use-cases/book-inbound-credits';
import { createActivities } from '../../workflows/activities';
import { createTemporalClient } from '../../workflows/client/temporal-client';
import { createWorker, NativeConnection } from '../../workflows/worker/create-worker';
import { deliverWakeUps } from '../../use-cases/deliver-wake-ups';
import { startVoucherPayments } from '../../use-cases/start-voucher-payments';
import { repeatEvery } from '../../workflows/worker/repeat-every';
import { startInboundPoller } from '../../workflows/worker/inbound-poller';
import { startWakeUpDelivery } from '../../workflows/worker/wake-up-delivery';
import { testLogger } from './logger';

const { DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE, BANK_POLL_INTERVAL_MS, HOLD_WAKE_UP_SIGNALS, KILL_AFTER_ACTIVITY, REPEAT_ACTIVITY } = process.env;
if (!DATABASE_URL || !TEMPORAL_ADDRESS || !TASK_QUEUE || !WORKFLOW_BUNDLE) throw new Error('DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE and WORKFLOW_BUNDLE are required');

const prisma = createPrismaClient({ databaseUrl: DATABASE_URL, poolMax: 5 });
// Built as the deployed worker builds it.
const bank = await createBankAdapter({ BANK_ADAPTER: 'simulator', DATABASE_URL });
const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
const activities = createActivities({ prisma, logger: testLogger, bank: bank.adapter });
type AnyActivity = (...args: unknown[]) => Promise<unknown>;
const table = activities as unknown as Record<string, AnyActivity>;
// With KILL_AFTER_ACTIVITY=<name> the process dies (SIGKILL) right after the first run of that
// activity has committed and before Temporal hears of it: Temporal runs it again elsewhere.
if (KILL_AFTER_ACTIVITY) {
  const real = table[KILL_AFTER_ACTIVITY]!;
  table[KILL_AFTER_ACTIVITY] = async (...args) => {
    const result = await real(...args);
    process.kill(process.pid, 'SIGKILL');
    return result;
  };
}
// With REPEAT_ACTIVITY=<name> every run of that activity does its work twice, as a retry after a lost completion would.
if (REPEAT_ACTIVITY) {
  const real = table[REPEAT_ACTIVITY]!;
  table[REPEAT_ACTIVITY] = async (...args) => {
    await real(...args);
    return real(...args);
  };
}
const worker = await createWorker({
  connection,
  namespace: 'default',
  taskQueue: TASK_QUEUE,
  activities,
  overrides: { workflowsPath: undefined, workflowBundle: { codePath: WORKFLOW_BUNDLE } },
});

/** A client whose Signals never complete: the process is stuck between booking and waking, where the test kills it. */
function holdingSignals(client: Client): Client {
  const workflow = new Proxy(client.workflow, {
    get(target, name, receiver) {
      if (name !== 'getHandle') return Reflect.get(target, name, receiver);
      return (...args: Parameters<Client['workflow']['getHandle']>) => ({ ...target.getHandle(...args), signal: () => new Promise<never>(() => undefined) });
    },
  });
  return new Proxy(client, { get: (target, name, receiver) => (name === 'workflow' ? workflow : Reflect.get(target, name, receiver)) });
}

if (BANK_POLL_INTERVAL_MS) {
  const client = await createTemporalClient({ address: TEMPORAL_ADDRESS, namespace: 'default' });
  const temporal = HOLD_WAKE_UP_SIGNALS === '1' ? holdingSignals(client) : client;
  startWakeUpDelivery(() => deliverWakeUps({ prisma, temporal, logger: testLogger }), Number(BANK_POLL_INTERVAL_MS), testLogger);
  repeatEvery(() => startVoucherPayments({ prisma, temporal: client, taskQueue: TASK_QUEUE, logger: testLogger }), Number(BANK_POLL_INTERVAL_MS), testLogger, { immediately: true, failure: 'starting voucher payments failed' });
  startInboundPoller(() => bookInboundCredits({ prisma, bank: bank.adapter, temporal, logger: testLogger }), Number(BANK_POLL_INTERVAL_MS), testLogger);
}
process.stdout.write('worker ready\n');
await worker.run();
