import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_URL_LENGTH_MAX } from '../domain/webhook-rules';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';

// A webhook URL has at most 2,048 characters (docs/errors.md, WEBHOOK_URL_INVALID). The limit
// is checked on the text the client sent, but the endpoint stores the URL as the platform will
// call it, percent-encoded: a path of non-ASCII characters or spaces under the limit becomes
// several times longer. Such a URL must be refused as any too-long URL is, with
// WEBHOOK_URL_INVALID naming the field, and not reach the database and fail there.

const REGISTER = `mutation ($input: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret endpoint { id url } } ... on Error { code message } } }`;

describe('a webhook URL within the limit as sent, beyond it once encoded', () => {
  let db: TestDatabase;
  let api: TestApi;
  let admin: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is refused with WEBHOOK_URL_INVALID, not an internal error', async () => {
    const base = 'http://127.0.0.1:9/hooks/';
    const url = base + '回'.repeat(WEBHOOK_URL_LENGTH_MAX - base.length);
    expect(url.length).toBeLessThanOrEqual(WEBHOOK_URL_LENGTH_MAX);
    const answer = await api.request<{ registerWebhookEndpoint: Record<string, unknown> | null }>(admin.token, REGISTER, { input: { url, eventTypes: ['FINANCING_UPDATED'] } });
    expect(answer.errors ?? []).toEqual([]);
    expect(answer.data?.registerWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', code: 'WEBHOOK_URL_INVALID' });
    expect(await db.prisma.webhookEndpoint.count({ where: { partyId: admin.partyId } })).toBe(0);
  });
});
