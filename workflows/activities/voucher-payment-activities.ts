import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import {
  DistributionMustWaitError,
  type PostedBatch,
  finishVoucherDistribution,
  holderPayoutId,
  holderPayoutsOf,
  planVoucherDistribution,
  postVoucherDistributionBatch,
  requestHolderPayout,
} from '../../prisma/stores/voucher-distribution-store';
import type { FinishedVoucherPayment, VoucherHolderPayout, VoucherPaymentPlan } from '../contracts/voucher-payment';

export interface VoucherPaymentActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

/** The steps of a voucher's maturity payment (docs/workflows/voucher-maturity.md): each one transaction, each safe to run again. */
export function createVoucherPaymentActivities({ prisma, logger }: VoucherPaymentActivityDependencies) {
  return {
    /** The plan of the credit's distribution, written once; WAIT while a part's financing is being decided. */
    async planVoucherPayment(input: { inboundCreditId: string; at: Date }): Promise<VoucherPaymentPlan> {
      try {
        const plan = await planVoucherDistribution(prisma, input.inboundCreditId, input.at);
        logger.info({ inboundCreditId: input.inboundCreditId, distributionId: plan.distributionId, number: plan.number, batches: plan.batches, replayed: plan.replayed }, 'voucher payment planned');
        return { kind: 'PLANNED', distributionId: plan.distributionId, number: plan.number, batches: plan.batches };
      } catch (error) {
        if (error instanceof DistributionMustWaitError) return { kind: 'WAIT', reason: error.message };
        throw error;
      }
    },

    /** One batch of the plan: posted, or replayed when it was posted before. */
    async postVoucherPaymentBatch(input: { distributionId: string; batch: number }): Promise<PostedBatch> {
      const posted = await postVoucherDistributionBatch(prisma, input.distributionId, input.batch);
      logger.info({ distributionId: input.distributionId, batch: input.batch, ...posted }, 'voucher payment batch posted');
      return posted;
    },

    async finishVoucherPayment(input: { distributionId: string; at: Date }): Promise<FinishedVoucherPayment> {
      const finished = await finishVoucherDistribution(prisma, input.distributionId, input.at);
      return { voucherStatus: finished.voucherStatus, holders: finished.holderPayouts.length };
    },

    /**
     * Puts the shares of `count` holders from `from` in transit to their banks, each once (the
     * payout's request key and id are derived from the distribution and the holder); the
     * workflow then starts each payout's own workflow, named after the payout.
     */
    async requestVoucherHolderPayouts(input: { distributionId: string; from: number; count: number; at: Date }): Promise<VoucherHolderPayout[]> {
      const payouts: VoucherHolderPayout[] = [];
      for (const holder of await holderPayoutsOf(prisma, input.distributionId, input.from, input.count)) {
        const result = await requestHolderPayout(prisma, { distributionId: input.distributionId, ...holder, payoutId: holderPayoutId(input.distributionId, holder.partyId) }, input.at);
        if (result.payoutId === null) {
          logger.info({ distributionId: input.distributionId, partyId: holder.partyId, reason: result.reason }, 'voucher holder keeps its share in its settlement account');
          payouts.push({ ...holder, payoutId: null, reason: result.reason });
        } else payouts.push({ ...holder, payoutId: result.payoutId });
      }
      return payouts;
    },
  };
}
