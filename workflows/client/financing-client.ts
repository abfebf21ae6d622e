import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { allocateCollection } from '../../prisma/stores/servicing-store';
import { repaymentReceivedSignal, type FinancingState, type FinancingWorkflowInput } from '../contracts/financing';
import { workflowIds } from '../contracts/workflow-ids';
import { describeWorkflow, isClosedWorkflow, sendUpdate, startWorkflowOnce, type WorkflowStatusView } from './workflow-client';

const FINANCING_WORKFLOW = 'financingWorkflow';

/** Starts the financing's workflow once (a repeated application finds it started). */
export function startFinancingWorkflow(client: Client, taskQueue: string, input: FinancingWorkflowInput): Promise<void> {
  return startWorkflowOnce(client, taskQueue, FINANCING_WORKFLOW, workflowIds.financing(input.financingId), input);
}

/** A decision for the financing's workflow; undefined when the workflow has finished. */
export function sendFinancingUpdate<Args>(client: Client, financingId: string, update: { name: string }, args: Args, updateId: string): Promise<FinancingState | undefined> {
  return sendUpdate<FinancingState, Args>(client, workflowIds.financing(financingId), update, args, updateId);
}

export function describeFinancingWorkflow(client: Client, financingId: string): Promise<WorkflowStatusView> {
  return describeWorkflow(client, workflowIds.financing(financingId));
}


/**
 * Tells a financing's workflow that money reached its collection account. When the workflow
 * has ended (a late over-payment after settlement), the money is allocated here: it all goes
 * back to the supplier.
 */
export async function wakeForRepayment({ prisma, temporal, logger }: { prisma: PrismaClient; temporal: Client; logger: Logger }, financingId: string, reference: string): Promise<void> {
  try {
    await temporal.workflow.getHandle(workflowIds.financing(financingId)).signal(repaymentReceivedSignal);
  } catch (error) {
    if (!isClosedWorkflow(error)) throw error;
    const financing = await prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
    if (financing.status === 'SETTLED') await allocateCollection(prisma, financingId, `inbound:${reference}:allocation`);
    else logger.warn({ financingId, status: financing.status, reference }, 'money reached the collection account of a financing that is not being serviced; an operator must return it');
  }
}
