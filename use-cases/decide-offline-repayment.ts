import { assertPermitted, type Actor } from '../domain/actor';
import { decideOfflineRepayment as decideInStore } from '../prisma/stores/inbound-store';
import { deliverWakeUps } from './deliver-wake-ups';
import type { UseCaseContext } from './use-case-context';

/**
 * Another operator (the checker) approves or rejects a recorded offline repayment. Approved, it
 * is booked to the financing's collection account exactly as if the bank had reported it, with
 * its wake-up, and the financing's workflow allocates it.
 */
export async function decideOfflineRepayment(ctx: UseCaseContext, actor: Actor, offlineRepaymentId: string, approve: boolean): Promise<{ offlineRepaymentId: string }> {
  assertPermitted(actor, 'DECIDE_OFFLINE_REPAYMENT');
  const { repayment, matched } = await decideInStore(ctx.prisma, actor, offlineRepaymentId, approve);
  ctx.logger.info({ offlineRepaymentId: repayment.id, status: repayment.status }, 'offline repayment decided');
  if (matched?.financingId) await deliverWakeUps(ctx);
  return { offlineRepaymentId: repayment.id };
}
