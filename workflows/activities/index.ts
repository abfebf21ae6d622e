import type { Logger } from 'pino';
import type { BankAdapter } from '../../bank/bank-adapter';
import type { PrismaClient } from '../../prisma/client';
import { atActivityEdge } from './activity-edge';
import { createAttentionActivities } from './attention-activities';
import { createBalancePayoutActivities } from './balance-payout-activities';
import { createCutOffActivities } from './cut-off-activities';
import { createFinancingActivities } from './financing-activities';
import { createMoneyActivities } from './money-activities';
import { createPayoutActivities } from './payout-activities';
import { createReceivableActivities } from './receivable-activities';
import { createSystemActivities } from './system-activities';
import { createVoucherActivities } from './voucher-activities';
import { createVoucherDefaultActivities } from './voucher-default-activities';
import { createVoucherPaymentActivities } from './voucher-payment-activities';
import { createWebhookActivities } from './webhook-activities';
import { webhookUrlPolicyFor, type WebhookUrlPolicy } from '../../domain/webhook-rules';

export interface ActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
  /** The bank behind payouts: the simulator in development and tests, a real adapter in production. */
  bank: BankAdapter;
  /** Where webhooks may go; by default loopback receivers are allowed everywhere but production (NODE_ENV). */
  webhookUrlPolicy?: WebhookUrlPolicy;
}

/** All activities, built from their dependencies so tests can pass their own, each behind the one activity edge. */
export function createActivities(deps: ActivityDependencies) {
  return atActivityEdge(
    {
      ...createSystemActivities(deps),
      ...createReceivableActivities(deps),
      ...createFinancingActivities(deps),
      ...createMoneyActivities(deps),
      ...createPayoutActivities(deps),
      ...createAttentionActivities(deps),
      ...createBalancePayoutActivities(deps),
      ...createCutOffActivities(deps),
      ...createVoucherActivities(deps),
      ...createVoucherPaymentActivities(deps),
      ...createVoucherDefaultActivities(deps),
      ...createWebhookActivities({ ...deps, webhookUrlPolicy: deps.webhookUrlPolicy ?? webhookUrlPolicyFor(process.env.NODE_ENV) }),
    },
    deps.logger,
  );
}

export type Activities = ReturnType<typeof createActivities>;
