import { assertPermitted, type Actor } from '../domain/actor';
import { decideWebhookEndpoint as decideInStore, proposeWebhookSecretRotation, type ProposedSecret } from '../prisma/stores/webhook-store';
import type { WebhookEndpoint } from '../prisma/client';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** A second ADMIN or CHECKER of the party approves or rejects what waits on an endpoint: its registration or a new secret. */
export async function decideWebhookEndpoint(ctx: Pick<UseCaseContext, 'prisma' | 'logger' | 'requestId'>, actor: Actor, endpointId: string, approve: boolean): Promise<WebhookEndpoint> {
  assertPermitted(actor, 'DECIDE_WEBHOOKS');
  const by = { userId: actor.userId, partyId: actor.partyId };
  const endpoint = await decideInStore(ctx.prisma, actor, endpointId, approve, new Date(), requestKey(approve ? 'approve-webhook-endpoint' : 'reject-webhook-endpoint', endpointId, by, ctx.requestId));
  ctx.logger.info({ partyId: actor.partyId, endpointId, approve, status: endpoint.status }, 'webhook endpoint decided');
  return endpoint;
}

/** The party's administrator proposes a new signing secret, shown in the answer only; the old one signs until a second user approves, then beside the new one for the overlap. */
export async function rotateWebhookEndpointSecret(ctx: Pick<UseCaseContext, 'prisma' | 'logger' | 'requestId'>, actor: Actor, endpointId: string): Promise<ProposedSecret> {
  assertPermitted(actor, 'MANAGE_WEBHOOKS');
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = await proposeWebhookSecretRotation(ctx.prisma, actor, endpointId, requestKey('rotate-webhook-endpoint-secret', endpointId, by, ctx.requestId));
  ctx.logger.info({ partyId: actor.partyId, endpointId }, 'webhook secret rotation proposed');
  return proposed;
}
