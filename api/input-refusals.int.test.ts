import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccountCode } from '../prisma/stores/chart-of-accounts';
import { closeAccount, findAccountByCode } from '../prisma/stores/ledger/accounts';
import { startTestApi, type TestApi } from '../test/support/api';
import { changedTables, databaseFingerprint } from '../test/support/database-fingerprint';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, disburseDirectly, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Input a careless or hostile client sends to the mutations that take money and ids. Each
// refusal is a typed error result saying what is wrong, and changes nothing: no row, no posting,
// no workflow.

type Result = Record<string, any>;

const ERROR_FIELDS = `__typename ... on ValidationError { issues { path message } } ... on WrongStateError { currentState } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${ERROR_FIELDS} ... on Financing { id status effectiveAnnualRate netDisbursement { amount } } } }`;
const PROPOSE_ADJUSTMENT = `mutation ($input: ProposeLedgerAdjustmentInput!) { proposeLedgerAdjustment(input: $input) { ${ERROR_FIELDS} ... on LedgerAdjustment { id status } } }`;
const QUOTE = `query ($r: ID!, $p: ID!, $amount: String!) { quoteFinancing(receivableId: $r, programId: $p, amount: $amount) { __typename ... on FinancingQuote { effectiveAnnualRate netDisbursement { amount } fees { amount } } ... on Error { code message } } }`;

describe('bad input to money mutations is refused, typed, and changes nothing', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  /** The whole answer: the field's result, or the GraphQL errors when there is none. */
  async function send(token: string, query: string, variables: Record<string, unknown>): Promise<{ result: Result | null; errors: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
    const response = await api.request<Record<string, Result | null>>(token, query, variables);
    return { result: Object.values(response.data ?? {})[0] ?? null, errors: response.errors ?? [] };
  }

  it('applyForFinancing of an amount its flat fee nearly consumes is priced or refused as a typed error, never an internal error', async () => {
    // A flat fee of 10,000.00 and no interest: 10,000.01 leaves the supplier one cent, a cost of
    // millions of percent a year. The quote and the application answer alike: a typed refusal.
    const parties: FinancingParties = await createFinancingParties(db.prisma, { flatFee: '10000.00', annualRate: '0', feeRate: '0' });
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const variables = { r: globalId('Receivable', receivable.id), p: globalId('Program', parties.programId), amount: '10000.01' };
    const quoted = await send(supplier.token, QUOTE, variables);
    expect(quoted.errors).toEqual([]);
    expect(quoted.result).toMatchObject({ __typename: 'ValidationError', code: 'NET_DISBURSEMENT_NOT_POSITIVE' });

    const before = await databaseFingerprint(db.prisma);
    const applied = await send(supplier.token, APPLY, {
      input: { receivableId: variables.r, programId: variables.p, amount: '10000.01', idempotencyKey: 'tiny-net-1' },
    });
    expect(applied.errors, JSON.stringify(applied.errors)).toEqual([]);
    expect(applied.result, JSON.stringify(applied.result)).toMatchObject({ __typename: 'ValidationError', code: 'NET_DISBURSEMENT_NOT_POSITIVE', message: expect.stringContaining('all but 0.01 CNY') });
    expect(changedTables(before, await databaseFingerprint(db.prisma))).toEqual([]);
  }, 120_000);
  it('proposeLedgerAdjustment naming a closed account is refused as a WrongStateError and records nothing', async () => {
    // A financing's collection account closes with it: no posting can reach it again, so an
    // adjustment naming it could never be approved (inbound exception resolutions refuse it alike).
    const parties = await createFinancingParties(db.prisma);
    const { financingId } = await disburseDirectly(db.prisma, parties, '500000.00');
    const collection = (await findAccountByCode(db.prisma, collectionAccountCode(financingId, 'CNY')))!;
    await closeAccount(db.prisma, collection.id);
    const suspense = (await db.prisma.ledgerAccount.findFirst({ where: { purpose: 'SUSPENSE', currency: 'CNY', closedAt: null } }))!;

    const before = await databaseFingerprint(db.prisma);
    const answer = await send(operator.token, PROPOSE_ADJUSTMENT, {
      input: {
        reason: 'move a stray credit out of a closed collection account',
        entries: [
          { accountId: globalId('LedgerAccount', suspense.id), direction: 'DEBIT', amount: '10.00', currency: 'CNY' },
          { accountId: globalId('LedgerAccount', collection.id), direction: 'CREDIT', amount: '10.00', currency: 'CNY' },
        ],
      },
    });
    expect(answer.errors).toEqual([]);
    expect(answer.result, JSON.stringify(answer.result)).toMatchObject({ __typename: 'WrongStateError', currentState: 'CLOSED' });
    expect(changedTables(before, await databaseFingerprint(db.prisma))).toEqual([]);
  });
});
