import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { createActor, type TestActor } from '../test/support/parties';

// A cursor is opaque: a client passes back what an edge or pageInfo gave it. One it made up (a
// number where the connection's rows are keyed by a UUID, a row id where they are keyed by a date)
// is "an after/before cursor the API never gave out" (docs/errors.md): BAD_USER_INPUT, never an
// internal error.

const cursor = (text: string) => Buffer.from(text).toString('base64');

describe('a made-up cursor of the wrong kind is BAD_USER_INPUT', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let supplier: TestActor;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    ({ supplier } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties));
    operator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function codesOf(token: string, field: string, after: string): Promise<unknown[]> {
    const response = await api.request(token, `query ($after: String) { ${field}(first: 5, after: $after) { totalCount edges { cursor } } }`, { after });
    return (response.errors ?? []).map((error) => error.extensions?.code);
  }

  it.each([
    ['receivables', 'GPC:N:5'],
    ['receivables', 'GPC:I:5'],
    ['financings', 'GPC:N:5'],
    ['notifications', 'GPC:I:0'],
  ])('a supplier paging %s after %s', async (field, text) => {
    expect(await codesOf(supplier.token, field, cursor(text))).toEqual(['BAD_USER_INPUT']);
  });

  it.each([
    ['parties', 'GPC:N:5'],
    ['accounts', 'GPC:I:5'],
    ['accountingDays', 'GPC:S:00000000-0000-4000-8000-000000000000'],
  ])('an operator paging %s after %s', async (field, text) => {
    expect(await codesOf(operator.token, field, cursor(text))).toEqual(['BAD_USER_INPUT']);
  });
});
