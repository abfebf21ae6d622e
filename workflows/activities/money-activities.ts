import type { Logger } from 'pino';
import type { FinancingStatus, PrismaClient } from '../../prisma/client';
import { disburseAtValueDate, reserveFunding, type FundingResult } from '../../prisma/stores/disbursement-store';
import { accruePenalty, allocateCollection, claimRecourse, serviceFinancing, type PenaltyResult, type PenaltyReversal, type RecourseResult } from '../../prisma/stores/servicing-store';
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

/** What one servicing step did, as the workflow needs it for its notices and its state. */
export interface ServicingView {
  status: FinancingStatus;
  overdue: boolean;
  settled: boolean;
  /** Days charged in this step. */
  penaltyDays: number;
  /** Penalty reversed because a repayment's value date showed it was not owed, one entry per repayment. */
  reversals: PenaltyReversal[];
  /**
   * Money in the collection account still waits to be allocated (more than one step takes): the
   * workflow steps again at once. Absent from the answers recorded before it (read as false).
   */
  more?: boolean;
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

    /**
     * One servicing step for a business date that has begun: what is in the collection account
     * through the waterfall by value date, then the penalty of the days not yet charged.
     */
    async serviceFinancing(input: { financingId: string; today: IsoDate; idempotencyKey: string; at: Date }): Promise<ServicingView> {
      const result = await serviceFinancing(prisma, input.financingId, input.today, input.idempotencyKey, input.at);
      for (const allocation of result.allocations) {
        logger.info({ financingId: input.financingId, collected: allocation.collected.toFixed(), valueDate: allocation.valueDate.toISOString().slice(0, 10), outstandingAfter: allocation.outstandingAfter.toFixed() }, 'repayment allocated');
      }
      for (const reversal of result.reversals) logger.info({ financingId: input.financingId, ...reversal }, 'penalty reversed: a repayment counted from an earlier value date');
      return { status: result.status, overdue: result.overdue, settled: result.settled, penaltyDays: result.charged.length, reversals: result.reversals, more: result.more };
    },

    async allocateCollection(input: { financingId: string; idempotencyKey: string; at: Date }): Promise<AllocationView | null> {
      const row = await allocateCollection(prisma, input.financingId, input.idempotencyKey, input.at);
      const { status, currency } = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } });
      // Allocated by an earlier step (a penalty step allocates first): the run still learns it is settled.
      if (!row) return status === 'SETTLED' ? { collected: storedAmount(0, currency), outstandingAfter: storedAmount(0, currency), settled: true } : null;
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
