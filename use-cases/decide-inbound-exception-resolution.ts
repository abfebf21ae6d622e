import { assertPermitted, type Actor } from '../domain/actor';
import { NotFoundError } from '../domain/errors';
import { isUuid } from '../domain/ledger-rules';
import { decideExceptionResolution, visibleInboundExceptionsWhere } from '../prisma/stores/inbound-exception-store';
import { approveInboundExceptionRefund } from './approve-inbound-exception-refund';
import { deliverWakeUps } from './deliver-wake-ups';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * Another operator (the checker) approves or rejects where parked money goes. Approved, the
 * money moves out of suspense to the named account, and the workflows it concerns (a
 * repayment's financing, financings waiting for their funder's top-up) are woken; or, for a
 * refund, it goes into transit for the payout to the payer, which its workflow sends and follows.
 */
export async function decideInboundExceptionResolution(ctx: UseCaseContext, actor: Actor, exceptionId: string, approve: boolean): Promise<{ exceptionId: string }> {
  assertPermitted(actor, 'DECIDE_INBOUND_EXCEPTION_RESOLUTION');
  if (approve) {
    const exception = isUuid(exceptionId) ? await ctx.prisma.inboundException.findFirst({ where: { AND: [{ id: exceptionId }, visibleInboundExceptionsWhere(actor)] } }) : null;
    if (!exception) throw new NotFoundError('InboundException', exceptionId);
    if (exception.resolutionKind === 'REFUND') {
      await approveInboundExceptionRefund(ctx, actor, exception);
      return { exceptionId };
    }
  }
  const by = { userId: actor.userId, partyId: actor.partyId };
  const key = requestKey(approve ? 'approve-inbound-exception-resolution' : 'reject-inbound-exception-resolution', exceptionId, by, ctx.requestId);
  const row = await decideExceptionResolution(ctx.prisma, actor, exceptionId, approve, new Date(), key);
  ctx.logger.info({ exceptionId: row.id, status: row.status }, 'inbound exception resolution decided');
  if (row.status === 'RESOLVED') await deliverWakeUps(ctx);
  return { exceptionId: row.id };
}
