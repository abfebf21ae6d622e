import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
// The replay worker loads the payload converter with require(), like the integration tests' workers.
import '../test/register-tsx';
import { historyFromJson } from '../test/support/history-json';
import { PAYLOAD_CONVERTER_PATH } from './contracts/payload-converter-path';
import { WORKFLOWS_PATH } from './worker/create-worker';

// A financing lives for months and a receivable's confirmation for days: a worker deployed in
// that time replays histories written by the code before it. These are real histories, one per
// path, recorded from the integration tests' scenarios (docs/workflows/changing-a-workflow.md);
// replaying them against the current code fails on any change to the commands a workflow
// issues (an activity added, removed, reordered or renamed, a timer moved) unless it is guarded
// by patched() or made under a new workflow type.

const HISTORIES_DIR = new URL('./histories', import.meta.url).pathname;

function fixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return fixtures(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });
}

/** The paths the fixtures must cover: losing one is a failure, not a smaller test. */
const PATHS = [
  'financing-settled-on-time',
  'financing-paid-late-with-penalty',
  'financing-recourse',
  'financing-payout-failed-and-retried',
  'financing-expired-unacknowledged',
  'financing-expired-unconfirmed',
  'financing-expired-unfunded',
  'financing-expired-silent-unapproved',
  'financing-continued-as-new',
  'financing-refused',
  'financing-rejected',
  'financing-withdrawn',
  'receivable-confirmed',
  'receivable-rejected',
  'receivable-cancelled',
  'receivable-expired-after-reminders',
];

/** Paths that came with repricing at disbursement and returns in part: recorded with the current code only. */
const SINCE_REPRICING = ['financing-expired-at-disbursement', 'financing-payout-returned-in-part'];

/** Paths that came with servicing by value date and bounded histories. */
const SINCE_VALUE_DATING = [
  'financing-settled-wake-up-lost',
  'financing-penalty-reversed',
  'financing-recourse-after-allocation',
  'financing-over-paid-beyond-the-receivable',
  'financing-payout-failed-twice-then-settled',
  'financing-continued-as-new-awaiting-retry',
  // A payout the bank returned after the watch, found by the statement, retried by the running
  // workflow (the `retry-after-watch` patch) and by a new run once the workflow had ended.
  'financing-payout-returned-after-watch',
  'financing-retried-after-the-workflow-ended',
  // A failed payout nobody retried, whose proceeds recourse used in full: the run ends once the
  // financing is settled (the `proceeds-used-by-recourse` patch).
  'financing-proceeds-used-by-recourse',
];

/**
 * A decision racing the supplier's withdrawal, the withdrawal's answer reaching the run first:
 * the run keeps the withdrawal and announces it (the `later-decisions-kept` patch).
 */
const SINCE_LATER_DECISIONS_KEPT = ['financing-withdrawn-racing-acknowledgement', 'financing-withdrawn-racing-approval'];

/** The payouts of a balance (withdrawals, fee sweeps and refunds to a payer), each in its own workflow. */
const BALANCE_PAYOUT_PATHS = [
  'balance-payout-withdrawal-settled',
  'balance-payout-withdrawal-timed-out',
  'balance-payout-withdrawal-returned-in-part',
  'balance-payout-fee-sweep-settled',
  'balance-payout-attention-resumed',
  'balance-payout-refund-settled',
  'balance-payout-refund-failed',
  'balance-payout-refund-returned-in-part',
];

/** The financing paths kept as recorded before each change since the disbursement advice (and repricing). */
const FINANCING_PATHS_KEPT = [
  'financing-settled-on-time',
  'financing-settled-in-two-parts',
  'financing-over-payment',
  'financing-paid-late-with-penalty',
  'financing-recourse',
  'financing-payout-timed-out',
  'financing-payout-failed-and-retried',
  'financing-payout-returned',
  'financing-continued-as-new',
  'financing-attention-resumed',
  'financing-expired-unacknowledged',
  'financing-expired-unconfirmed',
  'financing-expired-unfunded',
  'financing-expired-silent-unapproved',
  'financing-refused',
  'financing-rejected',
  'financing-withdrawn',
];

/**
 * Recorded with the current code, and kept from the versions before it while workflows they
 * started may still be running: before servicing counted money by value date and histories
 * were bounded (the `value-dated-servicing` and `bounded-histories` patches), before the
 * disbursement advice (the `disbursement-advice` patch), before steps were bounded (the
 * `bounded-steps` patch), and before applications and registrations started their workflow
 * with update-with-start.
 */
const REQUIRED = [
  ...PATHS,
  ...SINCE_REPRICING,
  ...BALANCE_PAYOUT_PATHS,
  'financing-attention-resumed',
  'receivable-attention-resumed',
  ...SINCE_VALUE_DATING,
  ...SINCE_LATER_DECISIONS_KEPT,
  ...FINANCING_PATHS_KEPT.map((path) => `before-value-dated-servicing/${path}`),
  ...SINCE_REPRICING.map((path) => `before-value-dated-servicing/${path}`),
  ...FINANCING_PATHS_KEPT.map((path) => `before-disbursement-advice/${path}`),
  ...PATHS.map((path) => `before-bounded-steps/${path}`),
  'before-update-with-start/financing-settled-on-time',
  'before-update-with-start/financing-paid-late-with-penalty',
  'before-update-with-start/financing-expired-unacknowledged',
  'before-update-with-start/receivable-confirmed',
  'ledger-cut-off-three-missed-days',
  'ledger-cut-off-settling-minute',
];

describe('recorded workflow histories', () => {
  const files = fixtures(HISTORIES_DIR).sort();
  const names = files.map((file) => relative(HISTORIES_DIR, file).replace(/\.json$/, ''));

  it('cover every path of the financing and receivable workflows', () => {
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
  });

  it('replay against the current workflow code without a determinism error', { timeout: 180_000 }, async () => {
    const histories = files.map((file, index) => ({ workflowId: names[index] as string, history: historyFromJson(readFileSync(file, 'utf8')) }));
    const failures: string[] = [];
    const replayed: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } }, histories)) {
      replayed.push(result.workflowId);
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed.sort()).toEqual([...names].sort());
  });
});
