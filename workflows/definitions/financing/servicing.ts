import { allHandlersFinished, condition, continueAsNew, log, patched, workflowInfo } from '@temporalio/workflow';
import { addDays, businessDateOf, daysBetween, startOfBusinessDate, type IsoDate } from '../../../domain/business-date';
import { overdueFrom, recourseOn } from '../../../domain/servicing-rules';
import { isDomainRefusal } from '../attention';
import { accruePenalty, allocateCollection, claimRecourse, generateDocument, notify, serviceFinancing, type Party } from './financing-steps';
import { obligorKnows, rest, setStatus, type FinancingRun } from './financing-run';
import type { financingWorkflow } from '../financing-workflow';

// Servicing (docs/workflows/financing.md, "Servicing"): from disbursement to settlement the
// workflow wakes at the start of every business day and on every repayment; each wake-up first
// runs the waterfall over the collection account by value date (money counts from the day the
// bank received it), then charges the penalty of the days that began (OVERDUE after the grace
// days); with recourse it claims only the shortfall from the supplier on its day; it ends when
// the funder is whole and the payout needs no more watching.

/**
 * The change to servicing by value date (docs/workflows/changing-a-workflow.md): a run started
 * before it woke only on the days that mattered and charged penalty before allocating; it
 * keeps doing so (its steps still count money by value date in the database).
 */
export const VALUE_DATED_SERVICING_PATCH = 'value-dated-servicing';

/** Services the financing until the funder is whole, tells everyone, then waits for the payout to be done. */
export async function service(run: FinancingRun): Promise<void> {
  if (!patched(VALUE_DATED_SERVICING_PATCH)) return serviceByProcessingTime(run);
  const { dueDate, recourseAfterDays } = run.origination;
  const recourseDay = recourseAfterDays === null ? null : recourseOn(dueDate, recourseAfterDays);
  const loop = { handled: run.repaymentSignals, steps: 0 };
  if (!run.servicing.settled) {
    let day = await serviceDay(run, loop, recourseDay);
    while (!day.settled) {
      // Daily at the start of the business day, and at once on a repayment: a wake-up that was
      // lost waits a day at most. Money the step could not take all of is allocated by the next
      // step at once, with its value dates, before any day is charged on it.
      if (!day.more) await rest(run, 'servicing', () => run.repaymentSignals > loop.handled, Math.max(1, startOfBusinessDate(addDays(businessDateOf(new Date()), 1)).getTime() - Date.now()));
      loop.handled = run.repaymentSignals;
      day = await serviceDay(run, loop, recourseDay);
    }
    setStatus(run, 'SETTLED');
    await generateDocument(run, 'SETTLEMENT_STATEMENT');
    for (const party of partiesOf(run)) await notify(run, party, 'FINANCING_SETTLED');
    run.servicing.settled = true;
  }
  // Money arriving while a payout still waits goes through the waterfall as it comes.
  while (!run.payout.done) {
    await rest(run, 'servicing', () => run.repaymentSignals > loop.handled || run.payout.done);
    loop.handled = run.repaymentSignals;
    if (!run.payout.done) await serviceDay(run, loop, null);
  }
}

/**
 * One wake-up: the collection account through the waterfall by value date and the penalty of
 * the days that began (one step, in that order), the notices they call for, then recourse on
 * its day for what is still owed. Returns whether the financing is settled, and whether money
 * still waits in the collection account (then recourse waits for the step that allocates it).
 */
async function serviceDay(run: FinancingRun, loop: { steps: number }, recourseDay: IsoDate | null): Promise<{ settled: boolean; more: boolean }> {
  let settled = false;
  let more = false;
  const today = businessDateOf(new Date());
  await tolerating(run, 'servicing', async () => {
    loop.steps += 1;
    const step = await serviceFinancing(run, today, `${run.workflowId}:${workflowInfo().runId}:allocation:${loop.steps}`);
    settled = step.settled;
    more = step.more === true;
    for (const reversal of step.reversals) {
      const facts = { amount: reversal.amount, valueDate: reversal.valueDate, days: reversal.days.join(', ') };
      for (const party of partiesOf(run)) await notify(run, party, 'PENALTY_REVERSED', { event: reversal.allocationId, facts });
    }
    if (step.overdue) {
      setStatus(run, 'OVERDUE');
      if (!run.servicing.overdueTold) {
        for (const party of partiesOf(run)) await notify(run, party, 'FINANCING_OVERDUE');
        run.servicing.overdueTold = true;
      }
    }
  });
  if (settled || more || recourseDay === null || run.servicing.recourseDone || daysBetween(recourseDay, today) < 0) return { settled, more };
  await tolerating(run, 'recourse', async () => {
    // The store allocates what is in the collection account again first: only the shortfall is claimed.
    const recourse = await claimRecourse(run);
    run.servicing.recourseDone = true;
    settled = recourse.settled;
    if (recourse.claimedAny) await notify(run, 'SUPPLIER', 'RECOURSE_CLAIMED', { facts: { claimed: recourse.claimed, outstanding: recourse.outstandingAfter } });
  });
  return { settled, more };
}

// ---------------------------------------------------------------------------------------
// Servicing as runs started before VALUE_DATED_SERVICING_PATCH do it, kept unchanged so that
// they replay: woken only on the overdue start, the recourse day and repayments, penalty
// charged before the collection account is allocated.

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

async function serviceByProcessingTime(run: FinancingRun): Promise<void> {
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
