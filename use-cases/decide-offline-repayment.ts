import { assertPermitted, type Actor } from '../domain/actor';
import { decideOfflineRepayment as decideInStore } from '../prisma/stores/offline-receipt-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * Another operator (the checker) approves or rejects a recorded offline receipt. Approved, it is
 * an expected payment: matched to the bank line that brought the money, at once if the feed
 * booked it already, else when it does. Nothing is posted and no workflow is woken here: the
 * bank line's booking does both, once.
 */
export async function decideOfflineRepayment(ctx: UseCaseContext, actor: Actor, offlineRepaymentId: string, approve: boolean): Promise<{ offlineRepaymentId: string }> {
  assertPermitted(actor, 'DECIDE_OFFLINE_REPAYMENT');
  const by = { userId: actor.userId, partyId: actor.partyId };
  const key = requestKey(approve ? 'approve-offline-repayment' : 'reject-offline-repayment', offlineRepaymentId, by, ctx.requestId);
  const repayment = await decideInStore(ctx.prisma, actor, offlineRepaymentId, approve, new Date(), key);
  ctx.logger.info({ offlineRepaymentId: repayment.id, status: repayment.status, matchedCreditId: repayment.matchedCreditId }, 'offline repayment decided');
  return { offlineRepaymentId: repayment.id };
}
