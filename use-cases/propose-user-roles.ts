import type { Actor } from '../domain/actor';
import type { UserRole } from '../prisma/client';
import { proposeUserRoles as insertChange } from '../prisma/stores/user-role-change-store';
import type { UseCaseContext } from './use-case-context';

/** An administrator proposes new roles for a user of its party; they apply when a second administrator approves. */
export async function proposeUserRoles(ctx: UseCaseContext, actor: Actor, input: { userId: string; roles: UserRole[] }): Promise<{ changeId: string }> {
  const change = await insertChange(ctx.prisma, actor, input);
  ctx.logger.info({ changeId: change.id, userId: change.userId, roles: change.roles }, 'user roles proposed');
  return { changeId: change.id };
}
