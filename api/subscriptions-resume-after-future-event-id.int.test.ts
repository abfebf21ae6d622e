import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyParties } from '../prisma/stores/operator-notices';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';
import { publishEvents } from '../test/support/publish-events';
import { subscribe, type SseSubscription } from '../test/support/sse';

// Resuming a subscription (docs/integrations.md, "Resuming after a lost connection"): the id a
// client resumes after is one a previous event carried. An id the platform never gave out (a
// client's stored id from another environment, a database restored to an earlier point, a typo)
// is not a resume point: a stream resumed from it would skip every event until the sequence
// caught up with it, and the client would believe nothing happened. It is refused as an id that
// is not an event id is (docs/errors.md: BAD_USER_INPUT, reason INVALID_EVENT_ID).

const NOTIFICATION_ADDED = `subscription ($after: String) { notificationAdded(after: $after) { id subject } }`;

describe('a subscription resumed after an event id that was never given out', () => {
  let db: TestDatabase;
  let api: TestApi;
  let supplier: TestActor;
  const open: SseSubscription[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
  }, 60_000);

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await api?.close();
    await db?.drop();
  });

  it('is refused as not an event id, rather than silently skipping the notices that arrive next', async () => {
    await notifyParties(db.prisma, [supplier.partyId], { kind: 'PAYOUT_ACCOUNT_CHANGED', subject: 'before', body: 'a notice before the subscription' }, 'future-resume:before');
    await publishEvents(db.url);
    const newest = (await db.prisma.domainEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n;
    const neverGivenOut = String(newest + 500n);

    const byHeader = await subscribe(api.url, supplier.token, NOTIFICATION_ADDED, {}, { 'last-event-id': neverGivenOut });
    const byArgument = await subscribe(api.url, supplier.token, NOTIFICATION_ADDED, { after: neverGivenOut });
    // A stream opened without a resume point: it shows the notice below was published to the party's subscribers.
    const witness = await subscribe(api.url, supplier.token, NOTIFICATION_ADDED);
    open.push(byHeader, byArgument, witness);

    // The party's next notice, published while both streams are open.
    await notifyParties(db.prisma, [supplier.partyId], { kind: 'PAYOUT_ACCOUNT_CHANGED', subject: 'after', body: 'a notice after the subscription' }, 'future-resume:after');
    await publishEvents(db.url);
    expect((await witness.waitFor(1, 10_000)).map((result) => result.data?.notificationAdded?.subject)).toEqual(['after']);

    for (const stream of [byHeader, byArgument]) {
      await stream.waitFor(1, 5_000);
      await stream.settle(500, 5_000);
      expect(stream.results.map((result) => ({ code: result.errors?.[0]?.extensions?.code, subject: result.data?.notificationAdded?.subject }))).toEqual([{ code: 'BAD_USER_INPUT', subject: undefined }]);
    }
  }, 60_000);
});
