import { lookup } from 'node:dns/promises';
import { assertPermitted, type Actor } from '../domain/actor';
import { isAllowedAddress, parseWebhookEventTypes, parseWebhookUrl, privateAddress, webhookUrlPolicyFor, type WebhookUrlPolicy } from '../domain/webhook-rules';
import { ValidationError } from '../domain/errors';
import { proposeWebhookEndpoint, type ProposedSecret } from '../prisma/stores/webhook-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/**
 * A party's administrator proposes a webhook endpoint. The URL must be https to a public
 * address (loopback receivers outside production): a name is resolved now and refused when any
 * of its addresses is private, and every delivery checks again as it connects. The signing
 * secret is in the answer, and in a copy's within the replay window (secret-replay-store.ts);
 * nothing is sent until a second user approves.
 */
export async function registerWebhookEndpoint(
  ctx: Pick<UseCaseContext, 'prisma' | 'logger' | 'requestId'>,
  actor: Actor,
  input: { url: string; eventTypes: readonly string[] },
  policy: WebhookUrlPolicy = webhookUrlPolicyFor(process.env.NODE_ENV),
): Promise<ProposedSecret> {
  assertPermitted(actor, 'MANAGE_WEBHOOKS');
  const url = parseWebhookUrl(input.url, policy);
  const eventTypes = parseWebhookEventTypes(input.eventTypes);
  await assertResolvesPublic(url, policy);
  const key = requestKey('register-webhook-endpoint', JSON.stringify([url.href, [...eventTypes].sort()]), { userId: actor.userId, partyId: actor.partyId }, ctx.requestId);
  const proposed = await proposeWebhookEndpoint(ctx.prisma, actor, { url: url.href, eventTypes }, key);
  ctx.logger.info({ partyId: actor.partyId, endpointId: proposed.endpoint.id, host: url.host }, 'webhook endpoint proposed');
  return proposed;
}

async function assertResolvesPublic(url: URL, policy: WebhookUrlPolicy): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw ValidationError.field(['input', 'url'], `${host} does not resolve`, 'WEBHOOK_URL_INVALID');
  }
  if (addresses.some((entry) => !isAllowedAddress(entry.address, policy))) throw privateAddress(host);
}
