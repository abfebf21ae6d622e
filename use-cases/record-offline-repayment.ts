import { assertPermitted, type Actor } from '../domain/actor';
import { proposeOfflineRepayment } from '../prisma/stores/offline-receipt-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** An operator (the maker) records money the core enterprise paid outside the bank feed. Nothing moves until another operator approves it. */
export async function recordOfflineRepayment(ctx: UseCaseContext, actor: Actor, input: { financingId: string; amount: string; bankReference: string; note: string }): Promise<{ offlineRepaymentId: string }> {
  assertPermitted(actor, 'RECORD_OFFLINE_REPAYMENT');
  // A copy of this request (same caller, same request id, same record) is answered with the
  // first copy's record; the same request id recording something else is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const recorded = JSON.stringify([input.financingId, input.amount, input.bankReference, input.note]);
  const row = await proposeOfflineRepayment(ctx.prisma, actor, input, requestKey('record-offline-repayment', recorded, by, ctx.requestId));
  ctx.logger.info({ offlineRepaymentId: row.id, financingId: row.financingId }, 'offline repayment recorded');
  return { offlineRepaymentId: row.id };
}
