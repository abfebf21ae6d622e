// The lifecycle benchmark's baseline: workflows of a financing's shape that do nothing. Each
// runs the activities, accepts the Updates and receives the Signals that the real workflow of
// the same role did in the same run (counted from its history), and nothing else, so that the
// ratio shows what the service adds on top of Temporal's own cost on the same server.
import { allHandlersFinished, condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { idleActivities } from './lifecycle-baseline-activities';

export interface IdleShape {
  /** Activities run when the workflow starts. */
  atStart: number;
  /** Activities run inside each Update's handler, before it answers; one entry per Update. */
  perUpdate: number[];
  /** Activities run after each Signal; one entry per Signal. */
  perSignal: number[];
}

export const idleStepUpdate = defineUpdate<number>('idleStep');
export const idleStepSignal = defineSignal('idleStep');

const { doNothing } = proxyActivities<typeof idleActivities>({ startToCloseTimeout: '30 seconds' });

async function runActivities(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await doNothing();
}

/** Waits for its Updates and Signals in any order, running the activities each one stands for; ends after the last. */
export async function idleLifecycleWorkflow(shape: IdleShape): Promise<void> {
  let updates = 0;
  let signals = 0;
  let signalsHandled = 0;
  setHandler(idleStepUpdate, async () => {
    const index = updates;
    updates += 1;
    await runActivities(shape.perUpdate[index] ?? 0);
    return index;
  });
  setHandler(idleStepSignal, () => {
    signals += 1;
  });
  await runActivities(shape.atStart);
  while (signalsHandled < shape.perSignal.length) {
    await condition(() => signals > signalsHandled);
    await runActivities(shape.perSignal[signalsHandled] ?? 0);
    signalsHandled += 1;
  }
  await condition(() => updates >= shape.perUpdate.length && allHandlersFinished());
}
