import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import { cutOffInstant, datesToClose, lastEndedDate, CUT_OFF_DAYS_PER_RUN_MAX, CUT_OFF_SETTLE_MS } from '../../domain/accounting-day';
import type { Activities } from '../activities';
import type { ClosedDaySummary, LedgerCutOffInput, LedgerCutOffResult } from '../contracts/cut-off';
import { DATABASE_STEP } from './activity-bounds';

const { planCutOff, closeAccountingDay } = proxyActivities<Activities>({
  ...DATABASE_STEP,
  // Closing a day reads every account; the store allows its transaction two minutes.
  startToCloseTimeout: '3 minutes',
});

/**
 * The daily cut-off (日切), started by the `ledger-cut-off` Schedule at each cut-off instant
 * (docs/workflows/cut-off.md). Closes every accounting day whose cut-off has passed by this
 * workflow's clock, oldest first: a worker that was down for three days closes three days.
 * A day is closed a settling minute after its cut-off (CUT_OFF_SETTLE_MS), so that no database
 * transaction begun before the cut-off is still writing into it; the run started at the
 * cut-off waits that minute on a timer. Closing a day twice changes nothing.
 */
export async function ledgerCutOffWorkflow(input: LedgerCutOffInput): Promise<LedgerCutOffResult> {
  const { settings } = input;
  // The day that has just ended settles first (a durable timer, so a restart loses nothing).
  const justEnded = cutOffInstant(lastEndedDate(new Date(), settings), settings).getTime() + CUT_OFF_SETTLE_MS;
  if (justEnded > Date.now()) await sleep(justEnded - Date.now());
  const now = new Date();
  const plan = await planCutOff();
  const dates = datesToClose({ lastClosedDate: plan.lastClosedDate, firstEffectiveAt: plan.firstEffectiveAt, now }, settings, CUT_OFF_DAYS_PER_RUN_MAX + 1);
  const closed: ClosedDaySummary[] = [];
  for (const businessDate of dates.slice(0, CUT_OFF_DAYS_PER_RUN_MAX)) {
    closed.push(await closeAccountingDay({ businessDate, settings, at: now, closedBy: `${workflowInfo().workflowId}/${workflowInfo().runId}` }));
  }
  // More days were due than one history should hold (a long outage): the rest in a fresh run.
  if (dates.length > CUT_OFF_DAYS_PER_RUN_MAX) await continueAsNew<typeof ledgerCutOffWorkflow>(input);
  return { closed };
}
