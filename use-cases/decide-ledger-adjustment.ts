import { assertPermitted, type Actor } from '../domain/actor';
import { approveAdjustment, rejectAdjustment } from '../prisma/stores/ledger-adjustment-store';
import type { UseCaseContext } from './use-case-context';

export type AdjustmentDecision = { approve: true; note?: string | null } | { approve: false; note: string };

/** Another operator (the checker) approves an adjustment, which posts it, or rejects it. */
export async function decideLedgerAdjustment(ctx: UseCaseContext, actor: Actor, adjustmentId: string, decision: AdjustmentDecision): Promise<{ adjustmentId: string }> {
  assertPermitted(actor, 'DECIDE_LEDGER_ADJUSTMENT');
  if (decision.approve) {
    const adjustment = await approveAdjustment(ctx.prisma, actor, adjustmentId, decision.note);
    ctx.logger.info({ adjustmentId: adjustment.id, transactionId: adjustment.transactionId }, 'ledger adjustment approved and posted');
    return { adjustmentId: adjustment.id };
  }
  const adjustment = await rejectAdjustment(ctx.prisma, actor, adjustmentId, decision.note);
  ctx.logger.info({ adjustmentId: adjustment.id }, 'ledger adjustment rejected');
  return { adjustmentId: adjustment.id };
}
