import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { DEFAULT_CUT_OFF, type CutOffSettings } from '../domain/accounting-day';
import type { PrismaClient } from '../prisma/client';
import type { FinancingSettings, ReceivableSettings } from '../workflows/contracts/settings';

export interface ReconciliationSettings {
  /** Days an unresolved reconciliation item stays OPEN before it needs attention and operators are told. */
  escalateAfterDays: number;
  /**
   * The cut-off (CUT_OFF_ZONE, CUT_OFF_TIME): a statement is of a day that ended at midnight in
   * its zone, before which the import refuses it. DEFAULT_CUT_OFF when absent.
   */
  cutOff?: CutOffSettings;
}

/** The cut-off reconciliation reads statement days by: the configured one, DEFAULT_CUT_OFF when absent. */
export function reconciliationCutOff(settings: ReconciliationSettings | undefined): CutOffSettings {
  return settings?.cutOff ?? DEFAULT_CUT_OFF;
}

/** RECONCILIATION_ESCALATE_AFTER_DAYS when not configured: T+1 and T+2 retried, escalated on the third day. */
export const RECONCILIATION_ESCALATE_AFTER_DAYS_DEFAULT = 3;

/**
 * What every use case may use: the database, Temporal, the settings, a logger. The API builds
 * one per request (its GraphQL context is one); the worker builds one for what it does on its
 * own (booking the bank's credits).
 */
export interface UseCaseContext {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  receivableSettings: ReceivableSettings;
  financingSettings: FinancingSettings;
  /** How reconciliation escalates (RECONCILIATION_ESCALATE_AFTER_DAYS); the default when absent. */
  reconciliationSettings?: ReconciliationSettings;
  /** Names the request: Updates are keyed by it, so Temporal deduplicates a client's retry. */
  requestId: string;
  /** How long an approved change of a payout account waits before payouts go to it (PAYOUT_ACCOUNT_COOLING_OFF_HOURS); 24 hours when not given. */
  payoutAccountCoolingOffMs?: number;
  /** The longest an API key lives, in days (API_KEY_LIFETIME_DAYS); 90 when not given. */
  apiKeyLifetimeDays?: number;
}
