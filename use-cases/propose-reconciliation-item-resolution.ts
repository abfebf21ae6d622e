import { assertPermitted, isOperator, type Actor } from '../domain/actor';
import { NotFoundError } from '../domain/errors';
import type { ResolutionKind } from '../domain/reconciliation-resolution';
import { proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * An operator (the maker) proposes how a reconciliation difference is put right: parked in
 * suspense (then applied, refunded or written off as an inbound exception) or written off to the
 * platform's reconciliation loss or gain. Nothing moves until another operator approves. The
 * items are the platform's books: to anyone else they do not exist.
 */
export async function proposeReconciliationItemResolution(
  ctx: UseCaseContext,
  actor: Actor,
  itemId: string,
  input: { kind: ResolutionKind; amount: string; note: string },
): Promise<{ itemId: string }> {
  if (!isOperator(actor)) throw new NotFoundError('ReconciliationItem', itemId);
  assertPermitted(actor, 'PROPOSE_RECONCILIATION_RESOLUTION');
  // A copy of this request (same caller, same request id, same proposal) is answered with the
  // first copy's proposal; the same request id proposing something else is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = JSON.stringify([itemId, input.kind, input.amount, input.note]);
  const item = await proposeItemResolution(ctx.prisma, actor, itemId, input, new Date(), requestKey('propose-reconciliation-item-resolution', proposed, by, ctx.requestId));
  ctx.logger.info({ itemId: item.id, kind: input.kind, amount: input.amount }, 'reconciliation item resolution proposed');
  return { itemId: item.id };
}
