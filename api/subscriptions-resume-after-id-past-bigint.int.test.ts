import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';
import { subscribe, type SseSubscription } from '../test/support/sse';

// A resume point that is not an event id is BAD_USER_INPUT with extensions.reason
// INVALID_EVENT_ID (docs/errors.md); event ids are PostgreSQL bigints, and "a number past
// PostgreSQL's bigint" is a value the API never gave out, refused as bad input like a cursor
// past it. A client (an EventSource replaying a corrupted Last-Event-ID, an integration with a
// 64-bit unsigned counter) must be told what is wrong with its request, not "Unexpected error".

const NOTIFICATION_ADDED = `subscription ($after: String) { notificationAdded(after: $after) { id subject } }`;
/** Nineteen digits, as the parser admits, one past the largest bigint (9223372036854775807). */
const PAST_BIGINT = '9223372036854775808';

describe('a subscription resumed after a number past the bigint range', () => {
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

  it.each([
    ['the Last-Event-ID header', {}, { 'last-event-id': PAST_BIGINT }],
    ['the after argument', { after: PAST_BIGINT }, {}],
  ])('is refused as not an event id when given in %s, not answered with an internal error', async (_how, variables, headers) => {
    const stream = await subscribe(api.url, supplier.token, NOTIFICATION_ADDED, variables, headers);
    open.push(stream);
    await stream.waitFor(1, 10_000);
    expect(stream.results.map((result) => ({ code: result.errors?.[0]?.extensions?.code, reason: result.errors?.[0]?.extensions?.reason }))).toEqual([{ code: 'BAD_USER_INPUT', reason: 'INVALID_EVENT_ID' }]);
  }, 30_000);
});
