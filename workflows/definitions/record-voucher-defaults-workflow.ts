import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { businessDateOf } from '../../domain/business-date';
import type { Activities } from '../activities';
import type { RecordVoucherDefaultsInput, RecordVoucherDefaultsResult } from '../contracts/voucher-default';
import { DATABASE_STEP } from './activity-bounds';

// The daily default scan of vouchers (docs/workflows/voucher.md, "Default on the due date"),
// started by the `voucher-defaults` Schedule once a business day. Every ACTIVE voucher whose due
// date has ended is asked whether the money valued by the end of that date covered it; one that
// fell short is recorded DEFAULTED, dated its due date, and its holders and issuer are told. The
// date comes from the voucher, never from this run's clock: a run that is days late (a worker or
// the Temporal server down) records the same defaults with the same dates, and a second run
// records nothing twice.

/** A step looks at up to 100 vouchers, each in its own transaction: a minute per attempt. */
const { recordVoucherDefaultsStep } = proxyActivities<Activities>({ ...DATABASE_STEP, startToCloseTimeout: '1 minute' });

export async function recordVoucherDefaultsWorkflow(input: RecordVoucherDefaultsInput = {}): Promise<RecordVoucherDefaultsResult> {
  const today = input.today ?? businessDateOf(new Date());
  const done = { looked: 0, defaulted: 0, notified: 0, ...(input.done ?? {}) };
  let after = input.after ?? null;
  for (;;) {
    const step = await recordVoucherDefaultsStep({ today, after, at: new Date() });
    done.looked += step.looked;
    done.defaulted += step.defaulted;
    done.notified += step.notified;
    if (!step.next) break;
    after = step.next;
    // Thousands of vouchers due on one day make a long history: the rest in a fresh run.
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof recordVoucherDefaultsWorkflow>({ today, after, done });
  }
  return { today, ...done };
}
