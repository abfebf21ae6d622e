import type { Actor } from '../domain/actor';
import { rejectUser as markRejected } from '../prisma/stores/party-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/** A second administrator rejects a pending user; it never authenticates. */
export async function rejectUser(ctx: UseCaseContext, actor: Actor, userId: string): Promise<{ userId: string }> {
  // A copy of this request (same caller, same request id, same user) is answered with the first copy's decision.
  const user = await markRejected(ctx.prisma, actor, userId, new Date(), requestKey('reject-user', userId, actor, ctx.requestId));
  ctx.logger.info({ rejectedUserId: user.id }, 'user rejected');
  return { userId: user.id };
}
