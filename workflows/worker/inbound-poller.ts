import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BankAdapter } from '../../bank/bank-adapter';
import type { PrismaClient } from '../../prisma/client';
import { pollInboundCredits, type MatchedCredit } from '../../prisma/stores/inbound-store';
import { allocateCollection } from '../../prisma/stores/servicing-store';
import { fundingAvailableSignal, repaymentReceivedSignal } from '../contracts/financing';
import { workflowIds } from '../contracts/workflow-ids';

export interface InboundDependencies {
  prisma: PrismaClient;
  bank: BankAdapter;
  temporal: Client;
  logger: Logger;
}

function isClosedWorkflow(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || (error instanceof Error && /workflow execution already completed|not found/i.test(error.message));
}

/**
 * Books the bank's new inbound credits, then tells the workflows concerned: a repayment wakes
 * its financing's workflow (which runs the waterfall); a funder's top-up wakes its financings
 * waiting for funding. Money that reaches a financing whose workflow has ended (a late
 * over-payment after settlement) is allocated here directly: it all goes back to the supplier.
 */
export async function processInboundCredits({ prisma, bank, temporal, logger }: InboundDependencies): Promise<MatchedCredit[]> {
  const results = await pollInboundCredits(prisma, bank);
  for (const { credit, financingId, fundedPartyId, replayed } of results) {
    logger.info({ bankReference: credit.bankReference, outcome: credit.outcome, amount: credit.amount.toFixed(), financingId, replayed }, 'inbound credit booked');
    if (financingId) {
      try {
        await temporal.workflow.getHandle(workflowIds.financing(financingId)).signal(repaymentReceivedSignal);
      } catch (error) {
        if (!isClosedWorkflow(error)) throw error;
        const financing = await prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
        if (financing.status === 'SETTLED') await allocateCollection(prisma, financingId, `inbound:${credit.bankReference}:allocation`);
        else logger.warn({ financingId, status: financing.status, bankReference: credit.bankReference }, 'money reached the collection account of a financing that is not being serviced; an operator must return it');
      }
    }
    if (fundedPartyId) {
      const waiting = await prisma.financing.findMany({ where: { funderPartyId: fundedPartyId, status: 'FUNDING_PENDING' }, select: { id: true } });
      for (const { id } of waiting) {
        try {
          await temporal.workflow.getHandle(workflowIds.financing(id)).signal(fundingAvailableSignal);
        } catch (error) {
          if (!isClosedWorkflow(error)) throw error;
        }
      }
    }
  }
  return results;
}

/** Polls the bank every `intervalMs` until stopped; a failed poll is logged and tried again next time. */
export function startInboundPoller(deps: InboundDependencies, intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = processInboundCredits(deps)
      .catch((error: unknown) => deps.logger.error({ err: error }, 'reading inbound credits failed; retrying at the next poll'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
