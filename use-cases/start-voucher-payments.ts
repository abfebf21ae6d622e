import { undistributedVoucherCredits } from '../prisma/stores/voucher-distribution-store';
import { startVoucherPayment } from '../workflows/client/voucher-payment-client';
import type { UseCaseContext } from './use-case-context';

/**
 * Starts the distribution workflow of every credit booked into a voucher's collection account
 * that has no distribution planned yet (docs/workflows/voucher-maturity.md). The booking is the
 * outbox: whatever committed is found here, however late, by the worker's loop at start-up and
 * after every pass. A start that fails stops the pass; the next pass tries again, and the
 * workflow id (the credit's) makes a second start harmless.
 */
export async function startVoucherPayments(ctx: Pick<UseCaseContext, 'prisma' | 'temporal' | 'taskQueue' | 'logger'>): Promise<{ started: number }> {
  let started = 0;
  for (const credit of await undistributedVoucherCredits(ctx.prisma)) {
    if (await startVoucherPayment(ctx.temporal, ctx.taskQueue, credit.inboundCreditId)) {
      started += 1;
      ctx.logger.info(credit, 'voucher payment distribution started');
    }
  }
  return { started };
}
