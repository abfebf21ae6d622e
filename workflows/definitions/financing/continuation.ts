import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import type { PayoutProgress, ResumeServicing } from '../../contracts/financing';
import { payOut } from './payout';
import { service } from './servicing';
import { stillResting, type FinancingRun } from './financing-run';
import type { financingWorkflow } from '../financing-workflow';

// After disbursement two loops run side by side: the payout (payout.ts), which may wait for
// weeks on a bank or a person, and servicing (servicing.ts), which wakes every day until the
// funder is whole, however long the financing is overdue. Either alone would grow the run's
// history without end. So once the history holds CONTINUE_AS_NEW_AT_EVENTS events, the run
// continues as new as soon as both loops rest at the same time (each rests at every wait; an
// Update must have finished), carrying where each stands: the new run starts with an empty
// history and goes on from there (docs/workflows/financing.md, "Bounded histories").

/**
 * The change that bounded every run's history (docs/workflows/changing-a-workflow.md): a run
 * started before it continued as new only from servicing, only once the payout was done.
 */
export const BOUNDED_HISTORIES_PATCH = 'bounded-histories';

/** A run continues as new at the next point where both loops rest once its history holds this many events. */
export const CONTINUE_AS_NEW_AT_EVENTS = 1_500;

/**
 * No run's history holds more: between two resting points a loop adds at most a few dozen
 * events (a wake-up's step, its notices, a settlement's statement and notices, a payout
 * check), far below the 500 events of headroom. Temporal warns at 10,240 events and refuses
 * more than 51,200.
 */
export const RUN_HISTORY_EVENTS_MAX = 2_000;

function readyToContinue(run: FinancingRun, documentsStored: () => boolean): boolean {
  return workflowInfo().historyLength >= CONTINUE_AS_NEW_AT_EVENTS && documentsStored() && (run.payout.done || stillResting(run.resting.payout)) && stillResting(run.resting.servicing) && allHandlersFinished();
}

/**
 * The payout from `payout` and servicing, side by side, continuing as new whenever the history
 * is long. `documents` are renderings still under way: the run neither ends nor continues as new
 * before they are stored (a new run would not know of them).
 */
export async function serviceAndPayOut(run: FinancingRun, payout: PayoutProgress, documents: Promise<unknown> = Promise.resolve()): Promise<void> {
  let stored = false;
  const rendered = documents.then(() => {
    stored = true;
  });
  const loops = Promise.all([payOut(run, payout), service(run), rendered]).then(() => 'DONE' as const);
  const outcome = await Promise.race([loops, condition(() => readyToContinue(run, () => stored)).then(() => 'CONTINUE' as const)]);
  if (outcome === 'DONE') return;
  const resumeServicing: ResumeServicing = { ...run.servicing, payout: run.payout.progress };
  await continueAsNew<typeof financingWorkflow>({ ...run.input, ...run.origination, resumeServicing });
}

/** A run continued as new after disbursement: the loops go on from where the last run left them. */
export async function resumeAfterDisbursement(run: FinancingRun, resume: ResumeServicing): Promise<void> {
  if (!patched(BOUNDED_HISTORIES_PATCH)) {
    // Continued by the code before: it continued only once the payout needed no more watching.
    run.payout.done = true;
    await service(run);
    return;
  }
  await serviceAndPayOut(run, resume.payout ?? { step: 'DONE' });
}
