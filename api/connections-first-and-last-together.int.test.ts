import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import type { TestActor } from '../test/support/parties';
import { registerDirectly } from '../test/support/receivables';

// A page is asked for from the start (`first`, with `after`) or from the end (`last`, with
// `before`). `first` with `before`, or `last` with `after`, is refused as a connection argument
// that is invalid (BAD_USER_INPUT, docs/errors.md); `first` and `last` together are the same
// mix of directions and must be refused alike, not answered as if `last` had not been sent:
// `receivables(first: 3, last: 1)` answering three receivables hands a client that wanted one
// three, each of which it takes for the one it asked for.

describe('a connection asked for first and last at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let supplier: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    ({ supplier } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties));
    for (let index = 0; index < 3; index += 1) await registerDirectly(db.prisma, supplier, parties.core.creditCode);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is BAD_USER_INPUT, as first with before is', async () => {
    const mixed = await api.request<any>(supplier.token, `{ receivables(first: 3, before: "${Buffer.from('GPC:S:00000000-0000-4000-8000-000000000000').toString('base64')}") { totalCount } }`);
    expect(mixed.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);

    const response = await api.request<any>(supplier.token, `{ receivables(first: 3, last: 1) { totalCount edges { node { registrationNumber } } } }`);
    expect(response.data).toEqual({ receivables: null });
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
