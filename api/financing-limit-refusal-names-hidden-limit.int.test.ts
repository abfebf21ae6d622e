import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { applyDirectly, createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// A supplier sees only its own SUPPLIER limit (docs/security.md, "Credit limits"): the program's
// total and the funder's limit on the core enterprise are the funder's business with the core
// enterprise, null to a supplier in `terms` and absent from `limits`. An application refused
// for want of room must not tell the supplier which of those hidden limits is used up, nor so
// that other suppliers' financings under the same core enterprise fill it.

const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) {
  __typename ... on Financing { id } ... on Error { code message } } }`;
const TERMS = `query ($id: ID!) { program(id: $id) { terms { obligorLimit { amount } programLimit { amount } } } }`;

describe("a supplier's application refused for want of room in a limit it is not shown", () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    // The funder's limit on the core enterprise is the tightest; each supplier has room of its own.
    parties = await createFinancingParties(db.prisma, { programLimit: '5000000.00', obligorLimit: '1000000.00', supplierLimit: '1000000.00' });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  it('does not name the obligor limit another supplier used up', async () => {
    // Another supplier of the same core enterprise takes 800,000.00 of the funder's limit on it.
    await applyDirectly(db.prisma, parties, '800000.00');
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const programId = globalId('Program', parties.programId);
    // The supplier is not shown the limit...
    expect(await api.call(supplier.token, TERMS, { id: programId })).toEqual({ terms: { obligorLimit: null, programLimit: null } });
    // ...and its own limit has room for what it asks.
    const input = { receivableId: globalId('Receivable', receivable.id), programId, amount: '300000.00', idempotencyKey: 'room' };
    const refused = await api.call(supplier.token, APPLY, { input });
    expect(refused).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_EXCEEDED' });
    expect(refused.message).not.toMatch(/obligor|program/i);
  });
});
