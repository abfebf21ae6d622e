import { createActivities, type Activities } from '../../workflows/activities';
import type { TestDatabase } from './database';
import { testLogger } from './logger';
import { moneyScenario, type MoneyScenario } from './money-scenario';
import { startTimeSkippingStack, type TimeSkippingStack } from './time-skipping-stack';
import { createTestWorker, type TestWorker } from './worker';

/** Activities of one input each, which a test may hold: the financing's side work. */
type HoldableActivity = 'generateFinancingDocument' | 'notifyFinancingParty';

export interface HeldActivityStack {
  stack: TimeSkippingStack;
  worker: TestWorker;
  money: MoneyScenario;
  /** What was held so far, as `heldAs` named it: an attempt retried after its timeout is held and named again. */
  held: string[];
  /** Lets every held attempt, and every later one, through to the real activity. */
  release: () => void;
}

/**
 * A time-skipping stack whose worker holds every attempt of one activity that `heldAs` names
 * until the test releases them, the rest running for real, with the bank paying out at once:
 * for showing that the money does not wait for work done alongside it (documents, notices).
 */
export async function startHeldActivityStack<K extends HoldableActivity>(
  db: TestDatabase,
  activity: K,
  heldAs: (input: Parameters<Activities[K]>[0]) => string | null,
): Promise<HeldActivityStack> {
  const stack = await startTimeSkippingStack(db);
  await db.prisma.$executeRaw`UPDATE bank_simulator.script SET remaining = 0`;
  const held: string[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: stack.bank });
  const realActivity = real[activity] as (input: Parameters<Activities[K]>[0]) => ReturnType<Activities[K]>;
  const holding = async (input: Parameters<Activities[K]>[0]): Promise<unknown> => {
    const name = heldAs(input);
    if (name !== null) {
      held.push(name);
      await released;
    }
    return realActivity(input);
  };
  const worker = await createTestWorker(db.prisma, {
    connection: stack.env.nativeConnection,
    namespace: stack.env.namespace,
    taskQueue: stack.api.taskQueue,
    bank: stack.bank,
    activities: { [activity]: holding },
  });
  return { stack, worker, money: moneyScenario(db, stack), held, release };
}
