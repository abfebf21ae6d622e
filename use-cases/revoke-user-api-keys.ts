import type { Actor } from '../domain/actor';
import { revokeUserApiKeys as markAllRevoked } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** Revokes every key of a user at once (a lost laptop, a leaked configuration). */
export async function revokeUserApiKeys(ctx: UseCaseContext, actor: Actor, userId: string): Promise<{ userId: string; revokedCount: number }> {
  const { revokedCount } = await markAllRevoked(ctx.prisma, actor, userId);
  ctx.logger.info({ userId, revokedCount }, 'API keys of a user revoked');
  return { userId, revokedCount };
}
