import type { Actor } from '../domain/actor';
import { issueApiKey as insertApiKey, type IssueApiKeyInput } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** Issues an API key for a user (the user, or an administrator of its party). The token is returned once and never stored. */
export async function issueApiKey(ctx: UseCaseContext & { apiKeyPepper: string }, actor: Actor, input: IssueApiKeyInput): Promise<{ apiKeyId: string; token: string }> {
  const { apiKey, token } = await insertApiKey(ctx.prisma, actor, input, ctx.apiKeyPepper, new Date(), ctx.apiKeyLifetimeDays);
  ctx.logger.info({ issuedKeyId: apiKey.keyId }, 'API key issued');
  return { apiKeyId: apiKey.id, token };
}
