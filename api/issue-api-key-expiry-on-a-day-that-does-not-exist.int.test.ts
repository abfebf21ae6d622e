import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';

// A DateTime is "an ISO 8601 instant with an offset" (docs/errors.md: "a malformed
// scalar"). A calendar day that does not exist, the 31st of a 30-day month or the 30th of
// February, is no instant: the API must refuse it, not read it as a day or two into the next
// month and store a key that expires on a day the caller never named.

const ISSUE = `mutation ($input: IssueApiKeyInput!) { issueApiKey(input: $input) { __typename ... on IssuedApiKey { token apiKey { expiresAt } } ... on Error { code message } } }`;

/** The 31st of the first month after `from` that has no 31st day, as an ISO instant, and the instant JavaScript reads it as. */
function nextDayThatDoesNotExist(from: Date): { text: string; rolledTo: string } {
  for (let month = 0; month < 3; month += 1) {
    const first = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + month, 1));
    const year = first.getUTCFullYear();
    const monthIndex = first.getUTCMonth();
    const daysInMonth = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
    if (daysInMonth === 31) continue;
    const text = `${year}-${String(monthIndex + 1).padStart(2, '0')}-31T12:00:00Z`;
    const candidate = Date.UTC(year, monthIndex, 31, 12);
    if (candidate <= from.getTime() + 2 * 86_400_000) continue;
    return { text, rolledTo: new Date(candidate).toISOString() };
  }
  throw new Error('no short month within three months');
}

describe('issueApiKey with an expiry on a day that does not exist', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is refused as a malformed DateTime and issues no key, instead of a key expiring in the first days of the next month', async () => {
    const user = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'] });
    const { text: expiresAt, rolledTo } = nextDayThatDoesNotExist(new Date());
    const keysBefore = await db.prisma.apiKey.count();

    const answer = await api.request<{ issueApiKey: { __typename: string; apiKey?: { expiresAt: string } } | null }>(user.token, ISSUE, {
      input: { userId: globalId('User', user.userId), label: 'quarter-end reconciliation', expiresAt },
    });

    // Today the key is issued anyway, expiring on `rolledTo`: a day the caller never asked for.
    expect(answer.data?.issueApiKey?.apiKey?.expiresAt, `an expiry of ${expiresAt} was stored as ${rolledTo}`).toBeUndefined();
    // Refused as the scalar refuses any malformed instant: one error naming the field, no result.
    expect(answer.data?.issueApiKey ?? null).toBeNull();
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.message).toMatch(/expiresAt/);
    expect(answer.errors?.[0]?.message).toMatch(/DateTime/);
    expect(await db.prisma.apiKey.count()).toBe(keysBefore);
  });
});
