import type { Client } from '@temporalio/client';
import type { ResumeArgs, Resumed } from '../contracts/attention';
import {
  approveRefundUpdate,
  requestBalancePayoutUpdate,
  resumeBalancePayoutUpdate,
  type ApproveRefundArgs,
  type RequestBalancePayoutArgs,
  type RequestedBalancePayout,
} from '../contracts/balance-payout';
import { workflowIds } from '../contracts/workflow-ids';
import { payOutBalanceWorkflow } from '../definitions/pay-out-balance-workflow';
import { executeUpdateWithStart, sendUpdate } from './workflow-client';

/** Starts the payout's workflow with its request as the first Update (a withdrawal or a fee sweep). */
export function requestBalancePayoutWithStart(
  client: Client,
  { taskQueue, payoutId, args, updateId }: { taskQueue: string; payoutId: string; args: RequestBalancePayoutArgs; updateId: string },
): Promise<RequestedBalancePayout> {
  return executeUpdateWithStart(client, {
    workflow: payOutBalanceWorkflow,
    workflowId: workflowIds.balancePayout(payoutId),
    taskQueue,
    input: { payoutId },
    update: requestBalancePayoutUpdate,
    args,
    updateId,
  });
}

/** Starts a refund's payout workflow with the checker's approval as its first Update, under the id the refund proposal chose. */
export function approveRefundWithStart(
  client: Client,
  { taskQueue, payoutId, args, updateId }: { taskQueue: string; payoutId: string; args: ApproveRefundArgs; updateId: string },
): Promise<RequestedBalancePayout> {
  return executeUpdateWithStart(client, {
    workflow: payOutBalanceWorkflow,
    workflowId: workflowIds.balancePayout(payoutId),
    taskQueue,
    input: { payoutId },
    update: approveRefundUpdate,
    args,
    updateId,
  });
}

/** An operator resumes the step a payout's workflow waits at; undefined when the workflow has finished. */
export function sendResumeBalancePayout(client: Client, payoutId: string, args: ResumeArgs, updateId: string): Promise<Resumed | undefined> {
  return sendUpdate(client, workflowIds.balancePayout(payoutId), resumeBalancePayoutUpdate, args, updateId);
}
