import { markWakeUpDelivered, markWakeUpFailed, pendingWakeUps } from '../prisma/stores/wake-up-store';
import { signalFundingAvailable, signalRepaymentReceived } from '../workflows/client/financing-client';
import type { UseCaseContext } from './use-case-context';

export interface WakeUpDelivery {
  delivered: number;
  /** Delivered to a workflow that had already ended: nobody was left to wake. */
  ended: number;
  failed: number;
}

/**
 * Sends the financing workflows the wake-ups recorded with their bookings and not yet
 * delivered (prisma/stores/wake-up-store.ts): a repayment wakes its financing's workflow (which
 * runs the waterfall), a top-up wakes the financings waiting for funding. The worker runs this
 * at start-up and after every poll, so a wake-up lost with a crashed process is sent by the
 * next one. A failure to reach Temporal stops the pass; the rest wait for the next.
 */
export async function deliverWakeUps(ctx: Pick<UseCaseContext, 'prisma' | 'temporal' | 'logger'>): Promise<WakeUpDelivery> {
  const result: WakeUpDelivery = { delivered: 0, ended: 0, failed: 0 };
  for (const wakeUp of await pendingWakeUps(ctx.prisma)) {
    try {
      const send = wakeUp.signal === 'REPAYMENT_RECEIVED' ? signalRepaymentReceived : signalFundingAvailable;
      const running = await send(ctx.temporal, wakeUp.financingId);
      await markWakeUpDelivered(ctx.prisma, wakeUp.id, running);
      result.delivered += 1;
      if (!running) {
        result.ended += 1;
        ctx.logger.info({ financingId: wakeUp.financingId, signal: wakeUp.signal, cause: wakeUp.cause }, 'wake-up for a financing whose workflow has ended');
      }
    } catch (error) {
      result.failed += 1;
      await markWakeUpFailed(ctx.prisma, wakeUp.id, error);
      ctx.logger.warn({ err: error, financingId: wakeUp.financingId, signal: wakeUp.signal, cause: wakeUp.cause }, 'could not deliver a wake-up; it is sent again at the next pass');
      break;
    }
  }
  return result;
}
