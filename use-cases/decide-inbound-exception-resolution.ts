import { assertPermitted, type Actor } from '../domain/actor';
import { decideExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { deliverWakeUps } from './deliver-wake-ups';
import type { UseCaseContext } from './use-case-context';

/**
 * Another operator (the checker) approves or rejects where parked money goes. Approved, the
 * money moves out of suspense to the named account, and the workflows it concerns (a
 * repayment's financing, financings waiting for their funder's top-up) are woken.
 */
export async function decideInboundExceptionResolution(ctx: UseCaseContext, actor: Actor, exceptionId: string, approve: boolean): Promise<{ exceptionId: string }> {
  assertPermitted(actor, 'DECIDE_INBOUND_EXCEPTION_RESOLUTION');
  const row = await decideExceptionResolution(ctx.prisma, actor, exceptionId, approve);
  ctx.logger.info({ exceptionId: row.id, status: row.status }, 'inbound exception resolution decided');
  if (row.status === 'RESOLVED') await deliverWakeUps(ctx);
  return { exceptionId: row.id };
}
