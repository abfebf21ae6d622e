import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BankAdapter } from '../bank/bank-adapter';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, uniqueCreditCode } from '../test/support/parties';
import { registrationInput } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities, type Activities } from './activities';

// A receivable never exists without the workflow that asks its obligor to confirm it
// (docs/ARCHITECTURE.md, docs/workflows/receivable.md). Two registrations under one idempotency
// key join one run of the receivable's workflow: when the one refused is answered first while
// the other is still being registered, the run must wait for that other one and, if it
// registers, ask for its confirmation. A run that ends instead leaves a receivable REGISTERED
// that its obligor can never confirm and no deadline ever expires, its invoices encumbered in
// the registry for ever.

type Result = Record<string, any>;

const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) {
  __typename ... on Receivable { id status } ... on Error { code message } } }`;
const CONFIRM = `mutation ($id: ID!) { confirmReceivable(id: $id) {
  __typename ... on Receivable { id status confirmedAmount { amount } } ... on WrongStateError { currentState } ... on Error { code message } } }`;

describe('two registrations under one idempotency key, the first answered a refusal', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  /** Registrations naming this obligor wait here until the test lets them through. */
  let heldObligor = '';
  const held: string[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: {} as BankAdapter });
    const registerReceivable: Activities['registerReceivable'] = async (args) => {
      if (args.input.obligorCreditCode === heldObligor) {
        held.push(args.receivableId);
        await released;
      }
      return real.registerReceivable(args);
    };
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, activities: { registerReceivable } });
    running = worker.worker.run();
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

  it('keeps asking for the confirmation of the receivable the other one registered: its obligor can still confirm it', async () => {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'], legalName: '深圳市华强精密电子有限公司' });
    const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    heldObligor = core.creditCode;
    const input = registrationInput(core.creditCode);

    // The registration on the core enterprise is asked for first and is still being registered
    // when the same key arrives naming a credit code no core enterprise has on the platform.
    const accepted = api.call(supplier.token, REGISTER, { input });
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
    const refused: Result = await api.call(supplier.token, REGISTER, { input: { ...input, obligorCreditCode: uniqueCreditCode() } });
    expect(refused).toMatchObject({ __typename: 'ValidationError', code: 'OBLIGOR_NOT_CORE_ENTERPRISE' });
    release();
    const registered: Result = await accepted;
    expect(registered).toMatchObject({ __typename: 'Receivable', status: 'REGISTERED' });

    // The core enterprise confirms the 1,000,000.00 it owes.
    const confirmed: Result = await api.call(core.token, CONFIRM, { id: registered.id });
    expect({
      confirmed: confirmed.__typename === 'Receivable' ? [confirmed.status, confirmed.confirmedAmount?.amount] : `${confirmed.__typename} ${confirmed.code}: ${confirmed.message}`,
      receivable: (await db.prisma.receivable.findUniqueOrThrow({ where: { id: rowId(registered.id) } })).status,
    }).toEqual({ confirmed: ['CONFIRMED', '1000000.00'], receivable: 'CONFIRMED' });
  });
});
