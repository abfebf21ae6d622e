import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '../prisma/stores/ledger/balances';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities, type Activities } from './activities';
import { testLogger } from '../test/support/logger';
import type { BankAdapter } from '../bank/bank-adapter';

// A financing never exists without the workflow that drives it (docs/ARCHITECTURE.md,
// docs/workflows/financing.md). Two applications under one idempotency key join one run of the
// financing's workflow: when the one refused is answered first while the other is still being
// applied, the run must wait for that other one and, if it applies, follow the financing. A run
// that ends instead leaves a financing PENDING_ACKNOWLEDGEMENT that no decision can reach and no
// deadline expires: its receivable and its limit holds are taken for ever.

type Result = Record<string, any>;

const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) {
  __typename ... on Financing { id status principal { amount } } ... on Error { code message } } }`;
const WITHDRAW = `mutation ($id: ID!, $reason: String!) { withdrawFinancing(id: $id, reason: $reason) {
  __typename ... on Financing { id status } ... on WrongStateError { currentState } ... on Error { code message } } }`;

describe('two applications under one idempotency key, the first answered a refusal', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  /** Applications for 400,000.00 wait here until the test lets them through. */
  const held: string[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: {} as BankAdapter });
    const applyForFinancing: Activities['applyForFinancing'] = async (input) => {
      if (input.input.amount === '400000.00') {
        held.push(input.financingId);
        await released;
      }
      return real.applyForFinancing(input);
    };
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, activities: { applyForFinancing } });
    running = worker.worker.run();
    // The supplier's limit in the program is 500,000.00: 600,000.00 is refused, 400,000.00 fits.
    parties = await createFinancingParties(db.prisma, { supplierLimit: '500000.00' });
  });
  afterEach(() => {
    release();
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  it('keeps following the financing the other one applied for: the supplier can still withdraw it', async () => {
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const input = { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), idempotencyKey: `apply-${randomUUID()}` };

    // 400,000.00 is asked for first and is still being applied when 600,000.00 is asked for under the same key.
    const accepted = api.call(supplier.token, APPLY, { input: { ...input, amount: '400000.00' } });
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
    const refused: Result = await api.call(supplier.token, APPLY, { input: { ...input, amount: '600000.00' } });
    expect(refused).toMatchObject({ __typename: 'LimitExceededError', code: 'LIMIT_EXCEEDED' });
    release();
    const applied: Result = await accepted;
    expect(applied).toMatchObject({ __typename: 'Financing', status: 'PENDING_ACKNOWLEDGEMENT', principal: { amount: '400000.00' } });

    // The supplier changes its mind before the core enterprise answers: the financing is withdrawn
    // and the receivable and the 400,000.00 held on its limit are free again.
    const withdrawn: Result = await api.call(supplier.token, WITHDRAW, { id: applied.id, reason: 'financed elsewhere' });
    const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: rowId(applied.id) } });
    const limit = await db.prisma.creditLimit.findFirstOrThrow({ where: { kind: 'SUPPLIER', programId: parties.programId, supplierPartyId: supplier.partyId } });
    expect({
      withdrawn: withdrawn.__typename === 'Financing' ? withdrawn.status : `${withdrawn.__typename} ${withdrawn.code}: ${withdrawn.message}`,
      financing: financing.status,
      receivable: (await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } })).status,
      supplierLimitAvailable: (await getBalance(db.prisma, limit.accountId)).available.toFixed(2),
    }).toEqual({ withdrawn: 'WITHDRAWN', financing: 'WITHDRAWN', receivable: 'CONFIRMED', supplierLimitAvailable: '500000.00' });
  });
});
