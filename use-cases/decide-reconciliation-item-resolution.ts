import { assertPermitted, isOperator, type Actor } from '../domain/actor';
import { NotFoundError } from '../domain/errors';
import { decideItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * Another operator (the checker) approves or rejects the proposed resolution of a
 * reconciliation item. Approved, one ledger transaction brings the escrow account to what the
 * bank holds and the item is RESOLVED with it; rejected, the item waits for a new proposal.
 */
export async function decideReconciliationItemResolution(ctx: UseCaseContext, actor: Actor, itemId: string, approve: boolean): Promise<{ itemId: string }> {
  if (!isOperator(actor)) throw new NotFoundError('ReconciliationItem', itemId);
  assertPermitted(actor, 'DECIDE_RECONCILIATION_RESOLUTION');
  const by = { userId: actor.userId, partyId: actor.partyId };
  const key = requestKey(approve ? 'approve-reconciliation-item-resolution' : 'reject-reconciliation-item-resolution', itemId, by, ctx.requestId);
  const { item, replayed } = await decideItemResolution(ctx.prisma, actor, itemId, approve, new Date(), key);
  ctx.logger.info({ itemId: item.id, approve, status: item.status, bookedTransactionId: item.bookedTransactionId, replayed }, 'reconciliation item resolution decided');
  return { itemId: item.id };
}
