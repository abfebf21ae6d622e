import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { createActor, type TestActor } from '../test/support/parties';

// A list filtered by a range of days (a receivable's or a financing's due date, a reconciliation
// item's first statement day) whose start is after its end is input that cannot be valid, like
// a statement whose `to` is not later than its `from` (VALIDATION_FAILED): it is refused with
// BAD_USER_INPUT (docs/errors.md), never answered with an empty page and a totalCount of 0, which
// tells a supplier it has nothing due and an operator that the reconciliation queue is clear.

describe('a list filter whose date range ends before it starts', () => {
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

  it.each([
    ['a supplier', 'receivables', `{ receivables(filter: { dueDateFrom: "2027-06-30", dueDateTo: "2027-01-01" }) { totalCount edges { node { id } } } }`],
    ['a supplier', 'financings', `{ financings(filter: { dueDateFrom: "2027-06-30", dueDateTo: "2027-01-01" }) { totalCount edges { node { id } } } }`],
    ['an operator', 'reconciliationItems', `{ reconciliationItems(status: OPEN, from: "2027-06-30", to: "2027-01-01") { totalCount edges { node { id } } } }`],
  ])('%s listing %s from 30 June to 1 January is refused', async (who, field, query) => {
    const response = await api.request<Record<string, unknown>>(who === 'an operator' ? operator.token : supplier.token, query);
    expect(response.data).toEqual({ [field]: null });
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
