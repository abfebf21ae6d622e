import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { financingWorkflow } from '../definitions/financing-workflow';
import type { ResumeArgs, Resumed } from '../contracts/attention';
import { applyForFinancingUpdate, type FinancingOrigination, fundingAvailableSignal, repaymentReceivedSignal, resumeFinancingUpdate, retryPayoutUpdate, type AppliedFinancing, type ApplyForFinancingArgs, type FinancingState, type RetryPayoutArgs } from '../contracts/financing';
import type { FinancingSettings } from '../contracts/settings';
import { workflowIds } from '../contracts/workflow-ids';
import { describeWorkflow, executeUpdateWithStart, isClosedWorkflow, sendUpdate, type WorkflowStatusView } from './workflow-client';

/** Starts the financing's workflow with its application as the first Update. */
export function applyForFinancingWithStart(
  client: Client,
  { taskQueue, financingId, settings, args, updateId }: { taskQueue: string; financingId: string; settings: FinancingSettings; args: ApplyForFinancingArgs; updateId: string },
): Promise<AppliedFinancing> {
  return executeUpdateWithStart(client, {
    workflow: financingWorkflow,
    workflowId: workflowIds.financing(financingId),
    taskQueue,
    input: { financingId, acknowledgementWindowMs: settings.acknowledgementWindowMs, approvalWindowMs: settings.approvalWindowMs, fundingWindowMs: settings.fundingWindowMs },
    update: applyForFinancingUpdate,
    args,
    updateId,
  });
}

/** A decision for the financing's workflow; undefined when the workflow has finished. */
export function sendFinancingUpdate<Args>(client: Client, financingId: string, update: UpdateDefinition<FinancingState, [Args]>, args: Args, updateId: string): Promise<FinancingState | undefined> {
  return sendUpdate(client, workflowIds.financing(financingId), update, args, updateId);
}

/**
 * A payout returned after the financing's workflow ended (the financing settled; the bank's
 * statement showed the return): a new run of the same workflow id, carrying the origination and
 * a servicing already settled, starts waiting for this retry and pays the next attempt.
 */
export function retryPayoutWithStart(
  client: Client,
  { taskQueue, financingId, settings, origination, args, updateId }: { taskQueue: string; financingId: string; settings: FinancingSettings; origination: FinancingOrigination; args: RetryPayoutArgs; updateId: string },
): Promise<{ payoutId: string }> {
  return executeUpdateWithStart(client, {
    workflow: financingWorkflow,
    workflowId: workflowIds.financing(financingId),
    taskQueue,
    input: {
      financingId,
      acknowledgementWindowMs: settings.acknowledgementWindowMs,
      approvalWindowMs: settings.approvalWindowMs,
      fundingWindowMs: settings.fundingWindowMs,
      ...origination,
      resumeServicing: { recourseDone: true, settled: true, overdueTold: true, payout: { step: 'AWAITING_RETRY' } },
    },
    update: retryPayoutUpdate,
    args,
    updateId,
  });
}

/** Asks the financing's workflow for a new payout attempt; undefined when the workflow has finished. */
export function sendRetryPayout(client: Client, financingId: string, args: RetryPayoutArgs, updateId: string): Promise<{ payoutId: string } | undefined> {
  return sendUpdate(client, workflowIds.financing(financingId), retryPayoutUpdate, args, updateId);
}

/** An operator resumes the step that waits for one; undefined when the workflow has finished. */
export function sendResumeFinancing(client: Client, financingId: string, args: ResumeArgs, updateId: string): Promise<Resumed | undefined> {
  return sendUpdate(client, workflowIds.financing(financingId), resumeFinancingUpdate, args, updateId);
}

export function describeFinancingWorkflow(client: Client, financingId: string): Promise<WorkflowStatusView> {
  return describeWorkflow(client, workflowIds.financing(financingId));
}

/** Tells the financing's workflow that money reached its collection account; false when the workflow has ended. */
export async function signalRepaymentReceived(client: Client, financingId: string): Promise<boolean> {
  return signalUnlessEnded(client, financingId, repaymentReceivedSignal);
}

/** Tells a financing waiting for funding that its funder's account was topped up; false when the workflow has ended. */
export async function signalFundingAvailable(client: Client, financingId: string): Promise<boolean> {
  return signalUnlessEnded(client, financingId, fundingAvailableSignal);
}

async function signalUnlessEnded(client: Client, financingId: string, signal: typeof repaymentReceivedSignal | typeof fundingAvailableSignal): Promise<boolean> {
  try {
    await client.workflow.getHandle<typeof financingWorkflow>(workflowIds.financing(financingId)).signal(signal);
    return true;
  } catch (error) {
    if (isClosedWorkflow(error)) return false;
    throw error;
  }
}
