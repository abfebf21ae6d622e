import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../examples/webhook-receiver';
import { WEBHOOK_DISABLE_AFTER_FAILING_MS } from '../domain/webhook-rules';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { notifyParties } from '../prisma/stores/operator-notices';
import { newWebhookSecret, sealWebhookSecret } from '../prisma/stores/webhook-secret-box';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { publishEvents } from '../test/support/publish-events';
import { startTimeSkipping } from '../test/support/time-skipping';
import { createTestWorker } from '../test/support/worker';
import { dispatchWebhookDeliveries } from '../use-cases/dispatch-webhook-deliveries';
import type { DeliverWebhookResult } from './contracts/webhook';
import { workflowIds } from './contracts/workflow-ids';

// Webhooks end to end: registration with four eyes over the real API, the outbox's trigger
// writing a delivery for each event, the dispatcher starting the delivery workflow on the
// time-skipping server, and the receiver example verifying every request with the Standard
// Webhooks library over real HTTP on loopback.

type Result = Record<string, any>;

const ENDPOINT_FIELDS = 'id url eventTypes status secretRotationPending previousSecretExpiresAt failingSince disabledAt';
const REGISTER = `mutation ($input: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret endpoint { ${ENDPOINT_FIELDS} } } ... on Error { code message } } }`;
const ROTATE = `mutation ($id: ID!) { rotateWebhookEndpointSecret(id: $id) { __typename ... on WebhookEndpointWithSecret { secret endpoint { ${ENDPOINT_FIELDS} } } ... on Error { code message } } }`;
const decide = (name: 'approveWebhookEndpoint' | 'rejectWebhookEndpoint') => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on WebhookEndpoint { ${ENDPOINT_FIELDS} } ... on Error { code message } } }`;
const DELIVERIES = `query ($endpointId: ID!) { webhookDeliveries(endpointId: $endpointId) { totalCount edges { node { id webhookId eventType status replays payload attempts { statusCode latencyMs succeeded error } } } } }`;
const REPLAY = `mutation ($id: ID!) { replayWebhookDelivery(id: $id) { __typename ... on WebhookDelivery { id status replays webhookId } ... on Error { code message } } }`;
const ENDPOINTS = `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`;

describe('webhooks (time skipping, loopback receiver)', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let admin: TestActor;
  let checker: TestActor;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // The workflow's clock runs a day and more ahead of the database's.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    env = await startTimeSkipping();
    api = await startTestApi(db.prisma, { temporalClient: env.client });
    admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    checker = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['CHECKER'] });
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    await api.close();
    await env.teardown();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** Registers and approves an endpoint through the API; answers its id and secret. */
  async function activeEndpoint(url: string, eventTypes = ['NOTIFICATION_ADDED']): Promise<{ id: string; secret: string }> {
    const registered = await api.call(admin.token, REGISTER, { input: { url, eventTypes } });
    expect(registered.__typename).toBe('WebhookEndpointWithSecret');
    const approved = await api.call(checker.token, decide('approveWebhookEndpoint'), { id: registered.endpoint.id });
    expect(approved.status).toBe('ACTIVE');
    return { id: registered.endpoint.id, secret: registered.secret };
  }

  /** An event addressed to the party: a notice in its inbox, through the outbox's trigger. */
  async function eventForParty(label: string): Promise<void> {
    await notifyParties(db.prisma, [admin.partyId], { kind: 'TEST_NOTICE', subject: label, body: label }, `webhook-test:${label}:${crypto.randomUUID()}`);
    await publishEvents(db.url);
  }

  /** Runs a worker (a worker runs once) until the round's workflow ends. */
  async function untilDelivered(deliveryId: string, replays: number): Promise<DeliverWebhookResult> {
    const worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, taskQueue: api.taskQueue });
    return worker.runUntil(env.client.workflow.result(workflowIds.webhookDelivery(deliveryId, replays)));
  }

  /** Starts what the dispatcher finds and runs the round's workflow to its end. */
  async function deliver(deliveryId: string): Promise<DeliverWebhookResult> {
    await dispatchWebhookDeliveries({ prisma: db.prisma, temporal: env.client, taskQueue: api.taskQueue, logger: testLogger });
    return untilDelivered(deliveryId, 0);
  }

  async function deliveryOf(endpointGlobalId: string): Promise<Result> {
    const { data } = await api.request<{ webhookDeliveries: { totalCount: number; edges: { node: Result }[] } }>(admin.token, DELIVERIES, { endpointId: endpointGlobalId });
    expect(data!.webhookDeliveries.totalCount).toBe(1);
    return data!.webhookDeliveries.edges[0]!.node;
  }

  it('registers an endpoint with four eyes, shows its secret once, and refuses private and non-https URLs', async () => {
    const registered = await api.call(admin.token, REGISTER, { input: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['FINANCING_UPDATED', 'NOTIFICATION_ADDED'] } });
    expect(registered.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(registered.endpoint).toMatchObject({ status: 'PROPOSED', eventTypes: ['FINANCING_UPDATED', 'NOTIFICATION_ADDED'] });
    const own = await api.call(admin.token, decide('approveWebhookEndpoint'), { id: registered.endpoint.id });
    expect(own).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    // A CHECKER of another party does not find it.
    const stranger = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['CHECKER'] });
    expect(await api.call(stranger.token, decide('approveWebhookEndpoint'), { id: registered.endpoint.id })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await api.call(checker.token, decide('approveWebhookEndpoint'), { id: registered.endpoint.id })).toMatchObject({ status: 'ACTIVE' });
    // The secret is never shown again, nor stored in clear.
    const listed = await api.request(admin.token, ENDPOINTS);
    expect(JSON.stringify(listed)).not.toContain(registered.secret.slice(6));
    const row = await db.prisma.webhookEndpoint.findFirstOrThrow({ where: { partyId: admin.partyId } });
    expect(row.secretCiphertext).not.toContain(registered.secret.slice(6));

    for (const [url, code] of [
      ['https://10.0.0.7/hooks', 'WEBHOOK_URL_PRIVATE'],
      ['https://169.254.169.254/latest/meta-data', 'WEBHOOK_URL_PRIVATE'],
      ['http://erp.example.com/hooks', 'WEBHOOK_URL_SCHEME'],
      ['gopher://127.0.0.1/hooks', 'WEBHOOK_URL_SCHEME'],
    ] as const) {
      expect(await api.call(admin.token, REGISTER, { input: { url, eventTypes: ['FINANCING_UPDATED'] } })).toMatchObject({ __typename: 'ValidationError', code });
    }
    // A CHECKER proposes nothing: proposing is the ADMIN's, deciding the second user's.
    expect(await api.call(checker.token, REGISTER, { input: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['FINANCING_UPDATED'] } })).toMatchObject({ __typename: 'ForbiddenError' });
  });

  it('delivers a signed event once the receiver recovers, with the same webhook-id on every attempt and on a replay', async () => {
    let failuresLeft = 2;
    const endpoint = await activeEndpoint('http://127.0.0.1:1/placeholder');
    const receiver = await startWebhookReceiver({ secret: endpoint.secret, status: () => (failuresLeft-- > 0 ? 503 : 204) });
    receivers.push(receiver);
    await db.prisma.webhookEndpoint.update({ where: { id: rowId(endpoint.id) }, data: { url: receiver.url } });

    await eventForParty('first');
    const row = await db.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: rowId(endpoint.id) } });
    expect(await deliver(row.id)).toEqual({ outcome: 'DELIVERED', attempts: 3 });

    // Three requests, each verified by the receiver with the library, all one message.
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([`msg_${row.id}`]));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.payload).toMatchObject({ type: 'NOTIFICATION_ADDED', data: { subjectId: expect.any(String) } });
    expect(Object.keys(receiver.received[0]!.payload.data).sort()).toEqual(['subjectId']);

    const logged = await deliveryOf(endpoint.id);
    expect(logged).toMatchObject({ status: 'DELIVERED', webhookId: `msg_${row.id}`, replays: 0 });
    expect(logged.attempts.map((attempt: Result) => attempt.statusCode)).toEqual([503, 503, 204]);
    expect(logged.attempts.every((attempt: Result) => attempt.latencyMs >= 0)).toBe(true);

    // A replay: a fourth request with the same id, which the receiver does not act on twice.
    const replayed = await api.call(admin.token, REPLAY, { id: logged.id });
    expect(replayed).toMatchObject({ status: 'PENDING', replays: 1, webhookId: `msg_${row.id}` });
    // The API started the replay's round itself.
    expect(await untilDelivered(row.id, 1)).toEqual({ outcome: 'DELIVERED', attempts: 1 });
    expect(receiver.requests).toHaveLength(4);
    expect(receiver.requests[3]!.headers['webhook-id']).toBe(`msg_${row.id}`);
    expect(receiver.received).toHaveLength(1);
    // The round is never started twice, whoever asks.
    expect(await dispatchWebhookDeliveries({ prisma: db.prisma, temporal: env.client, taskQueue: api.taskQueue, logger: testLogger })).toEqual({ started: 0 });

    // A request whose body was changed after signing is refused by the receiver example.
    const original = receiver.requests[0]!;
    const tampered = await fetch(receiver.url, { method: 'POST', headers: pick(original.headers), body: original.body.replace('NOTIFICATION_ADDED', 'FINANCING_UPDATED') });
    expect(tampered.status).toBe(400);
    const forged = await fetch(receiver.url, { method: 'POST', headers: { ...pick(original.headers), 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}` }, body: original.body });
    expect(forged.status).toBe(400);
    expect(receiver.rejected).toBe(2);
    expect(receiver.received).toHaveLength(1);
  });

  it('signs with the old and the new secret during a rotation’s overlap', async () => {
    const endpoint = await activeEndpoint('http://127.0.0.1:1/placeholder');
    const rotated = await api.call(admin.token, ROTATE, { id: endpoint.id });
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(rotated.endpoint.secretRotationPending).toBe(true);
    expect(await api.call(admin.token, decide('approveWebhookEndpoint'), { id: endpoint.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await api.call(checker.token, decide('approveWebhookEndpoint'), { id: endpoint.id })).toMatchObject({ secretRotationPending: false, previousSecretExpiresAt: expect.any(String) });

    // A receiver still on the old secret verifies, and so does one on the new.
    const receiver = await startWebhookReceiver({ secret: endpoint.secret });
    receivers.push(receiver);
    await db.prisma.webhookEndpoint.update({ where: { id: rowId(endpoint.id) }, data: { url: receiver.url } });
    await eventForParty('rotated');
    const row = await db.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: rowId(endpoint.id) } });
    expect(await deliver(row.id)).toEqual({ outcome: 'DELIVERED', attempts: 1 });
    const { headers, body } = receiver.requests[0]!;
    expect((headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    expect(new Webhook(rotated.secret).verify(body, pick(headers))).toMatchObject({ type: 'NOTIFICATION_ADDED' });
  });

  it('disables an endpoint that has failed for a day and tells its party', async () => {
    const endpoint = await activeEndpoint('http://127.0.0.1:1/placeholder');
    const receiver = await startWebhookReceiver({ secret: endpoint.secret, status: () => 500 });
    receivers.push(receiver);
    await db.prisma.webhookEndpoint.update({ where: { id: rowId(endpoint.id) }, data: { url: receiver.url } });
    await eventForParty('failing');
    const row = await db.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: rowId(endpoint.id) } });
    const started = await env.currentTimeMs();

    const result = await deliver(row.id);
    expect(result.outcome).toBe('ENDPOINT_DISABLED');
    const elapsed = (await env.currentTimeMs()) - started;
    expect(elapsed).toBeGreaterThanOrEqual(WEBHOOK_DISABLE_AFTER_FAILING_MS);
    expect(elapsed).toBeLessThan(WEBHOOK_DISABLE_AFTER_FAILING_MS + 5 * 60 * 60 * 1000);
    expect(receiver.requests.length).toBe(result.attempts);

    const [disabled] = (await api.request<{ webhookEndpoints: Result[] }>(admin.token, ENDPOINTS)).data!.webhookEndpoints;
    expect(disabled).toMatchObject({ status: 'DISABLED', disabledAt: expect.any(String) });
    expect((await deliveryOf(endpoint.id)).status).toBe('FAILED');
    const notices = await db.prisma.notification.findMany({ where: { partyId: admin.partyId, kind: 'WEBHOOK_ENDPOINT_DISABLED' } });
    expect(notices).toHaveLength(1);
    // A disabled endpoint receives no more events, and a replay to it is refused.
    await eventForParty('after disabling');
    expect(await db.prisma.webhookDelivery.count({ where: { endpointId: rowId(endpoint.id) } })).toBe(1);
    expect(await api.call(admin.token, REPLAY, { id: (await deliveryOf(endpoint.id)).id })).toMatchObject({ __typename: 'WrongStateError' });
  });
  it('writes a delivery for each party that may see the event, with ids and the committed status only (a silent financing never reaches its obligor)', async () => {
    const parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    const { supplier, receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const endpointOf = (partyId: string, createdByUserId: string) =>
      db.prisma.webhookEndpoint.create({
        data: { partyId, url: 'http://127.0.0.1:9/hooks', eventTypes: ['FINANCING_UPDATED'], status: 'ACTIVE', secretCiphertext: sealWebhookSecret(newWebhookSecret()), createdByUserId },
      });
    const ofSupplier = await endpointOf(supplier.partyId, supplier.userId);
    const ofFunder = await endpointOf(parties.funder.partyId, parties.funder.userId);
    const ofObligor = await endpointOf(parties.core.partyId, parties.core.userId);

    const { financing } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `webhook-${receivable.id}` }, TEST_FINANCING_WINDOWS);
    await publishEvents(db.url);
    for (const endpoint of [ofSupplier, ofFunder]) {
      const [delivery, ...more] = await db.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
      expect(more).toEqual([]);
      expect(delivery!.payload).toEqual({
        type: 'FINANCING_UPDATED',
        eventId: delivery!.eventId.toString(),
        occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        data: { subjectId: financing.id, financingId: financing.id, receivableId: receivable.id, status: financing.status },
      });
    }
    expect(await db.prisma.webhookDelivery.count({ where: { endpointId: ofObligor.id } })).toBe(0);
    // Nothing of the money or the names is in any body.
    const bodies = JSON.stringify(await db.prisma.webhookDelivery.findMany({ where: { endpointId: { in: [ofSupplier.id, ofFunder.id] } }, select: { payload: true } }));
    expect(bodies).not.toMatch(/800000|前海|华强/);
  });
});

function pick(headers: Record<string, unknown>): Record<string, string> {
  return { 'webhook-id': String(headers['webhook-id']), 'webhook-timestamp': String(headers['webhook-timestamp']), 'webhook-signature': String(headers['webhook-signature']), 'content-type': 'application/json' };
}
