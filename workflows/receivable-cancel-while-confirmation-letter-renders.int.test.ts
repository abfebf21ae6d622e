import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankAdapter } from '../bank/bank-adapter';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor } from '../test/support/parties';
import { registrationInput } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createActivities, type Activities } from './activities';

// A supplier may cancel a receivable before financing, a CONFIRMED one included
// (docs/workflows/receivable.md: CONFIRMED ──cancel──▶ CANCELLED; DESIGN.md §4 "The supplier may
// cancel before financing"). Once the core enterprise has confirmed, the confirmation workflow
// still writes the confirmation letter and tells the supplier before it ends; a slow PDF
// renderer (or one waiting for an operator past its bound) keeps it running for as long as that
// takes. A cancellation sent meanwhile must be applied as it is once the workflow has ended, not
// refused as "cannot cancel a receivable that is CONFIRMED".

type Result = Record<string, any>;

const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) {
  __typename ... on Receivable { id status } ... on Error { code message } } }`;
const CONFIRM = `mutation ($id: ID!, $amount: String) { confirmReceivable(id: $id, confirmedAmount: $amount) {
  __typename ... on Receivable { status confirmedAmount { amount } } ... on Error { code message } } }`;
const CANCEL = `mutation ($id: ID!, $reason: String!) { cancelReceivable(id: $id, reason: $reason) {
  __typename ... on Receivable { status closedReason } ... on WrongStateError { currentState } ... on Error { code message } } }`;

describe('a confirmed receivable cancelled while its confirmation letter is being written', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  const held: string[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const real = createActivities({ prisma: db.prisma, logger: testLogger, bank: {} as BankAdapter });
    // The confirmation letter's renderer is slow: the letter waits until the test lets it through.
    const generateReceivableDocument: Activities['generateReceivableDocument'] = async (input) => {
      if (input.kind === 'CONFIRMATION_LETTER') {
        held.push(input.receivableId);
        await released;
      }
      return real.generateReceivableDocument(input);
    };
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, activities: { generateReceivableDocument } });
    running = worker.worker.run();
  });

  afterAll(async () => {
    release();
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  it('cancels it, releasing its invoices, as it would once the workflow had ended', async () => {
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'], legalName: '深圳市华强精密电子有限公司' });
    const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    const registered: Result = await api.call(supplier.token, REGISTER, { input: registrationInput(core.creditCode) });
    expect(registered).toMatchObject({ __typename: 'Receivable', status: 'REGISTERED' });

    // The core enterprise confirms 900,000.00 of the 1,000,000.00 (dilution); the letter is being written.
    const confirmed: Result = await api.call(core.token, CONFIRM, { id: registered.id, amount: '900000.00' });
    expect(confirmed).toEqual({ __typename: 'Receivable', status: 'CONFIRMED', confirmedAmount: { amount: '900000.00' } });
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);

    // The supplier withdraws the confirmed receivable before applying for any financing.
    const cancelled: Result = await api.call(supplier.token, CANCEL, { id: registered.id, reason: '合同解除 / contract terminated' });
    const stored = await db.prisma.receivable.findUniqueOrThrow({ where: { id: rowId(registered.id) }, include: { registryEntries: true } });
    expect({
      answer: cancelled.__typename === 'Receivable' ? cancelled : `${cancelled.__typename} ${cancelled.code} (${cancelled.currentState}): ${cancelled.message}`,
      status: stored.status,
      invoicesReleased: stored.registryEntries.every((entry) => entry.releasedAt !== null),
    }).toEqual({
      answer: { __typename: 'Receivable', status: 'CANCELLED', closedReason: '合同解除 / contract terminated' },
      status: 'CANCELLED',
      invoicesReleased: true,
    });
  });
});
