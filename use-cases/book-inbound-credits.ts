import type { BankAdapter } from '../bank/bank-adapter';
import { pollInboundCredits, type InboundResult } from '../prisma/stores/inbound-store';
import { signalFundingAvailable } from '../workflows/client/financing-client';
import { deliverRepayment } from './deliver-repayment';
import type { UseCaseContext } from './use-case-context';

export type InboundContext = Pick<UseCaseContext, 'prisma' | 'temporal' | 'logger'> & { bank: BankAdapter };

/**
 * Books the bank's new inbound credits, then tells the workflows concerned: a repayment wakes
 * its financing's workflow (which runs the waterfall); a funder's top-up wakes its financings
 * waiting for funding. A credit parked as an exception wakes nobody: an operator decides.
 * The worker's poller runs this every few seconds.
 */
export async function bookInboundCredits(ctx: InboundContext): Promise<InboundResult[]> {
  const { prisma, bank, logger } = ctx;
  const results = await pollInboundCredits(prisma, bank);
  for (const { bankReference, credit, exception, financingId, fundedPartyId, replayed } of results) {
    if (exception) logger.warn({ bankReference, reason: exception.reason, detail: exception.detail, amount: exception.amount, currency: exception.currency, replayed }, 'inbound credit parked as an exception');
    else logger.info({ bankReference, outcome: credit?.outcome, amount: credit?.amount.toFixed(), financingId, replayed }, 'inbound credit booked');
    // The money is booked; a wake-up that fails here is made good by the workflow's own daily look.
    try {
      if (financingId) await deliverRepayment(ctx, financingId, bankReference);
      if (fundedPartyId) await wakeFinancingsWaitingForFunding(ctx, fundedPartyId);
    } catch (error) {
      logger.warn({ err: error, bankReference, financingId }, 'could not wake the workflow for an inbound credit');
    }
  }
  return results;
}

async function wakeFinancingsWaitingForFunding(ctx: InboundContext, funderPartyId: string): Promise<void> {
  const waiting = await ctx.prisma.financing.findMany({ where: { funderPartyId, status: 'FUNDING_PENDING' }, select: { id: true } });
  for (const { id } of waiting) await signalFundingAvailable(ctx.temporal, id);
}
