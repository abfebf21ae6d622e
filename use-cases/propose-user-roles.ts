import type { Actor } from '../domain/actor';
import type { UserRole } from '../prisma/client';
import { proposeUserRoles as insertChange } from '../prisma/stores/user-role-change-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** An administrator proposes new roles for a user of its party; they apply when a second administrator approves. */
export async function proposeUserRoles(ctx: UseCaseContext, actor: Actor, input: { userId: string; roles: UserRole[] }): Promise<{ changeId: string }> {
  // A copy of this request (same caller, same request id, same roles for the same user) is
  // answered with the first copy's change; the same request id proposing other roles is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = JSON.stringify([input.userId, [...input.roles].sort()]);
  const change = await insertChange(ctx.prisma, actor, input, new Date(), requestKey('propose-user-roles', proposed, by, ctx.requestId));
  ctx.logger.info({ changeId: change.id, userId: change.userId, roles: change.roles }, 'user roles proposed');
  return { changeId: change.id };
}
