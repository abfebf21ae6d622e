import type { Actor } from '../domain/actor';
import { approveUser as activateUser } from '../prisma/stores/party-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/** A second administrator approves a pending user and receives its first key's token, shown once, to hand over. */
export async function approveUser(ctx: UseCaseContext & { apiKeyPepper: string }, actor: Actor, input: { userId: string; apiKeyLabel: string }): Promise<{ apiKeyId: string; token: string }> {
  const { user, apiKey, token } = await activateUser(ctx.prisma, actor, input, ctx.apiKeyPepper, requestKey('approve-user', JSON.stringify([input.userId, input.apiKeyLabel]), actor, ctx.requestId), new Date(), ctx.apiKeyLifetimeDays);
  ctx.logger.info({ approvedUserId: user.id, issuedKeyId: apiKey.keyId }, 'user approved');
  return { apiKeyId: apiKey.id, token };
}
