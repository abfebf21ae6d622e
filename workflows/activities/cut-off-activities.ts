import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { validateCutOffSettings, type CutOffSettings } from '../../domain/accounting-day';
import { closeAccountingDay, cutOffPlan } from '../../prisma/stores/ledger/accounting-days';
import { payWhatFundersOweEverywhere } from '../../prisma/stores/owed-by-funder';
import { produceReconciliationReportsOfDay } from '../../prisma/stores/reconciliation-report-store';
import type { ClosedDaySummary, CutOffPlanView } from '../contracts/cut-off';

// The cut-off's activities: where to start, and closing one day (one database transaction each),
// then the day's reconciliation report and what funders owe that no credit has paid.

export function createCutOffActivities({ prisma, logger }: { prisma: PrismaClient; logger: Logger }) {
  return {
    async planCutOff(): Promise<CutOffPlanView> {
      const plan = await cutOffPlan(prisma);
      return { lastClosedDate: plan.lastClosed?.businessDate ?? null, firstEffectiveAt: plan.firstEffectiveAt };
    },

    /** Closes one accounting day, or answers how it was closed before. `at` is the workflow's clock. */
    async closeAccountingDay(input: { businessDate: string; settings: CutOffSettings; at: Date; closedBy: string }): Promise<ClosedDaySummary> {
      const day = await closeAccountingDay(prisma, { ...input, settings: validateCutOffSettings(input.settings) });
      // The day's reconciliation report, when its statement is already imported (otherwise the
      // import makes it). Reconciliation never blocks the cut-off: a failure here is logged, and
      // the day stays closed; the next import of the day's statement or a replayed close tries again.
      try {
        await produceReconciliationReportsOfDay(prisma, logger, day.businessDate);
      } catch (error) {
        logger.error({ err: error, businessDate: day.businessDate }, 'reconciliation report of the closed day failed');
      }
      // What funders owe suppliers and payers that no credit has paid yet (owed-by-funder.ts);
      // like the report, it never holds the cut-off back, and tomorrow's tries again.
      try {
        await payWhatFundersOweEverywhere(prisma);
      } catch (error) {
        logger.error({ err: error, businessDate: day.businessDate }, 'paying what funders owe at the cut-off failed');
      }
      return {
        businessDate: day.businessDate,
        cutOffAt: day.cutOffAt,
        closedAt: day.closedAt,
        replayed: day.replayed,
        trialBalances: day.trialBalances.map((trial) => ({
          currency: trial.currency,
          book: trial.book,
          totalDebit: trial.totalDebit.toFixed(),
          totalCredit: trial.totalCredit.toFixed(),
          dayDebits: trial.dayDebits.toFixed(),
          dayCredits: trial.dayCredits.toFixed(),
          transactionCount: trial.transactionCount,
        })),
      };
    },
  };
}
