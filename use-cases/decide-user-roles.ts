import type { Actor } from '../domain/actor';
import { decideUserRoles as decideInStore } from '../prisma/stores/user-role-change-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** A second administrator approves (the roles change at once) or rejects a proposed change of a user's roles. */
export async function decideUserRoles(ctx: UseCaseContext, actor: Actor, changeId: string, approve: boolean): Promise<{ changeId: string }> {
  const by = { userId: actor.userId, partyId: actor.partyId };
  const change = await decideInStore(ctx.prisma, actor, changeId, approve, new Date(), requestKey(approve ? 'approve-user-roles' : 'reject-user-roles', changeId, by, ctx.requestId));
  ctx.logger.info({ changeId: change.id, userId: change.userId, status: change.status }, 'user roles decided');
  return { changeId: change.id };
}
