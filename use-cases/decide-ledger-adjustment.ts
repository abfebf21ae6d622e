import { assertPermitted, type Actor } from '../domain/actor';
import { approveAdjustment, rejectAdjustment } from '../prisma/stores/ledger-adjustment-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

export type AdjustmentDecision = { approve: true; note?: string | null } | { approve: false; note: string };

/**
 * Another operator (the checker) approves an adjustment, which posts it, or rejects it. A copy
 * of the same request (the decision's request key) is answered with the first copy's decision;
 * a new request on a decided adjustment is still refused.
 */
export async function decideLedgerAdjustment(ctx: UseCaseContext, actor: Actor, adjustmentId: string, decision: AdjustmentDecision): Promise<{ adjustmentId: string }> {
  assertPermitted(actor, 'DECIDE_LEDGER_ADJUSTMENT');
  const by = { userId: actor.userId, partyId: actor.partyId };
  if (decision.approve) {
    const key = requestKey('approve-ledger-adjustment', adjustmentId, by, ctx.requestId);
    const adjustment = await approveAdjustment(ctx.prisma, actor, adjustmentId, decision.note, key);
    ctx.logger.info({ adjustmentId: adjustment.id, transactionId: adjustment.transactionId }, 'ledger adjustment approved and posted');
    return { adjustmentId: adjustment.id };
  }
  const adjustment = await rejectAdjustment(ctx.prisma, actor, adjustmentId, decision.note, requestKey('reject-ledger-adjustment', adjustmentId, by, ctx.requestId));
  ctx.logger.info({ adjustmentId: adjustment.id }, 'ledger adjustment rejected');
  return { adjustmentId: adjustment.id };
}
