import { readFileSync } from 'node:fs';
import { buildSchema, GraphQLError, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CONNECTION_PAGE_SIZE_DEFAULT, CONNECTION_PAGE_SIZE_MAX } from '../schema/builder';
import { STATEMENT_PAGE_SIZE_MAX } from '../prisma/stores/ledger/statements';
import { EXTERNAL_CALL_COST, QUERY_COST_MAX, queryCostRule } from './query-limits';

// How a document is priced, field by field, against the schema the API serves.

const schema = buildSchema(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8'));

/** The document's cost: the rule with a limit of nothing refuses every document and says its cost. */
function costOf(source: string): number {
  try {
    validate(schema, parse(source), [queryCostRule(-1)]);
  } catch (error) {
    if (error instanceof GraphQLError && typeof error.extensions.cost === 'number') return error.extensions.cost;
    throw error;
  }
  throw new Error('the rule did not price the document');
}

// edges (2) + node (2) + email (1) + the connection itself (2): 7 per user page of one.
const USERS_PAGE = 'edges { node { email } }';

describe('the cost of a query', () => {
  it('charges a scalar 1 and an object 2 plus what it selects', () => {
    expect(costOf('{ viewer { user { email displayName } } }')).toBe(2 + 2 + 1 + 1);
  });

  it('multiplies a page by the size the document writes, through nesting', () => {
    const one = costOf(`{ parties(first: 1) { ${USERS_PAGE} } }`);
    expect(costOf(`{ parties(first: 7) { ${USERS_PAGE} } }`)).toBe(7 * one);
    const nested = (outer: number, inner: number) => `{ parties(first: ${outer}) { edges { node { users(first: ${inner}) { ${USERS_PAGE} } } } } }`;
    expect(costOf(nested(10, 10))).toBe(10 * (2 + 2 + 2 + 10 * (2 + 2 + 2 + 1)));
  });

  it('prices a page left to its default at the default size, and one in a variable at the largest', () => {
    const page = costOf(`{ parties(first: 1) { ${USERS_PAGE} } }`);
    expect(costOf(`{ parties { ${USERS_PAGE} } }`)).toBe(CONNECTION_PAGE_SIZE_DEFAULT * page);
    expect(costOf(`query ($n: Int) { parties(first: $n) { ${USERS_PAGE} } }`)).toBe(CONNECTION_PAGE_SIZE_MAX * page);
    expect(costOf(`query ($n: Int) { parties(last: $n) { ${USERS_PAGE} } }`)).toBe(CONNECTION_PAGE_SIZE_MAX * page);
    // Past the largest page the field refuses the argument; the price does not grow beyond it.
    expect(costOf(`{ parties(first: 100000) { ${USERS_PAGE} } }`)).toBe(CONNECTION_PAGE_SIZE_MAX * page);
  });

  it('prices a ledger statement by its own page sizes: 50 by default, 500 at most', () => {
    const statement = (first: string) => `query ($id: ID!, $n: Int) { account(id: $id) { statement(${first}from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { lines { amount { amount } } } } }`;
    const one = costOf(statement('first: 1, ')) - 2;
    expect(costOf(statement('')) - 2).toBe(50 * one);
    expect(costOf(statement('first: $n, ')) - 2).toBe(STATEMENT_PAGE_SIZE_MAX * one);
  });

  it(`charges a workflow's status ${EXTERNAL_CALL_COST} more, for each object of the page`, () => {
    const plain = costOf('{ financings(first: 10) { edges { node { id } } } }');
    expect(costOf('{ financings(first: 10) { edges { node { id workflow { status } } } } }') - plain).toBe(10 * (EXTERNAL_CALL_COST + 2 + 1));
    expect(costOf(`{ financings(first: ${CONNECTION_PAGE_SIZE_MAX}) { edges { node { workflow { status } } } } }`)).toBeGreaterThan(QUERY_COST_MAX);
  });

  it('prices fragments where they are spread, and inline fragments as their selection', () => {
    const direct = costOf(`{ parties(first: 3) { edges { node { legalName } } } }`);
    expect(costOf(`{ parties(first: 3) { ... on QueryPartiesConnection { edges { node { legalName } } } } }`)).toBe(direct);
    expect(costOf(`query { parties(first: 3) { ...Page } } fragment Page on QueryPartiesConnection { edges { node { legalName } } }`)).toBe(direct);
  });
});
