import type { Actor } from '../domain/actor';
import { revokeApiKey as markRevoked } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** Revokes an API key at once; requests bearing it are refused from then on. */
export async function revokeApiKey(ctx: UseCaseContext, actor: Actor, apiKeyId: string): Promise<{ apiKeyId: string }> {
  const apiKey = await markRevoked(ctx.prisma, actor, apiKeyId);
  ctx.logger.info({ revokedKeyId: apiKey.keyId }, 'API key revoked');
  return { apiKeyId: apiKey.id };
}
