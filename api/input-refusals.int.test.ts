import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { changedTables, databaseFingerprint } from '../test/support/database-fingerprint';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Input a careless or hostile client sends to the mutations that take money and ids. Each
// refusal is a typed error result saying what is wrong, and changes nothing: no row, no posting,
// no workflow.

type Result = Record<string, any>;

const ERROR_FIELDS = `__typename ... on ValidationError { issues { path message } } ... on WrongStateError { currentState } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${ERROR_FIELDS} ... on Financing { id status effectiveAnnualRate netDisbursement { amount } } } }`;
const QUOTE = `query ($r: ID!, $p: ID!, $amount: String!) { quoteFinancing(receivableId: $r, programId: $p, amount: $amount) { __typename ... on FinancingQuote { effectiveAnnualRate netDisbursement { amount } fees { amount } } ... on Error { code message } } }`;

describe('bad input to money mutations is refused, typed, and changes nothing', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
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
    // millions of percent a year. The quote prices it; the application must answer alike.
    const parties: FinancingParties = await createFinancingParties(db.prisma, { flatFee: '10000.00', annualRate: '0', feeRate: '0' });
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const variables = { r: globalId('Receivable', receivable.id), p: globalId('Program', parties.programId), amount: '10000.01' };
    const quoted = await send(supplier.token, QUOTE, variables);
    expect(quoted.errors).toEqual([]);
    expect(quoted.result).toMatchObject({ __typename: 'FinancingQuote', netDisbursement: { amount: '0.01' } });

    const before = await databaseFingerprint(db.prisma);
    const applied = await send(supplier.token, APPLY, {
      input: { receivableId: variables.r, programId: variables.p, amount: '10000.01', idempotencyKey: 'tiny-net-1' },
    });
    expect(applied.errors, JSON.stringify(applied.errors)).toEqual([]);
    expect(applied.result?.__typename, JSON.stringify(applied.result)).toMatch(/^(Financing|ValidationError)$/);
    if (applied.result?.__typename === 'ValidationError') expect(changedTables(before, await databaseFingerprint(db.prisma))).toEqual([]);
  }, 120_000);
});
