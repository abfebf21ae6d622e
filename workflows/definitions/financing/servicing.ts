import { allHandlersFinished, condition, continueAsNew, log, workflowInfo } from '@temporalio/workflow';
import { addDays, businessDateOf, daysBetween, startOfBusinessDate, type IsoDate } from '../../../domain/business-date';
import { overdueFrom, recourseOn } from '../../../domain/servicing-rules';
import { isDomainRefusal } from '../attention';
import { accruePenalty, allocateCollection, claimRecourse, generateDocument, notify, type Party } from './financing-steps';
import { obligorKnows, setStatus, type FinancingRun } from './financing-run';
import type { financingWorkflow } from '../financing-workflow';

// Servicing (docs/workflows/financing.md, "Servicing"): from disbursement to settlement the
// workflow wakes on every repayment and on each business day that matters; after the grace
// days it charges penalty daily (OVERDUE); with recourse it claims from the supplier on its
// day; every wake-up runs the waterfall over the collection account; it ends when the funder
// is whole.

/** The days that matter, fixed when the financing was priced. */
interface Calendar {
  overdueStart: IsoDate;
  recourseDay: IsoDate | null;
}

/** What servicing has done in this run (a run continued as new starts afresh, but for recourse). */
interface Servicing {
  calendar: Calendar;
  recourseDone: boolean;
  /** Repayment Signals already looked at. */
  handled: number;
  /** Allocations asked for in this run: each has its own key. */
  allocations: number;
  settled: boolean;
}

function partiesOf(run: FinancingRun): readonly Party[] {
  return obligorKnows(run) ? ['SUPPLIER', 'FUNDER', 'OBLIGOR'] : ['SUPPLIER', 'FUNDER'];
}

/** Services the financing until the funder is whole, then settles it. */
export async function service(run: FinancingRun): Promise<void> {
  const { dueDate, graceDays, recourseAfterDays } = run.origination;
  const calendar = { overdueStart: overdueFrom(dueDate, graceDays), recourseDay: recourseAfterDays === null ? null : recourseOn(dueDate, recourseAfterDays) };
  const servicing: Servicing = { calendar, recourseDone: run.input.resumeServicing?.recourseDone ?? false, handled: 0, allocations: 0, settled: false };
  await allocate(run, servicing);
  while (!servicing.settled) {
    await condition(() => run.repaymentSignals > servicing.handled, Math.max(1, startOfBusinessDate(nextWake(servicing, businessDateOf(new Date()))).getTime() - Date.now()));
    servicing.handled = run.repaymentSignals;
    await onWake(run, servicing, businessDateOf(new Date()));
    // Every wake-up allocates: a repayment whose signal was lost is picked up the next day at the latest.
    if (!servicing.settled) await allocate(run, servicing);
    // A long overdue financing: start a fresh history once the payout needs no more watching.
    if (!servicing.settled && run.payout.done && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof financingWorkflow>({ ...run.input, ...run.origination, resumeServicing: { recourseDone: servicing.recourseDone } });
    }
  }
  await settle(run, servicing);
}

/** The next day that matters (overdue start, recourse), then daily once overdue; a repayment wakes it sooner. */
function nextWake({ calendar, recourseDone }: Servicing, today: IsoDate): IsoDate {
  const { overdueStart, recourseDay } = calendar;
  if (daysBetween(overdueStart, today) >= 0) return addDays(today, 1);
  const upcoming = [overdueStart, ...(recourseDay !== null && !recourseDone ? [recourseDay] : [])].filter((day) => daysBetween(today, day) > 0).sort();
  return upcoming[0] ?? addDays(today, 1);
}

/** Penalty once the grace days are over, and recourse on its day. */
async function onWake(run: FinancingRun, servicing: Servicing, day: IsoDate): Promise<void> {
  const { overdueStart, recourseDay } = servicing.calendar;
  await tolerating(run, 'penalty', async () => {
    if (daysBetween(overdueStart, day) < 0) return;
    const penalty = await accruePenalty(run, day);
    if (penalty.overdue && run.state.status !== 'OVERDUE') {
      setStatus(run, 'OVERDUE');
      for (const party of partiesOf(run)) await notify(run, party, 'FINANCING_OVERDUE');
    }
  });
  if (recourseDay !== null && !servicing.recourseDone && daysBetween(recourseDay, day) >= 0) {
    await tolerating(run, 'recourse', async () => {
      const recourse = await claimRecourse(run);
      servicing.recourseDone = true;
      if (recourse.settled) servicing.settled = true;
      if (recourse.claimedAny) await notify(run, 'SUPPLIER', 'RECOURSE_CLAIMED');
    });
  }
}

/** Whatever is in the collection account, through the waterfall; keyed per run (continue-as-new starts a new one). */
async function allocate(run: FinancingRun, servicing: Servicing): Promise<void> {
  servicing.allocations += 1;
  const allocation = await allocateCollection(run, `${run.workflowId}:${workflowInfo().runId}:allocation:${servicing.allocations}`);
  if (allocation?.settled) servicing.settled = true;
}

/** The funder is whole: the statement and the news; money arriving while a payout still waits for a retry goes back to the supplier. */
async function settle(run: FinancingRun, servicing: Servicing): Promise<void> {
  setStatus(run, 'SETTLED');
  await generateDocument(run, 'SETTLEMENT_STATEMENT');
  for (const party of partiesOf(run)) await notify(run, party, 'FINANCING_SETTLED');
  while (!run.payout.done) {
    await condition(() => run.repaymentSignals > servicing.handled || run.payout.done);
    servicing.handled = run.repaymentSignals;
    await allocate(run, servicing);
  }
}

/**
 * A rule that refuses a servicing step (a domain error) must not end the workflow and strand
 * the financing: it is logged and the step is tried again at the next wake-up.
 */
async function tolerating(run: FinancingRun, step: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (!isDomainRefusal(error)) throw error;
    log.warn(`${run.label}: ${step} refused, trying again at the next wake-up: ${(error as Error & { cause?: Error }).cause?.message}`);
  }
}
