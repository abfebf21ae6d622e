import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, disburseDirectly } from '../test/support/financings';
import { createActor, type TestActor } from '../test/support/parties';

// A financing's ledger transactions are paged by offset. A cursor past any page there can be
// (the largest offset the guard lets through, a number within PostgreSQL's bigint) is a cursor
// the API never gave out: an empty page or BAD_USER_INPUT, never an internal error.

const QUERY = `query ($id: ID!, $after: String) { financing(id: $id) { ledgerTransactions(first: 5, after: $after) { totalCount edges { cursor } } } }`;

describe('Financing.ledgerTransactions after the largest offset cursor', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  let financingGid: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const parties = await createFinancingParties(db.prisma);
    ({ financingGid } = await disburseDirectly(db.prisma, parties, '500000.00'));
    operator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers an empty page or BAD_USER_INPUT', async () => {
    const after = Buffer.from('OffsetConnection:9223372036854775807').toString('base64');
    const response = await api.request<any>(operator.token, QUERY, { id: financingGid, after });
    const codes = (response.errors ?? []).map((error) => error.extensions?.code);
    expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
    if (codes.length === 0) expect(response.data.financing.ledgerTransactions.edges).toEqual([]);
    else expect(codes).toEqual(['BAD_USER_INPUT']);
  });
});
