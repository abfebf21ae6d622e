import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import type { Logger } from 'pino';
import { cutOffMinutes, type CutOffSettings } from '../../domain/accounting-day';
import { CUT_OFF_SCHEDULE_ID, CUT_OFF_WORKFLOW_ID } from '../contracts/cut-off';
import type { ledgerCutOffWorkflow } from '../definitions/ledger-cut-off-workflow';

// The daily cut-off's Temporal Schedule, written by every worker at start-up: created the first
// time, brought up to the configuration (zone, time, task queue) every time after. Any number
// of workers may do this at once; there is one schedule, under one id.

/** Runs missed while the Temporal server itself was down are taken when it is back, up to this long after. */
const CUT_OFF_CATCHUP_WINDOW = '7 days';

function specOf(settings: CutOffSettings): ScheduleSpec {
  // "24:00" is the midnight that ends the date: the schedule fires at 00:00 of the next one.
  const minutes = cutOffMinutes(settings.time) % 1440;
  return { calendars: [{ hour: Math.floor(minutes / 60), minute: minutes % 60, comment: `cut-off ${settings.time}` }], timezone: settings.zone };
}

function actionOf(settings: CutOffSettings, taskQueue: string): ScheduleOptionsStartWorkflowAction<typeof ledgerCutOffWorkflow> {
  return { type: 'startWorkflow', workflowType: 'ledgerCutOffWorkflow', args: [{ settings }], taskQueue, workflowId: CUT_OFF_WORKFLOW_ID };
}

// A run still closing days when the next cut-off comes leaves that one waiting, not dropped:
// the waiting run closes whatever the first left (nothing, usually) and the new day.
const POLICIES = { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: CUT_OFF_CATCHUP_WINDOW };

/** Creates the `ledger-cut-off` schedule, or updates it to the settings given; returns whether it was created. */
export async function ensureCutOffSchedule(client: Client, { settings, taskQueue }: { settings: CutOffSettings; taskQueue: string }, logger: Logger): Promise<{ created: boolean }> {
  const spec = specOf(settings);
  const action = actionOf(settings, taskQueue);
  try {
    await client.schedule.create({ scheduleId: CUT_OFF_SCHEDULE_ID, spec, action, policies: POLICIES });
    logger.info({ scheduleId: CUT_OFF_SCHEDULE_ID, cutOff: settings }, 'cut-off schedule created');
    return { created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(CUT_OFF_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, ...POLICIES } }));
  logger.info({ scheduleId: CUT_OFF_SCHEDULE_ID, cutOff: settings }, 'cut-off schedule up to date');
  return { created: false };
}
