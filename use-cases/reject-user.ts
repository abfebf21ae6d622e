import type { Actor } from '../domain/actor';
import { rejectUser as markRejected } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** A second administrator rejects a pending user; it never authenticates. */
export async function rejectUser(ctx: UseCaseContext, actor: Actor, userId: string): Promise<{ userId: string }> {
  const user = await markRejected(ctx.prisma, actor, userId);
  ctx.logger.info({ rejectedUserId: user.id }, 'user rejected');
  return { userId: user.id };
}
