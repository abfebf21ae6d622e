import type { Actor } from '../../domain/actor';
import { LimitExceededError, NotFoundError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { WEBHOOK_DISABLE_AFTER_FAILING_MS, WEBHOOK_ENDPOINTS_PER_PARTY_MAX, WEBHOOK_SECRET_OVERLAP_MS, type WebhookEventType } from '../../domain/webhook-rules';
import type { PrismaClient, WebhookDelivery, WebhookEndpoint } from '../client';
import { notifyParties } from './operator-notices';
import { assertMakerActive } from './maker-active';
import { runTransaction, type Tx } from './run-transaction';
import { makeOnceWithSecret } from './secret-replay-store';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from './webhook-secret-box';

// A party's webhook endpoints and their deliveries (docs/webhooks.md). Where a party's events go
// is as sensitive as where its payouts go (payout-account-store.ts): an endpoint, and a new
// signing secret for one, take two users of the party, the proposer and a second ADMIN or
// CHECKER. The delivery rows themselves are written by the outbox's trigger (migration webhooks);
// the functions here start, record and replay them.

/** What a proposal hands back once: the endpoint and the secret in clear, never stored or shown again. */
export interface ProposedSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

async function lockParty(tx: Tx, partyId: string): Promise<void> {
  // Proposals and decisions of one party's endpoints queue on the party's row: two proposals
  // racing past the count would otherwise both fit under the limit.
  await tx.$queryRaw`SELECT id FROM party WHERE id = ${partyId}::uuid FOR UPDATE`;
}

async function ownEndpoint(tx: Tx, actor: Actor, id: string): Promise<WebhookEndpoint> {
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { id } });
  // Another party's endpoint is not found, exactly like one that does not exist.
  if (!endpoint || endpoint.partyId !== actor.partyId) throw new NotFoundError('WebhookEndpoint', id);
  return endpoint;
}

/** One user of the party proposes an endpoint; it receives nothing until a second user approves it. */
export async function proposeWebhookEndpoint(prisma: PrismaClient, actor: Actor, input: { url: string; eventTypes: WebhookEventType[] }, requestKey: string, now = new Date()): Promise<ProposedSecret> {
  // A copy of the request (a retry, a copy delivered at once) gets the first copy's endpoint and secret, within the replay window.
  const made = await makeOnceWithSecret(prisma, requestKey, 'the signing secret was shown once, in the answer to this request: propose a new one with rotateWebhookEndpointSecret', async (tx) => {
    const secret = newWebhookSecret();
    await lockParty(tx, actor.partyId);
    const live = await tx.webhookEndpoint.count({ where: { partyId: actor.partyId, status: { in: ['PROPOSED', 'ACTIVE'] } } });
    if (live >= WEBHOOK_ENDPOINTS_PER_PARTY_MAX) throw new LimitExceededError('WEBHOOK_ENDPOINTS_EXCEEDED', `a party has at most ${WEBHOOK_ENDPOINTS_PER_PARTY_MAX} proposed or active webhook endpoints`);
    const endpoint = await tx.webhookEndpoint.create({
      data: { partyId: actor.partyId, url: input.url, eventTypes: input.eventTypes, status: 'PROPOSED', secretCiphertext: sealWebhookSecret(secret), createdByUserId: actor.userId, createdAt: now },
    });
    return { subjectId: endpoint.id, secret };
  }, now);
  return { endpoint: await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: made.subjectId } }), secret: made.secret };
}

/** One user of the party proposes a new signing secret for an active endpoint; the old one signs alone until a second user approves. */
export async function proposeWebhookSecretRotation(prisma: PrismaClient, actor: Actor, id: string, requestKey: string): Promise<ProposedSecret> {
  // A copy of the request gets the first copy's secret: rotated once, not once per copy (each replacing the secret the client was shown).
  const made = await makeOnceWithSecret(prisma, requestKey, 'the new signing secret was shown once, in the answer to this request: propose another with a new request', async (tx) => {
    const secret = newWebhookSecret();
    await lockParty(tx, actor.partyId);
    const endpoint = await ownEndpoint(tx, actor, id);
    if (endpoint.status !== 'ACTIVE') throw new WrongStateError(`the endpoint is ${endpoint.status}: only an active endpoint's secret is rotated`, endpoint.status);
    // A second proposal replaces the first: only the newest secret shown is ever approved.
    await tx.webhookEndpoint.update({ where: { id }, data: { pendingSecretCiphertext: sealWebhookSecret(secret), rotationProposedByUserId: actor.userId } });
    return { subjectId: endpoint.id, secret };
  });
  return { endpoint: await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: made.subjectId } }), secret: made.secret };
}

/**
 * A second user of the party decides what waits on the endpoint: its registration, or a new
 * secret. An approved secret signs from now on, and the one it replaces signs beside it for
 * WEBHOOK_SECRET_OVERLAP_MS, so a receiver that has not switched yet still verifies.
 */
export async function decideWebhookEndpoint(prisma: PrismaClient, actor: Actor, id: string, approve: boolean, now = new Date(), requestKey: string | null = null): Promise<WebhookEndpoint> {
  return runTransaction(prisma, async (tx) => {
    await ownEndpoint(tx, actor, id);
    await lockParty(tx, actor.partyId);
    const endpoint = await tx.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    // Under the party's lock: a repeat of the request that decided it (a retry, a copy delivered
    // twice; the key names the caller and the decision) gets the endpoint as the first copy left it.
    if (requestKey !== null && endpoint.decisionRequestKey === requestKey) return endpoint;
    if (endpoint.status === 'PROPOSED') {
      assertFourEyes(endpoint.createdByUserId, actor, 'the user who proposed a webhook endpoint cannot approve it: a second user of the party must');
      if (approve) await assertMakerActive(tx, endpoint.createdByUserId, endpoint.status);
      return tx.webhookEndpoint.update({ where: { id }, data: { status: approve ? 'ACTIVE' : 'REJECTED', decidedByUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey } });
    }
    if (endpoint.status === 'ACTIVE' && endpoint.pendingSecretCiphertext !== null) {
      assertFourEyes(endpoint.rotationProposedByUserId, actor, 'the user who proposed a new webhook secret cannot approve it: a second user of the party must');
      if (!approve) return tx.webhookEndpoint.update({ where: { id }, data: { pendingSecretCiphertext: null, rotationProposedByUserId: null, decisionRequestKey: requestKey } });
      await assertMakerActive(tx, endpoint.rotationProposedByUserId, endpoint.status);
      return tx.webhookEndpoint.update({
        where: { id },
        data: {
          secretCiphertext: endpoint.pendingSecretCiphertext,
          previousSecretCiphertext: endpoint.secretCiphertext,
          previousSecretExpiresAt: new Date(now.getTime() + WEBHOOK_SECRET_OVERLAP_MS),
          pendingSecretCiphertext: null,
          rotationProposedByUserId: null,
          decidedByUserId: actor.userId,
          decidedAt: now,
          decisionRequestKey: requestKey,
        },
      });
    }
    throw new WrongStateError(`the endpoint is ${endpoint.status} with no new secret proposed: there is nothing to decide`, endpoint.status);
  });
}

/** The deliveries whose current round has no workflow yet, oldest first. */
export function undispatchedWebhookDeliveries(prisma: PrismaClient, limit: number): Promise<Pick<WebhookDelivery, 'id' | 'replays'>[]> {
  return prisma.webhookDelivery.findMany({ where: { dispatchedAt: null }, orderBy: { createdAt: 'asc' }, take: limit, select: { id: true, replays: true } });
}

/** The round `replays` of the delivery has its workflow; a later replay's round is left for the next pass. */
export async function markWebhookDeliveryDispatched(prisma: PrismaClient, id: string, replays: number, now = new Date()): Promise<void> {
  await prisma.webhookDelivery.updateMany({ where: { id, replays, dispatchedAt: null }, data: { dispatchedAt: now } });
}

/** What one attempt needs: where to send, the body, and the secrets that sign it at `at`. */
export interface WebhookRequestPlan {
  deliveryId: string;
  endpointId: string;
  url: string;
  /** The endpoint is no longer active (disabled, or never was): nothing is sent. */
  endpointActive: boolean;
  body: string;
  /** The secret in force first, then the replaced one while its overlap lasts. */
  secrets: string[];
}

export async function planWebhookRequest(prisma: PrismaClient, deliveryId: string, at: Date): Promise<WebhookRequestPlan> {
  const delivery = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { endpoint: true } });
  const { endpoint } = delivery;
  const secrets = [openWebhookSecret(endpoint.secretCiphertext)];
  if (endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at) secrets.push(openWebhookSecret(endpoint.previousSecretCiphertext));
  return { deliveryId, endpointId: endpoint.id, url: endpoint.url, endpointActive: endpoint.status === 'ACTIVE', body: JSON.stringify(delivery.payload), secrets };
}

export interface WebhookAttemptRecord {
  deliveryId: string;
  /** The workflow's clock: failures are counted in workflow time. */
  at: Date;
  statusCode: number | null;
  latencyMs: number;
  succeeded: boolean;
  error: string | null;
}

/** After an attempt: delivered; failed and retried; or failed with the endpoint disabled now or before. */
export type WebhookAttemptOutcome = 'DELIVERED' | 'RETRY' | 'ENDPOINT_DISABLED';

/**
 * Records an attempt and what it means for the endpoint. A success ends the endpoint's run of
 * failures; a failure starts one, or, when the run has lasted WEBHOOK_DISABLE_AFTER_FAILING_MS,
 * disables the endpoint and tells its party (once), so that a receiver that is gone does not
 * collect three days of retries for every event.
 */
export async function recordWebhookAttempt(prisma: PrismaClient, record: WebhookAttemptRecord): Promise<WebhookAttemptOutcome> {
  return runTransaction(prisma, async (tx) => {
    const delivery = await tx.webhookDelivery.findUniqueOrThrow({ where: { id: record.deliveryId } });
    // The endpoint's row orders the attempts of its concurrent deliveries: its run of failures is one sequence.
    await tx.$queryRaw`SELECT id FROM webhook_endpoint WHERE id = ${delivery.endpointId}::uuid FOR UPDATE`;
    const endpoint = await tx.webhookEndpoint.findUniqueOrThrow({ where: { id: delivery.endpointId } });
    await tx.webhookAttempt.create({
      data: { deliveryId: delivery.id, attemptedAt: record.at, statusCode: record.statusCode, latencyMs: record.latencyMs, succeeded: record.succeeded, error: record.error?.slice(0, 500) ?? null },
    });
    if (record.succeeded) {
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'DELIVERED', deliveredAt: record.at } });
      if (endpoint.failingSince !== null) await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: null } });
      return 'DELIVERED';
    }
    if (endpoint.status !== 'ACTIVE') {
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'FAILED' } });
      return 'ENDPOINT_DISABLED';
    }
    const failingSince = endpoint.failingSince ?? record.at;
    if (record.at.getTime() - failingSince.getTime() >= WEBHOOK_DISABLE_AFTER_FAILING_MS) {
      await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { status: 'DISABLED', disabledAt: record.at } });
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'FAILED' } });
      await notifyParties(
        tx,
        [endpoint.partyId],
        {
          kind: 'WEBHOOK_ENDPOINT_DISABLED',
          subject: `Webhook 端点已停用 / Webhook endpoint disabled: ${endpoint.url.slice(0, 120)}`,
          body: `自 ${failingSince.toISOString()} 起向 ${endpoint.url} 的每次投递均失败，该端点已停用，不再接收事件。修复接收方后请登记新的端点，并重放需要的投递。Every delivery to ${endpoint.url} has failed since ${failingSince.toISOString()}: the endpoint is disabled and receives no more events. Once the receiver works, register an endpoint again and replay the deliveries you need.`,
        },
        `webhook-endpoint:${endpoint.id}:disabled`,
      );
      return 'ENDPOINT_DISABLED';
    }
    if (endpoint.failingSince === null) await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince } });
    return 'RETRY';
  });
}

/** The retries ran out: the delivery failed (the party may replay it). */
export async function giveUpWebhookDelivery(prisma: PrismaClient, deliveryId: string): Promise<void> {
  await prisma.webhookDelivery.updateMany({ where: { id: deliveryId, status: 'PENDING' }, data: { status: 'FAILED' } });
}

/**
 * The party asks for a delivery again: the same body and webhook-id, in a new round with its own
 * workflow. A delivery still being tried is not replayed (its own retries are under way), and an
 * endpoint that is not active receives nothing.
 */
export async function replayWebhookDelivery(prisma: PrismaClient, actor: Actor, id: string, requestKey: string | null = null): Promise<{ delivery: WebhookDelivery; replayed: boolean }> {
  return runTransaction(prisma, async (tx) => {
    const delivery = await tx.webhookDelivery.findUnique({ where: { id }, include: { endpoint: true } });
    if (!delivery || delivery.endpoint.partyId !== actor.partyId) throw new NotFoundError('WebhookDelivery', id);
    await tx.$queryRaw`SELECT id FROM webhook_delivery WHERE id = ${id}::uuid FOR UPDATE`;
    const current = await tx.webhookDelivery.findUniqueOrThrow({ where: { id } });
    // A copy of the request that replayed it, served after the first under the row lock: the
    // delivery as it is, not a second replay (nor WRONG_STATE for the first copy's replay under way).
    if (requestKey !== null && current.replayRequestKey === requestKey) return { delivery: current, replayed: true };
    if (current.status === 'PENDING') throw new WrongStateError('the delivery is still being tried: it is replayed once it has been delivered or has failed', current.status);
    if (delivery.endpoint.status !== 'ACTIVE') throw new WrongStateError(`the endpoint is ${delivery.endpoint.status}: a replay goes to an active endpoint only`, delivery.endpoint.status);
    const replay = await tx.webhookDelivery.update({ where: { id }, data: { status: 'PENDING', replays: { increment: 1 }, dispatchedAt: null, deliveredAt: null, replayRequestKey: requestKey } });
    return { delivery: replay, replayed: false };
  });
}
