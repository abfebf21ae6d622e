import { getNamedType, isLeafType, isNonNullType, isObjectType, isUnionType, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../schema';
import { CONNECTION_PAGE_SIZE_MAX } from '../schema/builder';
import { STATEMENT_PAGE_SIZE_MAX } from '../prisma/stores/ledger/statements';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startTestApi, type TestApi } from '../test/support/api';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';
import { callsOutOfTheApi, EXTERNAL_CALL_COST, QUERY_COST_MAX } from './query-limits';

// The cost limit and the page sizes agree: the largest page a connection serves, with a wide
// selection, is answered; pages nested in pages are refused before anything runs, and so are
// pages of objects that each call Temporal, whether their sizes are written, passed in
// variables or left to the defaults.

const PARTIES_CREATED = CONNECTION_PAGE_SIZE_MAX + 5;

function takesNoRequiredArguments(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.every((argument) => !isNonNullType(argument.type) || argument.defaultValue !== undefined);
}

/**
 * Every field of `type` that needs no argument, is not a page itself and does not call out of
 * the API (a workflow's status: a page of those is priced on its own below), with the objects
 * it holds `levels` deep.
 */
function everyField(type: GraphQLObjectType, levels: number): string {
  return Object.values(type.getFields())
    .filter((field) => takesNoRequiredArguments(field) && !field.args.some((argument) => argument.name === 'first') && !callsOutOfTheApi(field))
    .flatMap((field) => {
      const named = getNamedType(field.type);
      if (isLeafType(named)) return [field.name];
      const inner = levels > 0 && isObjectType(named) ? everyField(named, levels - 1) : '';
      if (inner !== '') return [`${field.name} { ${inner} }`];
      if (levels > 0 && isUnionType(named)) return [`${field.name} { __typename }`];
      return [];
    })
    .join(' ');
}

/** The largest page of a root connection, selecting every field of its nodes and of the objects they hold. */
function widestPage(field: GraphQLField<unknown, unknown>): string {
  // A list answers its connection directly (refusals are GraphQL errors, not union members).
  const connection = getNamedType(field.type);
  if (!isObjectType(connection) || !connection.name.endsWith('Connection')) throw new Error(`${field.name} is not a connection`);
  const node = getNamedType(connection.getFields().edges?.type);
  const nodeType = isObjectType(node) ? getNamedType(node.getFields().node?.type) : undefined;
  if (!isObjectType(nodeType)) throw new Error(`${field.name} has no nodes`);
  const page = `edges { cursor node { ${everyField(nodeType, 1)} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
  return `{ ${field.name}(first: ${CONNECTION_PAGE_SIZE_MAX}) { ${page} } }`;
}

const ROOT_CONNECTIONS = Object.values(schema.getQueryType()?.getFields() ?? {}).filter((field) => field.args.some((argument) => argument.name === 'first'));

describe('query limits: the largest page fits, pages inside pages do not', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'] });
    // Through the API, so that the party's virtual accounts are opened: the statement needs one.
    const created = await api.call(operator.token, 'mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename } }', {
      input: { legalName: '分页测试资金方有限公司', creditCode: uniqueCreditCode(), roles: ['FUNDER'] },
    });
    expect(created.__typename).toBe('Party');
    await db.prisma.party.createMany({
      data: Array.from({ length: PARTIES_CREATED }, (_, index) => ({ legalName: `分页测试企业 ${index + 1} 有限公司`, creditCode: uniqueCreditCode(), roles: ['SUPPLIER' as const] })),
    });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it(`answers parties(first: ${CONNECTION_PAGE_SIZE_MAX}) with a typical selection: a full page`, async () => {
    const response = await api.request<{ parties: { edges: unknown[]; pageInfo: { hasNextPage: boolean } } }>(
      operator.token,
      `{ parties(first: ${CONNECTION_PAGE_SIZE_MAX}) {
          __typename edges { cursor node { id legalName creditCode roles createdAt } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.parties.edges).toHaveLength(CONNECTION_PAGE_SIZE_MAX);
    expect(response.data?.parties.pageInfo.hasNextPage).toBe(true);
  });

  it.each(ROOT_CONNECTIONS.map((field) => [field.name, field] as const))(`accepts the widest page of %s (every field, one object deep)`, async (_name, field) => {
    const response = await api.request(operator.token, widestPage(field));
    expect(response.errors).toBeUndefined();
    expect(response.data).toBeDefined();
  });

  it(`accepts a full ledger statement page (${STATEMENT_PAGE_SIZE_MAX} lines, every field)`, async () => {
    const accounts = await api.call(operator.token, '{ accounts(first: 1) { edges { node { id } } } }');
    const accountId = (accounts.edges as Array<{ node: { id: string } }>)[0]?.node.id;
    expect(accountId).toBeDefined();
    const response = await api.request<{ account: { statement: { lines: unknown[] } } | null }>(
      operator.token,
      `query ($id: ID!) { account(id: $id) {
          statement(first: ${STATEMENT_PAGE_SIZE_MAX}, from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") {
            from to openingBalance { amount currency } closingBalance { amount currency } pageInfo { hasNextPage endCursor }
            lines { transactionId code description direction amount { amount currency } runningBalance { amount currency } effectiveAt } } } }`,
      { id: accountId },
    );
    expect(response.errors).toBeUndefined();
    // A lookup answers null for an account it does not show: the statement must really be read.
    expect(response.data?.account?.statement.lines).toBeInstanceOf(Array);
  });

  it(`refuses a page of ${CONNECTION_PAGE_SIZE_MAX} users inside a page of ${CONNECTION_PAGE_SIZE_MAX} parties, before running it`, async () => {
    const response = await api.request(
      operator.token,
      `{ parties(first: ${CONNECTION_PAGE_SIZE_MAX}) { ... on QueryPartiesConnection { edges { node { legalName
          users(first: ${CONNECTION_PAGE_SIZE_MAX}) { edges { node { email } } } } } } } }`,
    );
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.message).toMatch(new RegExp(`Cost limit of ${QUERY_COST_MAX} exceeded`));
  });

  it('refuses the same nesting a level further down (parties > users > party > users)', async () => {
    const response = await api.request(
      operator.token,
      `{ parties(first: 10) { ... on QueryPartiesConnection { edges { node {
          users(first: 10) { edges { node { party { users(first: 100) { edges { node { email displayName } } } } } } } } } } } }`,
    );
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.message).toMatch(/Cost limit/);
  });

  it(`refuses ${CONNECTION_PAGE_SIZE_MAX} workflow lookups in one page, with a typed error that states the limit, and answers ${QUERY_COST_MAX / EXTERNAL_CALL_COST / 4}`, async () => {
    const page = (size: number) => `{ financings(first: ${size}) { edges { node { id workflow { workflowId status } } } } }`;
    const refused = await api.request(operator.token, page(CONNECTION_PAGE_SIZE_MAX));
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.message).toMatch(new RegExp(`Cost limit of ${QUERY_COST_MAX} exceeded`));
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', costMax: QUERY_COST_MAX });
    expect(refused.errors?.[0]?.extensions?.cost).toBeGreaterThan(CONNECTION_PAGE_SIZE_MAX * EXTERNAL_CALL_COST);

    const answered = await api.request(operator.token, page(QUERY_COST_MAX / EXTERNAL_CALL_COST / 4));
    expect(answered.errors).toBeUndefined();
    expect(answered.data).toBeDefined();
  });

  it('prices a page whose size is passed in a variable at the largest page the field serves', async () => {
    const nested = `query ($outer: Int, $inner: Int) { parties(first: $outer) { edges { node { users(first: $inner) { edges { node { email } } } } } } }`;
    // Sent with small sizes, the document is still refused: the same document may be sent with 100 and 100.
    const response = await api.request(operator.token, nested, { outer: 1, inner: 1 });
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });

  it('prices a page left to its default at the default size: the ledger transactions of a full page of financings', async () => {
    const response = await api.request(
      operator.token,
      `{ financings(first: ${CONNECTION_PAGE_SIZE_MAX}) { edges { node { id
          ledgerTransactions { edges { node { id code description effectiveAt entries { direction amount { amount currency } account { id } } } } } } } } }`,
    );
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });
});
