import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BankAdapter } from '../../bank/bank-adapter';
import type { PrismaClient } from '../../prisma/client';
import { pollInboundCredits, type MatchedCredit } from '../../prisma/stores/inbound-store';
import { wakeForRepayment } from '../client/financing-client';
import { isClosedWorkflow } from '../client/workflow-client';
import { fundingAvailableSignal } from '../contracts/financing';
import { workflowIds } from '../contracts/workflow-ids';

export interface InboundDependencies {
  prisma: PrismaClient;
  bank: BankAdapter;
  temporal: Client;
  logger: Logger;
}


/**
 * Books the bank's new inbound credits, then tells the workflows concerned: a repayment wakes
 * its financing's workflow (which runs the waterfall); a funder's top-up wakes its financings
 * waiting for funding. Money that reaches a financing whose workflow has ended (a late
 * over-payment after settlement) is allocated here directly: it all goes back to the supplier.
 */
export async function processInboundCredits(deps: InboundDependencies): Promise<MatchedCredit[]> {
  const { prisma, bank, temporal, logger } = deps;
  const results = await pollInboundCredits(prisma, bank);
  for (const { credit, financingId, fundedPartyId, replayed } of results) {
    logger.info({ bankReference: credit.bankReference, outcome: credit.outcome, amount: credit.amount.toFixed(), financingId, replayed }, 'inbound credit booked');
    // The money is booked; a wake-up that fails here is made good by the workflow's own daily look.
    try {
      if (financingId) await wakeForRepayment(deps, financingId, credit.bankReference);
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
    } catch (error) {
      logger.warn({ err: error, bankReference: credit.bankReference, financingId }, 'could not wake the workflow for an inbound credit');
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
