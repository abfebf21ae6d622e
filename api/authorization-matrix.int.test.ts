import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { AUTHORIZATION_MATRIX, isAllowedBy, loadPrintedSchema, operationFields, type MatrixEntry, type OperationField, type TargetType } from '../test/support/authorization-matrix';
import { createAuthorizationWorld, statementCsv, statementDay, type AuthorizationWorld, type Caller } from '../test/support/authorization-world';
import { changedTables, databaseFingerprint } from '../test/support/database-fingerprint';
import { globalId } from '../test/support/global-ids';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { subscribe } from '../test/support/sse';

// The authorization matrix (test/support/authorization-matrix.ts, printed in docs/security.md)
// held against the running API over real HTTP: every Query and Mutation field, called by every
// kind of caller on objects of others, answers what the matrix says, never with another party's
// ids, numbers or names, never with an internal error, and changes nothing in the database.
// Subscriptions are opened over server-sent events resuming after event 0, so that each replays
// every event the world's making left in the outbox: what arrives is what a subscriber would
// have been sent live.

type Variables = Record<string, unknown>;
type Answer = { status: number; body: string; data?: Record<string, any>; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

/** Requests in flight at once: enough to finish in seconds, few enough for a shared machine. */
const CONCURRENT_REQUESTS_MAX = 6;
/** The pages asked for: small, so that the query cost limit holds for the generated selections. */
const PAGE_SIZE = 5;
/** How deep the generated selections go into nested objects. */
const SELECTION_DEPTH_MAX = 2;

/** Queries of days the world has not closed: their owner's answer is `null`, without an error. */
const NOTHING_YET = new Set(['Query.accountingDay', 'Query.reconciliationReport']);
/** Subscriptions the world has no event for: no repayment was made (api/subscriptions.int.test.ts delivers one). */
const NO_EVENT_YET = new Set(['Subscription.repaymentReceived']);
/** How long a subscription stays quiet before the replay counts as done. */
const REPLAY_QUIET_MS = 1_000;

/** Arguments an id names by its name, for ids inside inputs and filters. */
const TARGET_BY_ARGUMENT: Record<string, TargetType> = {
  receivableId: 'Receivable',
  endpointId: 'WebhookEndpoint',
  programId: 'Program',
  userId: 'User',
  financingId: 'Financing',
  partyId: 'Party',
  ownerPartyId: 'Party',
  supplierPartyId: 'Party',
  obligorPartyId: 'Party',
  funderPartyId: 'Party',
  accountId: 'LedgerAccount',
};

/**
 * Arguments the types alone do not say well enough, by field. Every other argument is built from
 * its type: ids from the matrix's target or the argument's name, the rest from scalar examples.
 */
const ARGUMENT_BUILDERS: Record<string, (caller: Caller, world: AuthorizationWorld) => Variables> = {
  'Query.node': (caller) => ({ id: caller.targets.Financing ?? Object.values(caller.targets)[0] }),
  'Query.nodes': (caller) => ({ ids: Object.values(caller.targets) }),
  'Query.registryCheck': (_caller, world) => world.invoice,
  'Query.reconciliationReport': (_caller, world) => ({ currency: 'CNY', date: world.statementDate }),
  'Query.accountingDay': (_caller, world) => ({ date: world.statementDate }),
};

/** Example values of the scalars, well-formed so that a refusal is never a validation answer. */
const SCALAR_EXAMPLES: Record<string, unknown> = { String: 'authz-probe', Int: 10, Float: 1, Boolean: false, Date: '2026-01-05', DateTime: '2026-01-05T02:00:00.000Z', Decimal: '100.00' };
const STRING_BY_NAME: Record<string, string> = { amount: '100.00', currency: 'CNY', email: 'probe@authz.example', creditCode: '91440300MA5FAUTHZ1', content: 'x' };

function valueOf(type: GraphQLInputType, name: string, caller: Caller, entry: MatrixEntry, required: boolean): unknown {
  if (name === 'first' || name === 'last') return undefined;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = valueOf(nullable.ofType, name, caller, entry, true);
    return item === undefined ? [] : [item];
  }
  if (isInputObjectType(nullable)) {
    const object: Variables = {};
    for (const field of Object.values(nullable.getFields())) {
      const value = valueOf(field.type, field.name, caller, entry, isNonNullType(field.type));
      // An id this caller has no object of others for: the whole input cannot be built.
      if (value === undefined && isNonNullType(field.type)) return undefined;
      if (value !== undefined) object[field.name] = value;
    }
    return object;
  }
  if (isEnumType(nullable)) return required ? nullable.getValues()[0]!.value : undefined;
  if (nullable.name === 'ID') {
    const target = name === 'id' ? entry.target : TARGET_BY_ARGUMENT[name];
    return target ? caller.targets[target] : undefined;
  }
  if (!required) return undefined;
  if (nullable.name === 'String') return Object.entries(STRING_BY_NAME).find(([key]) => name.toLowerCase().endsWith(key.toLowerCase()))?.[1] ?? SCALAR_EXAMPLES.String;
  return SCALAR_EXAMPLES[nullable.name];
}

/** The field's variables for this caller, or undefined when one it needs names no object of others for this caller. */
function variablesOf(operation: OperationField, caller: Caller, world: AuthorizationWorld): Variables | undefined {
  const entry = AUTHORIZATION_MATRIX[operation.key]!;
  const builder = ARGUMENT_BUILDERS[operation.key];
  if (builder) return builder(caller, world);
  const variables: Variables = {};
  for (const argument of operation.field.args) {
    const value = valueOf(argument.type, argument.name, caller, entry, isNonNullType(argument.type));
    if (value === undefined && isNonNullType(argument.type)) return undefined;
    if (value !== undefined) variables[argument.name] = value;
  }
  return variables;
}

/**
 * A selection of everything a type answers without required arguments, nested objects to
 * `depth`. Of the members of a union, a field is selected by the first member that has it: two
 * members' fields of one name and different types (an `id` of `ID!` and one of `String!`) cannot
 * both be selected, and aliases are limited.
 */
function selectionOf(type: GraphQLOutputType | GraphQLNamedType, depth: number, taken = new Map<string, string>()): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isUnionType(named)) {
    const seen = new Map<string, string>();
    return `{ __typename ${named.getTypes().map((member) => `... on ${member.name} ${selectionOf(member, depth, seen)}`).join(' ')} }`;
  }
  if (!isObjectType(named) && !isInterfaceType(named)) return '';
  const fields = Object.values(named.getFields()).flatMap((field) => {
    if (field.args.some((argument) => isNonNullType(argument.type))) return [];
    const claimed = taken.get(field.name);
    if (claimed !== undefined && claimed !== String(field.type)) return [];
    taken.set(field.name, String(field.type));
    const inner = getNamedType(field.type);
    // A workflow's status is a call to Temporal per object: the cost limit prices it, and it carries no party's data.
    if (inner.name === 'WorkflowStatus') return [];
    if (isLeafType(inner)) return [field.name];
    if (named.name.endsWith('Connection') && field.name === 'edges' && isObjectType(inner)) return [`edges { node ${selectionOf(inner.getFields().node!.type, depth)} }`];
    if (depth <= 0) return isObjectType(inner) && 'id' in inner.getFields() ? [`${field.name} { id }`] : [];
    const nested = selectionOf(inner, depth - 1);
    return nested ? [`${field.name}${pageArgument(field.args)} ${nested}`] : [];
  });
  return `{ __typename ${fields.join(' ')} }`;
}

function pageArgument(args: readonly { name: string }[]): string {
  return args.some((argument) => argument.name === 'first') ? `(first: ${PAGE_SIZE})` : '';
}

function documentOf(operation: OperationField, variables: Variables): string {
  const declared = operation.field.args.filter((argument) => argument.name in variables);
  const definitions = declared.map((argument) => `$${argument.name}: ${String(argument.type)}`).join(', ');
  // The page size is written in the document: the cost of a page asked for by a variable is its largest size.
  const page = operation.field.args.some((argument) => argument.name === 'first') ? [`first: ${PAGE_SIZE}`] : [];
  const passed = [...declared.map((argument) => `${argument.name}: $${argument.name}`), ...page].join(', ');
  return `${operation.operation}${definitions ? `(${definitions})` : ''} { ${operation.field.name}${passed ? `(${passed})` : ''} ${selectionOf(operation.field.type, SELECTION_DEPTH_MAX)} }`;
}

async function inBatches<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENT_REQUESTS_MAX) await Promise.all(items.slice(start, start + CONCURRENT_REQUESTS_MAX).map(run));
}

describe('the authorization matrix, over real HTTP', () => {
  const schema = loadPrintedSchema();
  const operations = operationFields(schema);
  let db: TestDatabase;
  let api: TestApi;
  let world: AuthorizationWorld;

  async function ask(token: string | undefined, query: string, variables: Variables): Promise<Answer> {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.text();
    const parsed = (() => {
      try {
        return JSON.parse(body) as Pick<Answer, 'data' | 'errors'>;
      } catch {
        return {};
      }
    })();
    return { status: response.status, body, data: parsed.data, errors: parsed.errors };
  }

  /** A subscription resumed after event 0, read until its replay is over: every result, as one answer. */
  async function streamed(token: string | undefined, operation: OperationField, variables: Variables, expected = 0): Promise<Answer> {
    const query = documentOf(operation, { ...variables, after: '0' });
    if (token === undefined) return ask(token, query, variables);
    const stream = await subscribe(api.url, token, query, { ...variables, after: '0' });
    if (expected > 0) await stream.waitFor(expected);
    const results = [...(await stream.settle(REPLAY_QUIET_MS))];
    stream.close();
    const errors = results.flatMap((result) => result.errors ?? []);
    // A refused subscription ends with errors and no data, which is its field's null.
    const data = results.find((result) => result.data)?.data ?? (errors.length ? { [operation.field.name]: null } : undefined);
    return { status: stream.status, body: JSON.stringify(results), data, errors: errors.length ? errors : undefined };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma, { rateLimit: { perKey: 100_000, unauthenticatedPerAddress: 100_000, windowSeconds: 60 } });
    const made = await createAuthorizationWorld(db.prisma);
    const statementDate = statementDay();
    const imported = await api.call(made.operatorMaker.token, `mutation ($input: ImportBankStatementInput!) { importBankStatement(input: $input) { __typename ... on Error { code message } } }`, {
      input: { format: 'CSV', content: statementCsv(statementDate) },
    });
    expect(imported.__typename).toBe('ImportBankStatementResult');
    const item = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY' } });
    const itemId = globalId('ReconciliationItem', item.id);
    for (const caller of made.callers) caller.targets.ReconciliationItem = itemId;
    world = { ...made, deal: { ...made.deal, ReconciliationItem: itemId }, statementDate };
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** What is wrong with one answer, or nothing. */
  function problemsOf(operation: OperationField, caller: Caller, variables: Variables, answer: Answer): string[] {
    const entry = AUTHORIZATION_MATRIX[operation.key]!;
    const name = operation.field.name;
    const problems: string[] = [];
    if (answer.status >= 500) problems.push(`answered HTTP ${answer.status}`);
    const codes = (answer.errors ?? []).map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'NONE'));
    if (codes.some((code) => code === 'INTERNAL_SERVER_ERROR' || code === 'NONE') || /Unexpected error/.test(answer.body)) problems.push(`answered an internal error: ${answer.body.slice(0, 300)}`);
    // The caller's own input may come back (a not-found answer quotes the id it was given).
    const sent = JSON.stringify(variables);
    const known = new Set(Object.values(caller.targets).flatMap((id) => (sent.includes(id) ? [id, Buffer.from(id, 'base64url').toString('utf8').split(':')[1]!] : [])));
    for (const secret of caller.secrets) if (!known.has(secret) && !sent.includes(secret) && answer.body.includes(secret)) problems.push(`leaked ${JSON.stringify(secret)}: ${answer.body.slice(0, 400)}`);
    if (caller.token === undefined) {
      if (answer.status !== 401 || answer.data !== undefined) problems.push(`answered HTTP ${answer.status} without a token: ${answer.body.slice(0, 200)}`);
      return problems;
    }
    const value = answer.data?.[name];
    const refused = (value === null || value === undefined ? codes.every((code) => code === 'FORBIDDEN' || code === 'NOT_FOUND') : ['ForbiddenError', 'NotFoundError'].includes(value?.__typename)) && !(value === null && codes.length === 0 && operation.operation === 'mutation');
    if (!isAllowedBy(entry, caller.partyRoles, caller.userRoles)) {
      if (!refused) problems.push(`was not refused: ${answer.body.slice(0, 300)}`);
      return problems;
    }
    const nothing = value === null || (Array.isArray(value) && value.every((item) => item === null));
    if (entry.others === 'NULL' && !(nothing && codes.every((code) => code === 'NOT_FOUND'))) problems.push(`did not answer null: ${answer.body.slice(0, 300)}`);
    if (entry.others === 'NOT_FOUND' && value?.__typename !== 'NotFoundError' && !(value === null && codes.every((code) => code === 'NOT_FOUND') && codes.length > 0)) problems.push(`did not answer not found: ${answer.body.slice(0, 300)}`);
    if ((entry.others === 'OWN_ONLY' || entry.others === 'ENCUMBERED_ONLY') && answer.errors) problems.push(`answered errors for its own: ${answer.body.slice(0, 300)}`);
    return problems;
  }

  /** Whether the test calls this field as this caller: permitted callers never act on their own party's behalf here. */
  function isProbe(operation: OperationField, caller: Caller): boolean {
    if (caller.token === undefined) return true;
    const entry = AUTHORIZATION_MATRIX[operation.key]!;
    if (!isAllowedBy(entry, caller.partyRoles, caller.userRoles)) return true;
    // Operators see every party's objects: their queries are the positive side, and their permitted acts would act.
    if (caller.partyRoles.includes('PLATFORM')) return false;
    return operation.operation !== 'mutation' || entry.others !== 'OWN_ONLY';
  }

  async function probe(selected: OperationField[]): Promise<string[]> {
    const findings: string[] = [];
    const calls = selected.flatMap((operation) =>
      world.callers.filter((caller) => isProbe(operation, caller)).flatMap((caller) => {
        const variables = variablesOf(operation, caller, world);
        return variables ? [{ operation, caller, variables }] : [];
      }),
    );
    await inBatches(calls, async ({ operation, caller, variables }) => {
      const answer = await ask(caller.token, documentOf(operation, variables), variables);
      for (const problem of problemsOf(operation, caller, variables, answer)) findings.push(`${operation.key} as ${caller.label} ${problem}`);
    });
    return findings.sort();
  }

  it('answers every query of every caller about objects of others with nothing', async () => {
    const before = await databaseFingerprint(db.prisma);
    expect(await probe(operations.filter(({ operation }) => operation === 'query'))).toEqual([]);
    expect(changedTables(before, await databaseFingerprint(db.prisma))).toEqual([]);
  }, 60_000);

  it('refuses every mutation of every caller on objects of others, and changes nothing', async () => {
    let before = await databaseFingerprint(db.prisma);
    const findings: string[] = [];
    for (const operation of operations.filter(({ operation: kind }) => kind === 'mutation')) {
      findings.push(...(await probe([operation])));
      const after = await databaseFingerprint(db.prisma);
      const changed = changedTables(before, after);
      if (changed.length) findings.push(`${operation.key} changed ${changed.join(', ')}`);
      before = after;
    }
    expect(findings).toEqual([]);
  }, 60_000);

  it('answers every query to the deal’s own callers (the matrix is not passed by everything failing)', async () => {
    const owners = [world.owners.supplier, world.owners.funder, world.owners.core, world.owners.operator];
    const ownTargets: Record<TargetType, string> = world.deal;
    const findings: string[] = [];
    await inBatches(operations.filter(({ operation }) => operation === 'query'), async (operation) => {
      const entry = AUTHORIZATION_MATRIX[operation.key]!;
      const owner = owners.find((actor) => isAllowedBy(entry, actorRolesOf(actor), ['ADMIN', 'MAKER', 'CHECKER', 'VIEWER']))!;
      const caller: Caller = { label: 'owner', token: owner.token, partyRoles: actorRolesOf(owner), userRoles: ['ADMIN'], targets: ownTargets, secrets: [] };
      const variables = variablesOf(operation, caller, world) ?? {};
      const answer = await ask(owner.token, documentOf(operation, variables), variables);
      const value = answer.data?.[operation.field.name];
      if (answer.errors || value === undefined || (value === null && !NOTHING_YET.has(operation.key))) findings.push(`${operation.key} as its owner: ${answer.body.slice(0, 300)}`);
      else if (entry.target && JSON.stringify(value).includes(ownTargets[entry.target]) === false) findings.push(`${operation.key} as its owner did not answer ${entry.target}: ${answer.body.slice(0, 300)}`);
    });
    expect(findings.sort()).toEqual([]);
  }, 60_000);

  it('streams every subscription to every caller without anything of others, and refuses who may not subscribe', async () => {
    const findings: string[] = [];
    const subscriptions = operations.filter(({ operation }) => operation === 'subscription');
    const calls = subscriptions.flatMap((operation) =>
      world.callers.filter((caller) => isProbe(operation, caller)).flatMap((caller) => {
        const variables = variablesOf(operation, caller, world);
        return variables ? [{ operation, caller, variables }] : [];
      }),
    );
    await inBatches(calls, async ({ operation, caller, variables }) => {
      const answer = await streamed(caller.token, operation, variables);
      for (const problem of problemsOf(operation, caller, variables, answer)) findings.push(`${operation.key} as ${caller.label} ${problem}`);
      // A stream left open without an error is not a refusal, even if nothing arrived on it.
      const entry = AUTHORIZATION_MATRIX[operation.key]!;
      if (caller.token !== undefined && !isAllowedBy(entry, caller.partyRoles, caller.userRoles) && !answer.errors) findings.push(`${operation.key} as ${caller.label} was not refused: ${answer.body.slice(0, 300)}`);
    });
    // The positive side: each subscription replays the deal's own objects to their owner.
    const owners = [world.owners.supplier, world.owners.funder, world.owners.core, world.owners.operator];
    await inBatches(subscriptions, async (operation) => {
      const entry = AUTHORIZATION_MATRIX[operation.key]!;
      // An inbox is its party's own: the owner asked is a party of the deal that was sent a notification.
      const inbox = operation.key === 'Subscription.notificationAdded' ? await db.prisma.notification.findFirst({ where: { partyId: { in: owners.map((actor) => actor.partyId) } } }) : null;
      const owner = owners.find((actor) => (inbox ? actor.partyId === inbox.partyId : isAllowedBy(entry, actorRolesOf(actor), ['ADMIN', 'MAKER', 'CHECKER', 'VIEWER'])))!;
      const caller: Caller = { label: 'owner', token: owner.token, partyRoles: actorRolesOf(owner), userRoles: ['ADMIN'], targets: world.deal, secrets: [] };
      const variables = variablesOf(operation, caller, world) ?? {};
      const answer = await streamed(owner.token, operation, variables, NO_EVENT_YET.has(operation.key) ? 0 : 1);
      const value = answer.data?.[operation.field.name];
      if (NO_EVENT_YET.has(operation.key)) {
        if (answer.errors) findings.push(`${operation.key} as its owner: ${answer.body.slice(0, 300)}`);
      } else if (answer.errors || value === undefined || value === null) findings.push(`${operation.key} as its owner: ${answer.body.slice(0, 300)}`);
      else if (entry.target && !answer.body.includes(world.deal[entry.target])) findings.push(`${operation.key} as its owner did not stream ${entry.target}: ${answer.body.slice(0, 300)}`);
    });
    expect(findings.sort()).toEqual([]);
  }, 60_000);

  function actorRolesOf(actor: { partyId: string }) {
    if (actor === world.owners.operator) return ['PLATFORM'] as const;
    if (actor === world.owners.funder) return ['FUNDER'] as const;
    if (actor === world.owners.core) return ['CORE_ENTERPRISE'] as const;
    return ['SUPPLIER'] as const;
  }
});
