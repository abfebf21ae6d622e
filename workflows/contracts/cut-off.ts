import type { CutOffSettings } from '../../domain/accounting-day';

// The daily cut-off (日切): a Temporal Schedule starts ledgerCutOffWorkflow at every cut-off
// instant; each run closes, oldest first, every accounting day whose cut-off has passed.

/** The one schedule the worker creates or updates at start-up. */
export const CUT_OFF_SCHEDULE_ID = 'ledger-cut-off';

/** The prefix of the runs' workflow ids (the schedule appends the time it started each run). */
export const CUT_OFF_WORKFLOW_ID = 'ledger-cut-off';

export interface LedgerCutOffInput {
  /** The cut-off as configured when the schedule was last written (CUT_OFF_ZONE, CUT_OFF_TIME). */
  settings: CutOffSettings;
}

export interface ClosedDaySummary {
  businessDate: string;
  cutOffAt: Date;
  closedAt: Date;
  /** True when the day had been closed before this run: nothing was recomputed. */
  replayed: boolean;
  /** Per currency and book, as decimal strings: debits equal credits. */
  trialBalances: Array<{ currency: string; book: string; totalDebit: string; totalCredit: string; dayDebits: string; dayCredits: string; transactionCount: number }>;
}

export interface LedgerCutOffResult {
  /** The days this run closed (or found closed), oldest first. A run with more days due than CUT_OFF_DAYS_PER_RUN_MAX continues as new instead of returning. */
  closed: ClosedDaySummary[];
}

/** What the cut-off activity needs to find where to start. */
export interface CutOffPlanView {
  lastClosedDate: string | null;
  firstEffectiveAt: Date | null;
}
