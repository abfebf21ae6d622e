import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { buildSchema, getNamedType, isCompositeType, isNonNullType, isObjectType, type GraphQLField } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adversarialValue, idTypesFor, type FuzzWorld } from '../test/support/adversarial-input';
import { startTestApi, type TestApi } from '../test/support/api';
import { changedTables, databaseFingerprint } from '../test/support/database-fingerprint';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Every mutation of the printed schema, sent random and adversarial input by each kind of caller
// over real HTTP: huge and tiny numbers, exponents, NaN, control and bidi characters, SQL and
// script fragments, wrong types, over-long strings, malformed, foreign and real ids. Whatever
// arrives, the answer is never a 500, never an internal error, never a message that shows the
// machinery behind it; and an answer that is an error changed nothing in the database.

const SCHEMA = buildSchema(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8'));
const NODE_TYPES = Object.values(SCHEMA.getTypeMap())
  .filter((type) => isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Node'))
  .map((type) => type.name);
/** Runs per mutation; `FUZZ_RUNS` raises it for a longer hunt (e.g. FUZZ_RUNS=500). */
const RUNS_PER_MUTATION = Number(process.env.FUZZ_RUNS ?? 12);
const REQUEST_TIMEOUT_MS = 20_000;
/** What an error message must never carry: the database, the ORM, the runtime or the source behind the API. */
const LEAK = /prisma|invocation|\.ts:\d|violates|syntax error|ECONN|TypeError|ReferenceError|RangeError|Cannot read prop|undefined is not|duplicate key|relation "|column "/i;

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

/** A mutation document taking every argument as a variable of its declared type, selecting the result's type name. */
function documentOf(field: GraphQLField<unknown, unknown>): string {
  const variables = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename ... on Error { message } }' : '';
  return `mutation${variables ? ` (${variables})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
}

function messagesOf(answer: Answer, fieldName: string): string[] {
  const payload = answer.body.data?.[fieldName] as { message?: string } | null | undefined;
  return [...(answer.body.errors ?? []).map((error) => error.message), ...(payload?.message ? [payload.message] : [])];
}

/** An answer that is not a success: a GraphQL error, a typed error result, or no data. */
function isRefusal(answer: Answer, fieldName: string): boolean {
  if (answer.body.errors?.length) return true;
  const payload = answer.body.data?.[fieldName] as { __typename?: string } | null | undefined;
  return payload === null || payload === undefined || (payload.__typename ?? '').endsWith('Error');
}

describe('fuzzing every mutation', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let callers: Array<{ name: string; token: string | undefined }>;
  let world: FuzzWorld;
  /** How the answers fell, per mutation: a fuzzer whose input never gets past the first check proves little. */
  const outcomes = new Map<string, Record<string, number>>();

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma, { rateLimit: { perKey: 1_000_000, unauthenticatedPerAddress: 1_000_000, windowSeconds: 60 } });
    // A mutation that gets far enough to start or update a workflow is answered by a real worker.
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    const fixture = await createFinancingParties(db.prisma);
    const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, fixture);
    const operator = await createActor(db.prisma, { partyId: fixture.admin.partyId, userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
    const outsider: TestActor = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
    callers = [
      { name: 'no token', token: undefined },
      { name: 'operator', token: operator.token },
      { name: 'supplier', token: supplier.token },
      { name: 'funder maker', token: fixture.funder.token },
      { name: 'funder checker', token: fixture.funderChecker.token },
      { name: 'core enterprise', token: fixture.core.token },
      { name: 'outside supplier', token: outsider.token },
    ];
    const accounts = await db.prisma.ledgerAccount.findMany({ select: { id: true }, take: 5 });
    // Users the fuzzer may disable or strip of keys: the callers' own users stay usable, so that
    // every mutation is tried by every kind of caller to the end.
    const victims = [
      await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['VIEWER'] }),
      await createActor(db.prisma, { partyId: fixture.funder.partyId, userRoles: ['CHECKER'] }),
      await createActor(db.prisma, { partyId: fixture.admin.partyId, userRoles: ['ADMIN'] }),
    ];
    const parties = await db.prisma.party.findMany({ select: { id: true, creditCode: true } });
    world = {
      idsByType: {
        Receivable: [globalId('Receivable', receivable.id)],
        Program: [globalId('Program', fixture.programId)],
        Party: parties.map((party) => globalId('Party', party.id)),
        User: victims.map((victim) => globalId('User', victim.userId)),
        LedgerAccount: accounts.map((account) => globalId('LedgerAccount', account.id)),
      },
      creditCodes: parties.map((party) => party.creditCode),
    };
  });

  afterAll(async () => {
    if (process.env.FUZZ_REPORT) for (const [name, tally] of outcomes) console.log(name, JSON.stringify(tally));
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  async function send(token: string | undefined, query: string, variables: Record<string, unknown>): Promise<Answer> {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
  }

  /** Waits until background work started by an accepted mutation (a workflow's first steps) has written what it writes. */
  async function settledFingerprint(): Promise<Map<string, string>> {
    let previous = await databaseFingerprint(db.prisma);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const next = await databaseFingerprint(db.prisma);
      if (changedTables(previous, next).length === 0) return next;
      previous = next;
    }
    return previous;
  }

  const mutations = Object.values(SCHEMA.getMutationType()!.getFields());

  it('covers every mutation of the schema', () => {
    expect(mutations.length).toBeGreaterThan(40);
  });

  it.each(mutations.map((field) => [field.name, field] as const))('%s: no 500, no leak, and a refusal changes nothing', async (name, field) => {
    const query = documentOf(field);
    const variablesArbitrary = fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, adversarialValue(arg.type, world, arg.name, (fieldName) => idTypesFor(fieldName, name, NODE_TYPES))])), {
      requiredKeys: field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => arg.name),
    });
    let before = await settledFingerprint();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: callers.length - 1 }), variablesArbitrary, async (callerIndex, variables) => {
        const caller = callers[callerIndex]!;
        const answer = await send(caller.token, query, variables);
        const context = `${name} as ${caller.name}`;
        const tally = outcomes.get(name) ?? {};
        const payload = answer.body.data?.[name] as { __typename?: string } | null | undefined;
        const outcome = answer.body.errors?.length ? String(answer.body.errors[0]?.extensions?.code ?? answer.status) : (payload?.__typename ?? 'null');
        tally[outcome] = (tally[outcome] ?? 0) + 1;
        outcomes.set(name, tally);
        expect(answer.status, `${context}: HTTP status`).toBeLessThan(500);
        const codes = (answer.body.errors ?? []).map((error) => error.extensions?.code);
        expect(codes, `${context}: error codes`).not.toContain('INTERNAL_SERVER_ERROR');
        for (const message of messagesOf(answer, name)) expect(message, `${context}: message`).not.toMatch(LEAK);
        if (isRefusal(answer, name)) {
          const after = await databaseFingerprint(db.prisma);
          expect(changedTables(before, after), `${context}: tables written by a refused request`).toEqual([]);
        } else {
          before = await settledFingerprint();
        }
      }),
      { numRuns: RUNS_PER_MUTATION, endOnFailure: true },
    );
  });
});
