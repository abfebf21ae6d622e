import { assertPermitted, type Actor } from '../domain/actor';
import { proposeAdjustment, type ProposeAdjustmentInput } from '../prisma/stores/ledger-adjustment-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** An operator (the maker) proposes a manual ledger adjustment. Nothing moves until another operator approves it. */
export async function proposeLedgerAdjustment(ctx: UseCaseContext, actor: Actor, input: ProposeAdjustmentInput): Promise<{ adjustmentId: string }> {
  assertPermitted(actor, 'PROPOSE_LEDGER_ADJUSTMENT');
  // A copy of this request (same caller, same request id, same proposal) finds the first copy's
  // proposal; the same request id with other entries or another reason is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = JSON.stringify([input.reason, input.entries, input.effectiveAt?.toISOString() ?? null]);
  const adjustment = await proposeAdjustment(ctx.prisma, actor, input, new Date(), requestKey('propose-ledger-adjustment', proposed, by, ctx.requestId));
  ctx.logger.info({ adjustmentId: adjustment.id }, 'ledger adjustment proposed');
  return { adjustmentId: adjustment.id };
}
