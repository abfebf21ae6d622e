import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyParties } from '../prisma/stores/operator-notices';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { publishEvents } from '../test/support/publish-events';
import { subscribe, type SseSubscription } from '../test/support/sse';

// Taking access away acts at once (docs/security.md, "Keys: storage, rotation, revocation"): a
// disabled user, or a revoked key, reads nothing more of its party. A subscription over
// server-sent events is one long request: the stream a stolen key opened before the key was
// revoked, or its user disabled, must not go on delivering the party's news.

const NOTIFICATION_ADDED = `subscription { notificationAdded { id kind subject } }`;
const WHO = '{ viewer { apiKey { id } } }';
const DISABLE_USER = `mutation ($id: ID!) { disableUser(id: $id) { __typename ... on User { status } ... on Error { code message } } }`;
const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKey { revokedAt } ... on Error { code message } } }`;

describe('a subscription of a key whose access was taken away', () => {
  let db: TestDatabase;
  let api: TestApi;
  let admin: TestActor;
  const open: SseSubscription[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
  }, 60_000);

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await api?.close();
    await db?.drop();
  });

  /** The stream of `token` opened now, after every event committed so far. */
  async function listen(token: string): Promise<SseSubscription> {
    await publishEvents(db.url);
    const since = { 'last-event-id': String((await db.prisma.domainEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n) };
    const subscription = await subscribe(api.url, token, NOTIFICATION_ADDED, {}, since);
    open.push(subscription);
    return subscription;
  }

  /** A notice in the party's inbox, published to the subscribers; the live stream of an admin of the party receives it. */
  async function noticeToParty(key: string): Promise<void> {
    const witness = await listen(admin.token);
    await notifyParties(db.prisma, [admin.partyId], { kind: 'PAYOUT_ACCOUNT_CHANGED', subject: `payout account ${key}`, body: 'the payout account changes in 24 hours' }, key);
    await publishEvents(db.url);
    // The notice did reach a subscriber whose access stands: the stream below was sent it too if it is still served.
    expect((await witness.waitFor(1, 10_000)).map((result) => result.data?.notificationAdded?.subject)).toEqual([`payout account ${key}`]);
  }

  it('stops delivering the party\'s notices to a user once it is disabled', async () => {
    const clerk = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['VIEWER'] });
    const stream = await listen(clerk.token);

    expect(await api.call(admin.token, DISABLE_USER, { id: globalId('User', clerk.userId) })).toMatchObject({ __typename: 'User', status: 'DISABLED' });
    expect((await api.request(clerk.token, WHO)).status).toBe(401);

    await noticeToParty('after-disable');
    const received = await stream.settle(1_500, 5_000);
    // The stream may end, or say why it ends; it carries no notice of the party.
    expect(received.map((result) => result.data?.notificationAdded?.subject).filter((subject) => subject !== undefined)).toEqual([]);
  });

  it('stops delivering the party\'s notices over a key once it is revoked', async () => {
    const clerk = await createActor(db.prisma, { partyId: admin.partyId, userRoles: ['VIEWER'] });
    const key = await db.prisma.apiKey.findFirstOrThrow({ where: { userId: clerk.userId } });
    const stream = await listen(clerk.token);

    expect(await api.call(admin.token, REVOKE, { id: globalId('ApiKey', key.id) })).toMatchObject({ __typename: 'ApiKey' });
    expect((await api.request(clerk.token, WHO)).status).toBe(401);

    await noticeToParty('after-revoke');
    const received = await stream.settle(1_500, 5_000);
    // The stream may end, or say why it ends; it carries no notice of the party.
    expect(received.map((result) => result.data?.notificationAdded?.subject).filter((subject) => subject !== undefined)).toEqual([]);
  });
});
