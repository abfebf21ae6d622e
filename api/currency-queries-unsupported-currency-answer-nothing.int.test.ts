import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';

// docs/api.md and docs/errors.md: in a query, an unknown currency is input that cannot be valid,
// BAD_USER_INPUT with extensions.reason CURRENCY_NOT_SUPPORTED (as trialBalance, portfolio and
// withdrawableBalance answer). An operator who types "XYZ" (or "RMB", or a code of a currency
// the platform does not book) into the reconciliation report, the bank statements or the list
// of accounts must be told so, not shown "no report yet" or an empty list, which reads as a
// fact about the books.

const QUERIES: Array<[string, string, string]> = [
  ['reconciliationReport', 'query ($currency: String!) { reconciliationReport(date: "2026-12-01", currency: $currency) { date currency balanced } }', 'reconciliationReport'],
  ['bankStatements', 'query ($currency: String) { bankStatements(currency: $currency, first: 5) { totalCount } }', 'bankStatements'],
  ['accounts(filter: { currency })', 'query ($currency: String) { accounts(filter: { currency: $currency }, first: 5) { totalCount } }', 'accounts'],
];

describe('operator queries given a currency the platform does not support', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['VIEWER'] });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it.each(QUERIES)('%s with currency "XYZ" is refused as BAD_USER_INPUT CURRENCY_NOT_SUPPORTED, not answered as if nothing were there', async (_name, query, field) => {
    const answer = await api.request(operator.token, query, { currency: 'XYZ' });
    // Today: no error at all; reconciliationReport answers null ("not computed yet"), the lists a totalCount of 0.
    expect(answer.errors?.map((error) => ({ code: error.extensions?.code, reason: error.extensions?.reason })), JSON.stringify(answer.data)).toEqual([{ code: 'BAD_USER_INPUT', reason: 'CURRENCY_NOT_SUPPORTED' }]);
    expect(answer.data?.[field] ?? null).toBeNull();
  });
});
