import { z } from 'zod';
import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import { webhookMessageId, WEBHOOK_EVENT_TYPES, WEBHOOK_URL_LENGTH_MAX } from '../../domain/webhook-rules';
import type { Actor } from '../../domain/actor';
import { decideWebhookEndpoint, rotateWebhookEndpointSecret } from '../../use-cases/decide-webhook-endpoint';
import { registerWebhookEndpoint } from '../../use-cases/register-webhook-endpoint';
import { replayWebhookDelivery } from '../../use-cases/replay-webhook-delivery';
import type { Prisma } from '../../prisma/client';
import { builder } from '../builder';
import { COMMON_ERRORS, LOOKUP_ERRORS } from '../errors';
import { rowIdOf, scopedById } from '../global-id';

// Webhooks (docs/webhooks.md): a party's endpoints, their deliveries and attempts. Every read is
// the caller's own party's: an endpoint says where a party's events go, which is nobody else's
// business, operators' included.

/** The most deliveries one page of an endpoint's log holds. */
export const WEBHOOK_DELIVERIES_PAGE_MAX = 100;
/** The most endpoints the list holds: the live ones are bounded (WEBHOOK_ENDPOINTS_PER_PARTY_MAX), rejected and disabled ones are not. */
const WEBHOOK_ENDPOINTS_LIST_MAX = 100;

function ownEndpointsWhere(viewer: Actor): Prisma.WebhookEndpointWhereInput {
  return { partyId: viewer.partyId };
}

function ownDeliveriesWhere(viewer: Actor): Prisma.WebhookDeliveryWhereInput {
  return { endpoint: { partyId: viewer.partyId } };
}

function deliveriesWhere(viewer: Actor, endpointId: { typename: string; id: string } | null | undefined): Prisma.WebhookDeliveryWhereInput {
  return { AND: [ownDeliveriesWhere(viewer), endpointId ? { endpointId: rowIdOf(endpointId, 'WebhookEndpoint') } : {}] };
}

const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  values: WEBHOOK_EVENT_TYPES,
  description: 'The outbox events an endpoint may receive (docs/webhooks.md, "Event types").',
});
const WebhookEndpointStatusEnum = builder.enumType('WebhookEndpointStatus', {
  values: ['PROPOSED', 'ACTIVE', 'REJECTED', 'DISABLED'] as const,
  description: 'PROPOSED until a second user of the party decides; ACTIVE receives events; DISABLED after a day of failed deliveries.',
});
const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: ['PENDING', 'DELIVERED', 'FAILED'] as const,
  description: 'PENDING while being tried; DELIVERED on a 2xx answer; FAILED after three days of retries or when its endpoint was disabled.',
});

builder.prismaObject('WebhookAttempt', {
  description: 'One HTTP request of a delivery and its answer.',
  fields: (t) => ({
    attemptedAt: t.expose('attemptedAt', { type: 'DateTime' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status the receiver answered; null when no answer came (refused, timed out, address not allowed).' }),
    latencyMs: t.exposeInt('latencyMs'),
    succeeded: t.exposeBoolean('succeeded'),
    error: t.exposeString('error', { nullable: true }),
  }),
});

builder.prismaNode('WebhookDelivery', {
  description: 'One event for one endpoint, delivered at least once; its attempts are the delivery log.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, ownDeliveriesWhere(ctx.viewer)),
  fields: (t) => ({
    webhookId: t.string({ description: 'The `webhook-id` header: the same on every attempt and replay; receivers dedupe on it.', resolve: (delivery) => webhookMessageId(delivery.id) }),
    eventType: t.field({ type: WebhookEventTypeEnum, resolve: (delivery) => delivery.eventType as (typeof WEBHOOK_EVENT_TYPES)[number] }),
    eventId: t.string({ description: 'The outbox event id (the subscriptions use the same ids).', resolve: (delivery) => delivery.eventId.toString() }),
    payload: t.string({ description: 'The request body, exactly as signed.', resolve: (delivery) => JSON.stringify(delivery.payload) }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (delivery) => delivery.status }),
    replays: t.exposeInt('replays'),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    attempts: t.relation('attempts', { query: { orderBy: [{ attemptedAt: 'asc' }, { id: 'asc' }], take: 200 }, description: 'The attempts, oldest first (at most 200).' }),
  }),
});

builder.prismaNode('WebhookEndpoint', {
  description: "Where your party's events are sent as signed HTTP requests (Standard Webhooks). The secret is shown only once, when proposed.",
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, ownEndpointsWhere(ctx.viewer)),
  fields: (t) => ({
    url: t.exposeString('url'),
    eventTypes: t.field({ type: [WebhookEventTypeEnum], resolve: (endpoint) => endpoint.eventTypes as (typeof WEBHOOK_EVENT_TYPES)[number][] }),
    status: t.field({ type: WebhookEndpointStatusEnum, resolve: (endpoint) => endpoint.status }),
    secretRotationPending: t.boolean({ description: 'A new secret waits for a second user of the party.', resolve: (endpoint) => endpoint.pendingSecretCiphertext !== null }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Until then requests carry a second signature, by the secret the last rotation replaced.',
      resolve: (endpoint) => endpoint.previousSecretExpiresAt,
    }),
    failingSince: t.expose('failingSince', { type: 'DateTime', nullable: true, description: 'The first of the current run of failed attempts; a day of them disables the endpoint.' }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    deliveries: t.relation('deliveries', {
      args: { first: t.arg.int({ required: false, validate: z.number().int().min(1).max(WEBHOOK_DELIVERIES_PAGE_MAX) }) },
      description: `The newest deliveries first (at most ${WEBHOOK_DELIVERIES_PAGE_MAX}).`,
      query: ({ first }) => ({ orderBy: [{ createdAt: 'desc' }, { eventId: 'desc' }], take: first ?? 20 }),
    }),
  }),
});

interface ProposedSecretShape {
  endpointId: string;
  secret: string;
}

const WebhookEndpointWithSecret = builder.objectRef<ProposedSecretShape>('WebhookEndpointWithSecret').implement({
  description: 'A proposed endpoint or secret. Store the secret now: it cannot be shown again.',
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The signing secret (`whsec_…`), for the receiver to verify with a Standard Webhooks library.' }),
    endpoint: t.prismaField({ type: 'WebhookEndpoint', resolve: (query, parent, _args, ctx) => ctx.prisma.webhookEndpoint.findUniqueOrThrow({ ...query, where: { id: parent.endpointId } }) }),
  }),
});

const RegisterWebhookEndpointInput = builder.inputType('RegisterWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ validate: z.string().max(WEBHOOK_URL_LENGTH_MAX) }),
    eventTypes: t.field({ type: [WebhookEventTypeEnum] }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaField({
    type: ['WebhookEndpoint'],
    description: `Your party's webhook endpoints, newest first (at most ${WEBHOOK_ENDPOINTS_LIST_MAX}).`,
    resolve: (query, _root, _args, ctx) => ctx.prisma.webhookEndpoint.findMany({ ...query, where: ownEndpointsWhere(ctx.viewer), orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: WEBHOOK_ENDPOINTS_LIST_MAX }),
  }),
  webhookDeliveries: t.prismaConnection({
    type: 'WebhookDelivery',
    nullable: true,
    cursor: 'id',
    description: "Your party's webhook delivery log, newest first: every endpoint's, or one endpoint's (empty for an endpoint that is not your party's).",
    args: { endpointId: t.arg.globalID({ required: false }) },
    totalCount: (_root, { endpointId }, ctx) => ctx.prisma.webhookDelivery.count({ where: deliveriesWhere(ctx.viewer, endpointId) }),
    resolve: (query, _root, { endpointId }, ctx) => ctx.prisma.webhookDelivery.findMany({ ...query, where: deliveriesWhere(ctx.viewer, endpointId), orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  registerWebhookEndpoint: t.field({
    type: WebhookEndpointWithSecret,
    description:
      "Proposes an endpoint for your party's events (ADMIN): https to a public address (loopback receivers outside production). The answer carries the signing secret, shown once (a copy of the request, same x-request-id, gets the same answer for 24 hours, then SECRET_SHOWN_ONCE). Nothing is sent until a second ADMIN or CHECKER of your party approves it (approveWebhookEndpoint).",
    errors: { types: [...COMMON_ERRORS, ConflictError, LimitExceededError] },
    args: { input: t.arg({ type: RegisterWebhookEndpointInput }) },
    resolve: async (_root, { input }, ctx) => {
      const { endpoint, secret } = await registerWebhookEndpoint(ctx, ctx.viewer, input);
      return { endpointId: endpoint.id, secret };
    },
  }),
  rotateWebhookEndpointSecret: t.field({
    type: WebhookEndpointWithSecret,
    description:
      'Proposes a new signing secret for an active endpoint (ADMIN), shown once in the answer (a copy of the request, same x-request-id, gets the same answer for 24 hours, then SECRET_SHOWN_ONCE). Once a second user approves it (approveWebhookEndpoint), requests carry signatures by both the new and the old secret for a day, then by the new one only.',
    errors: { types: [...LOOKUP_ERRORS, ConflictError, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (_root, { id }, ctx) => {
      const { endpoint, secret } = await rotateWebhookEndpointSecret(ctx, ctx.viewer, rowIdOf(id, 'WebhookEndpoint'));
      return { endpointId: endpoint.id, secret };
    },
  }),
  approveWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    description: "Approves what waits on your party's endpoint, its registration or a new secret (a second ADMIN or CHECKER of the party, never the proposer: MAKER_CANNOT_CHECK).",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const endpoint = await decideWebhookEndpoint(ctx, ctx.viewer, rowIdOf(id, 'WebhookEndpoint'), true);
      return ctx.prisma.webhookEndpoint.findUniqueOrThrow({ ...query, where: { id: endpoint.id } });
    },
  }),
  rejectWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    description: "Rejects what waits on your party's endpoint, its registration or a new secret (a second ADMIN or CHECKER of the party). A rejected secret is never used.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const endpoint = await decideWebhookEndpoint(ctx, ctx.viewer, rowIdOf(id, 'WebhookEndpoint'), false);
      return ctx.prisma.webhookEndpoint.findUniqueOrThrow({ ...query, where: { id: endpoint.id } });
    },
  }),
  replayWebhookDelivery: t.prismaField({
    type: 'WebhookDelivery',
    description: 'Sends a delivered or failed delivery again (ADMIN), with the same body and webhook-id, retried like the first. Only to an active endpoint.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const delivery = await replayWebhookDelivery(ctx, ctx.viewer, rowIdOf(id, 'WebhookDelivery'));
      return ctx.prisma.webhookDelivery.findUniqueOrThrow({ ...query, where: { id: delivery.id } });
    },
  }),
}));
