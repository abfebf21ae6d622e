import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, continueAsNew, proxyActivities, sleep, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DistributeVoucherPaymentInput, DistributeVoucherPaymentResult } from '../contracts/voucher-payment';
import { workflowIds } from '../contracts/workflow-ids';
import { DATABASE_STEP } from './activity-bounds';
import { payOutBalanceWorkflow } from './pay-out-balance-workflow';

// The distribution of one maturity payment of a voucher (docs/workflows/voucher-maturity.md):
// one workflow per inbound credit into the voucher's collection account, id
// `voucher-payment:<inboundCreditId>`. Plan (once), batches, finish, then each holder of
// unfinanced parts paid out to its bank by a payout workflow of its own. Every step is a store
// call that is safe to run again (the plan is written once; each batch's postings are keyed by
// the plan; finishing twice changes nothing; a holder's payout is keyed by the distribution),
// so a worker killed anywhere, or an activity run twice, pays nobody twice.

const databaseStep = proxyActivities<Activities>(DATABASE_STEP);
/**
 * A batch is up to 2,000 money postings and their claims in one database transaction: a
 * minute per attempt (the benchmark's 10,000 parts take seconds), retried like any database step.
 */
const batchStep = proxyActivities<Activities>({ ...DATABASE_STEP, startToCloseTimeout: '1 minute' });

/** How long the plan waits before it looks again at a part whose financing is being decided. */
export const PLAN_WAIT_MS = 60 * 60 * 1000;
/** Holders whose payouts are requested per activity (each then starts its payout's workflow). */
export const HOLDER_PAYOUTS_PER_STEP_MAX = 50;

export async function distributeVoucherPaymentWorkflow(input: DistributeVoucherPaymentInput): Promise<DistributeVoucherPaymentResult> {
  const { inboundCreditId } = input;
  let paying = input.payingOutFrom ?? null;
  let batches = 0;
  let voucherStatus = '';
  if (!paying) {
    // A part in a financing being decided holds its claim for a funder who may or may not take
    // it: the plan waits until that financing is disbursed or ends, rather than guess.
    let plan = await databaseStep.planVoucherPayment({ inboundCreditId, at: new Date() });
    while (plan.kind === 'WAIT') {
      await sleep(PLAN_WAIT_MS);
      if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof distributeVoucherPaymentWorkflow>({ inboundCreditId });
      plan = await databaseStep.planVoucherPayment({ inboundCreditId, at: new Date() });
    }
    batches = plan.batches;
    for (let batch = 0; batch < plan.batches; batch += 1) await batchStep.postVoucherPaymentBatch({ distributionId: plan.distributionId, batch });
    const finished = await databaseStep.finishVoucherPayment({ distributionId: plan.distributionId, at: new Date() });
    voucherStatus = finished.voucherStatus;
    paying = { distributionId: plan.distributionId, holders: finished.holders, from: 0 };
  }
  let payouts = 0;
  let keptInSettlement = 0;
  for (let from = paying.from; from < paying.holders; from += HOLDER_PAYOUTS_PER_STEP_MAX) {
    // Thousands of holders make a long history: the rest goes on in a fresh run.
    if (from > paying.from && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof distributeVoucherPaymentWorkflow>({ inboundCreditId, payingOutFrom: { ...paying, from } });
    }
    const requested = await databaseStep.requestVoucherHolderPayouts({ distributionId: paying.distributionId, from, count: HOLDER_PAYOUTS_PER_STEP_MAX, at: new Date() });
    for (const payout of requested) {
      if (payout.payoutId === null) {
        keptInSettlement += 1;
        continue;
      }
      // The payout exists and its money is in transit: its workflow asks the bank first, so it is
      // sent once (the bank executes a reference once), and it outlives this one.
      try {
        await startChild(payOutBalanceWorkflow, {
          workflowId: workflowIds.balancePayout(payout.payoutId),
          args: [{ payoutId: payout.payoutId, following: { watchedDays: null } }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        // Started by an earlier run of this workflow (continued as new, or restarted): it goes on by itself.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      payouts += 1;
    }
  }
  return { distributionId: paying.distributionId, voucherStatus, batches, payouts, keptInSettlement };
}
