import type { Actor } from '../domain/actor';
import { disableUser as markDisabled } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** Disables a user and revokes all its keys at once. Taking access away needs one administrator, not two. */
export async function disableUser(ctx: UseCaseContext, actor: Actor, userId: string): Promise<{ userId: string }> {
  const user = await markDisabled(ctx.prisma, actor, userId);
  ctx.logger.info({ disabledUserId: user.id }, 'user disabled');
  return { userId: user.id };
}
