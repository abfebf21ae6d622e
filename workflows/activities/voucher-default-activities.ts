import type { Logger } from 'pino';
import type { IsoDate } from '../../domain/business-date';
import type { PrismaClient } from '../../prisma/client';
import { recordPastDueDefaults } from '../../prisma/stores/voucher-default-store';
import type { VoucherDefaultCursor, VoucherDefaultStep } from '../contracts/voucher-default';

export interface VoucherDefaultActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

/** The daily default scan's step (docs/workflows/voucher.md, "Default on the due date"). */
export function createVoucherDefaultActivities({ prisma, logger }: VoucherDefaultActivityDependencies) {
  return {
    /** Up to 100 past-due ACTIVE vouchers after `after`, each decided in its own transaction; safe to run again. */
    async recordVoucherDefaultsStep(input: { today: IsoDate; after: VoucherDefaultCursor | null; at: Date }): Promise<VoucherDefaultStep> {
      const step = await recordPastDueDefaults(prisma, input.today, input.after, input.at);
      if (step.defaulted > 0) logger.info({ today: input.today, ...step }, 'voucher defaults recorded');
      return step;
    },
  };
}
