import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import type { Logger } from 'pino';
import { BUSINESS_UTC_OFFSET_HOURS } from '../../domain/business-date';
import { VOUCHER_DEFAULT_SCHEDULE_ID, VOUCHER_DEFAULT_WORKFLOW_ID } from '../contracts/voucher-default';
import type { recordVoucherDefaultsWorkflow } from '../definitions/record-voucher-defaults-workflow';

// The daily default scan's Temporal Schedule, written by every worker at start-up as the
// cut-off's is: created the first time, brought up to date (the task queue) every time after.

/**
 * Hours into the business day at which the scan runs. Not at midnight: a credit the bank
 * received in the due date's last minutes is booked by the inbound poller moments later, and a
 * scan that ran before it was booked would record a default the value date says never happened.
 */
export const VOUCHER_DEFAULT_SCAN_HOUR = 1;
/** Runs missed while the Temporal server itself was down are taken when it is back, up to this long after. */
const VOUCHER_DEFAULT_CATCHUP_WINDOW = '7 days';

// Business dates are a fixed UTC+08:00 (domain/business-date.ts): a daily interval with an
// offset from UTC midnight needs no time-zone database on the Temporal server.
const SPEC: ScheduleSpec = {
  intervals: [{ every: '1 day', offset: `${(VOUCHER_DEFAULT_SCAN_HOUR - BUSINESS_UTC_OFFSET_HOURS + 24) % 24} hours` }],
};

function actionOf(taskQueue: string): ScheduleOptionsStartWorkflowAction<typeof recordVoucherDefaultsWorkflow> {
  return { type: 'startWorkflow', workflowType: 'recordVoucherDefaultsWorkflow', args: [{}], taskQueue, workflowId: VOUCHER_DEFAULT_WORKFLOW_ID };
}

// A run still scanning when the next day's comes leaves that one waiting, not dropped.
const POLICIES = { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: VOUCHER_DEFAULT_CATCHUP_WINDOW };

/** Creates the `voucher-defaults` schedule, or updates it; returns whether it was created. */
export async function ensureVoucherDefaultSchedule(client: Client, { taskQueue }: { taskQueue: string }, logger: Logger): Promise<{ created: boolean }> {
  const action = actionOf(taskQueue);
  try {
    await client.schedule.create({ scheduleId: VOUCHER_DEFAULT_SCHEDULE_ID, spec: SPEC, action, policies: POLICIES });
    logger.info({ scheduleId: VOUCHER_DEFAULT_SCHEDULE_ID }, 'voucher default schedule created');
    return { created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(VOUCHER_DEFAULT_SCHEDULE_ID).update((previous) => ({ ...previous, spec: SPEC, action, policies: { ...previous.policies, ...POLICIES } }));
  logger.info({ scheduleId: VOUCHER_DEFAULT_SCHEDULE_ID }, 'voucher default schedule up to date');
  return { created: false };
}
