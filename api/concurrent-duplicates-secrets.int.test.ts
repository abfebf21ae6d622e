import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebhookSecret } from '../prisma/stores/webhook-secret-box';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// Duplicate delivery over real HTTP of the mutations whose answer carries a secret shown once:
// each sent three times at once with one request id, then a fourth time
// (test/support/duplicate-delivery.ts). One endpoint, one rotation, one key; every copy gets the
// first answer, secret included, so a client that lost the first answer can still use what was
// made. The secret is kept for that only sealed, and only for the replay window
// (docs/api.md, "A mutation sent again gets the first answer"): a copy after it is told, with
// SECRET_SHOWN_ONCE, that the secret was shown once and how to get a new one.
//
// Covered here: registerWebhookEndpoint, rotateWebhookEndpointSecret, issueApiKey, approveUser.

const ERRORS = `... on Error { code message }`;
const WITH_SECRET = `__typename ... on WebhookEndpointWithSecret { endpoint { id status url } secret } ${ERRORS}`;
const REGISTER = `mutation ($input: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $input) { ${WITH_SECRET} } }`;
const ROTATE = `mutation ($id: ID!) { rotateWebhookEndpointSecret(id: $id) { ${WITH_SECRET} } }`;
const ISSUED = `__typename ... on IssuedApiKey { apiKey { id keyId label } token } ${ERRORS}`;
const ISSUE_KEY = `mutation ($input: IssueApiKeyInput!) { issueApiKey(input: $input) { ${ISSUED} } }`;
const APPROVE_USER = `mutation ($input: ApproveUserInput!) { approveUser(input: $input) { ${ISSUED} } }`;
const VIEWER = `{ viewer { user { id } apiKey { id } } }`;

describe('secrets shown once, delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let admin: TestActor;
  let second: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    second = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['ADMIN'] });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const { send, deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  /** The replay window passes: what is kept for copies is as old as the window allows and more. */
  const windowPasses = () => db.query(`UPDATE secret_replay SET expires_at = now() - interval '1 second'`);
  /** No secret is kept in clear: neither in the replays kept for copies nor anywhere else they could be read back. */
  async function keptInClear(secret: string): Promise<boolean> {
    const rows = await db.query<{ row: string }>(`SELECT row_to_json(secret_replay)::text AS row FROM secret_replay`);
    return rows.rows.some((row) => row.row.includes(secret));
  }

  it('registerWebhookEndpoint: one endpoint, its secret the one every copy got; after the window a copy is told it was shown once', async () => {
    const requestId = `dup-${randomUUID()}`;
    const input = { url: 'http://127.0.0.1:9/erp/hooks', eventTypes: ['FINANCING_UPDATED'] };
    const registered = await deliveredThrice(admin.token, REGISTER, { input }, requestId);
    expect(registered).toMatchObject({ __typename: 'WebhookEndpointWithSecret', endpoint: { status: 'PROPOSED', url: input.url }, secret: expect.stringMatching(/^whsec_/) });
    expect(await db.prisma.webhookEndpoint.count({ where: { partyId: admin.partyId } })).toBe(1);
    const endpoint = await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: rowId(registered.endpoint.id) } });
    // The secret the receiver was given is the one that signs.
    expect(openWebhookSecret(endpoint.secretCiphertext)).toBe(registered.secret);
    expect(await keptInClear(registered.secret)).toBe(false);

    await windowPasses();
    expect(await send(admin.token, REGISTER, { input }, requestId)).toMatchObject({ __typename: 'ConflictError', code: 'SECRET_SHOWN_ONCE' });
    expect(await db.prisma.webhookEndpoint.count({ where: { partyId: admin.partyId } })).toBe(1);
    // Forgotten: nothing is kept that could open to the secret.
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM secret_replay WHERE secret_ciphertext IS NOT NULL`)).rows[0]!.n).toBe(0);
  });

  it('rotateWebhookEndpointSecret: one new secret proposed, the one every copy got', async () => {
    const registered = await send(admin.token, REGISTER, { input: { url: 'http://127.0.0.1:9/crm/hooks', eventTypes: ['FINANCING_UPDATED'] } }, randomUUID());
    expect(await send(second.token, `mutation ($id: ID!) { approveWebhookEndpoint(id: $id) { __typename ... on WebhookEndpoint { status } ${ERRORS} } }`, { id: registered.endpoint.id }, randomUUID())).toMatchObject({ status: 'ACTIVE' });
    const rotated = await deliveredThrice(admin.token, ROTATE, { id: registered.endpoint.id });
    expect(rotated).toMatchObject({ __typename: 'WebhookEndpointWithSecret', endpoint: { id: registered.endpoint.id, status: 'ACTIVE' }, secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.secret).not.toBe(registered.secret);
    const endpoint = await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: rowId(registered.endpoint.id) } });
    expect(openWebhookSecret(endpoint.pendingSecretCiphertext!)).toBe(rotated.secret);
    expect(openWebhookSecret(endpoint.secretCiphertext)).toBe(registered.secret);
    expect(await keptInClear(rotated.secret)).toBe(false);
  });

  it('issueApiKey: one key, and the token every copy got authenticates', async () => {
    const user = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['MAKER'] });
    const before = await db.prisma.apiKey.count({ where: { userId: user.userId } });
    const issued = await deliveredThrice(user.token, ISSUE_KEY, { input: { userId: globalId('User', user.userId), label: 'ERP 对接' } });
    expect(issued).toMatchObject({ __typename: 'IssuedApiKey', apiKey: { label: 'ERP 对接' }, token: expect.any(String) });
    expect(await db.prisma.apiKey.count({ where: { userId: user.userId } })).toBe(before + 1);
    expect(await api.call(issued.token, VIEWER)).toMatchObject({ user: { id: globalId('User', user.userId) }, apiKey: { id: issued.apiKey.id } });
    expect(await keptInClear(issued.token)).toBe(false);
  });

  it('approveUser: approved once, one first key, and the token every copy got authenticates', async () => {
    const proposed = await send(admin.token, `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename ... on User { id } ${ERRORS} } }`, {
      input: { partyId: globalId('Party', admin.partyId), email: `treasurer-${randomUUID().slice(0, 8)}@example.com`, displayName: '财务 李娜', roles: ['MAKER'] },
    }, randomUUID());
    const approved = await deliveredThrice(second.token, APPROVE_USER, { input: { userId: proposed.id, apiKeyLabel: '首个密钥' } });
    expect(approved).toMatchObject({ __typename: 'IssuedApiKey', apiKey: { label: '首个密钥' }, token: expect.any(String) });
    expect(await db.prisma.apiKey.count({ where: { userId: rowId(proposed.id) } })).toBe(1);
    expect(await db.prisma.user.findUniqueOrThrow({ where: { id: rowId(proposed.id) } })).toMatchObject({ status: 'ACTIVE' });
    expect(await api.call(approved.token, VIEWER)).toMatchObject({ user: { id: proposed.id } });
    expect(await keptInClear(approved.token)).toBe(false);
    // Another approval of the approved user is still refused.
    expect(await send(second.token, APPROVE_USER, { input: { userId: proposed.id, apiKeyLabel: '首个密钥' } }, randomUUID())).toMatchObject({ __typename: 'WrongStateError' });
  });
});
