import type { Logger } from 'pino';
import type { FinancingStatus, PrismaClient } from '../../prisma/client';
import { disburseAtValueDate, reserveFunding, type FundingResult } from '../../prisma/stores/disbursement-store';
import { accruePenalty, allocateCollection, claimRecourse, type PenaltyResult, type RecourseResult } from '../../prisma/stores/servicing-store';
import { storedAmount, toDecimal } from '../../prisma/stores/to-decimal';
import type { IsoDate } from '../../domain/business-date';

export interface MoneyActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

export interface DisbursementView {
  payoutId: string | null;
  outcome?: 'DISBURSED' | 'EXPIRED' | 'REPRICED';
}

export interface AllocationView {
  collected: string;
  outstandingAfter: string;
  settled: boolean;
}

// Every activity takes `at`, the workflow's own clock, and records it as the time of what it
// did: the history, the ledger and the business dates then tell the same story, also when a
// test skips days in seconds.

export function createMoneyActivities({ prisma, logger }: MoneyActivityDependencies) {
  return {
    async reserveFunding(input: { financingId: string; fundingWindowMs: number; at: Date }): Promise<FundingResult> {
      return reserveFunding(prisma, input.financingId, input.fundingWindowMs, input.at);
    },

    /**
     * The disbursement at the workflow's business date. `outcome` is absent from the answers
     * recorded before repricing (they always disbursed), so a replay reads those as DISBURSED.
     */
    async disburse(input: { financingId: string; at: Date }): Promise<DisbursementView> {
      const result = await disburseAtValueDate(prisma, input.financingId, input.at);
      if (result.outcome !== 'DISBURSED') {
        logger.info({ financingId: input.financingId, outcome: result.outcome, reason: result.reason }, 'financing not disbursed');
        return { payoutId: null, outcome: result.outcome };
      }
      logger.info({ financingId: input.financingId, payoutReference: result.payout?.payoutReference }, 'financing disbursed');
      return { payoutId: result.payout?.id ?? null, outcome: 'DISBURSED' };
    },

    async accruePenalty(input: { financingId: string; today: IsoDate; at: Date }): Promise<PenaltyResult> {
      return accruePenalty(prisma, input.financingId, input.today, input.at);
    },

    async allocateCollection(input: { financingId: string; idempotencyKey: string; at: Date }): Promise<AllocationView | null> {
      const row = await allocateCollection(prisma, input.financingId, input.idempotencyKey, input.at);
      if (!row) return null;
      const { status, currency } = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } });
      logger.info({ financingId: input.financingId, collected: row.collected.toFixed(), outstandingAfter: row.outstandingAfter.toFixed(), status }, 'repayment allocated');
      return { collected: storedAmount(row.collected, currency), outstandingAfter: storedAmount(row.outstandingAfter, currency), settled: status === 'SETTLED' };
    },

    /** The financing's state as the database has it (for a workflow continuing as new). */
    async readFinancingStatus(input: { financingId: string }): Promise<FinancingStatus> {
      return (await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } })).status;
    },

    async claimRecourse(input: { financingId: string; at: Date }): Promise<RecourseResult & { settled: boolean; claimedAny: boolean }> {
      const result = await claimRecourse(prisma, input.financingId, input.at);
      const { status } = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } });
      return { ...result, settled: status === 'SETTLED', claimedAny: toDecimal(result.claimed).gt(0) };
    },
  };
}
