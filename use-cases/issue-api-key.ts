import type { Actor } from '../domain/actor';
import { issueApiKey as insertApiKey, type IssueApiKeyInput } from '../prisma/stores/party-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/** Issues an API key for a user (the user, or an administrator of its party). The token is returned once, and to a copy of the request within the replay window (kept sealed, never in clear). */
export async function issueApiKey(ctx: UseCaseContext & { apiKeyPepper: string }, actor: Actor, input: IssueApiKeyInput): Promise<{ apiKeyId: string; token: string }> {
  const asked = JSON.stringify([input.userId, input.label, input.expiresAt?.toISOString() ?? null]);
  const { apiKey, token } = await insertApiKey(ctx.prisma, actor, input, ctx.apiKeyPepper, requestKey('issue-api-key', asked, actor, ctx.requestId), new Date(), ctx.apiKeyLifetimeDays);
  ctx.logger.info({ issuedKeyId: apiKey.keyId }, 'API key issued');
  return { apiKeyId: apiKey.id, token };
}
