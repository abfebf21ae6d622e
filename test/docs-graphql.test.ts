import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { QUERY_COST_MAX, QUERY_DEPTH_MAX, QUERY_TOKENS_MAX } from '../api/query-limits';
import { checkGraphQLSnippet } from './support/check-graphql-snippet';
import { graphqlSnippets, type GraphQLSnippet } from './support/graphql-snippets';

// The GraphQL that README.md and docs/ show a user must run as written against today's schema
// and within the API's limits (see test/support/graphql-snippets.ts for how a page marks its
// snippets). A page that shows a query the API refuses fails here, with its file and line.

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** The printed schema the API serves, as SDL: what the documents are validated against. */
/**
 * The schema the docs are written for: what `npm start` serves, the schema every API serves
 * plus what development adds with the simulated bank (the README plays the bank).
 */
function printedSchemaSource(): string {
  return ['schema/schema.graphql', 'schema/development-bank.graphql'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');
}

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return markdownFiles(path);
    return path.endsWith('.md') ? [path] : [];
  });
}

const schema = buildSchema(printedSchemaSource());
const pages = ['README.md', ...markdownFiles('docs')];
const snippets = pages.flatMap((page) => graphqlSnippets(readFileSync(join(ROOT, page), 'utf8'), relative(ROOT, join(ROOT, page))));

function snippet(source: string, overrides: Partial<GraphQLSnippet> = {}): GraphQLSnippet {
  return { file: 'page.md', line: 10, kind: 'operation', source, ...overrides };
}

describe('GraphQL in README.md and docs/', () => {
  it('finds the snippets of the pages that show the API', () => {
    const files = new Set(snippets.map((found) => found.file));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/errors.md');
    expect(snippets.filter((found) => found.kind === 'operation').length).toBeGreaterThan(5);
  });

  it.each(snippets.map((found) => [`${found.file}:${found.line}`, found] as const))('%s runs as written', (_where, found) => {
    expect(checkGraphQLSnippet(found, schema)).toEqual([]);
  });
});

describe('the snippet extractor', () => {
  const page = [
    '# A page', // 1
    '', // 2
    '```graphql', // 3
    'query ($id: ID!) { financing(id: $id) { __typename } }', // 4
    '```', // 5
    '', // 6
    '```json', // 7
    '{ "id": "F-1" }', // 8
    '```', // 9
    '', // 10
    '```graphql sdl', // 11
    'interface Error { code: String! }', // 12
    '```', // 13
    '', // 14
    '- in a list:', // 15
    '  ```gql', // 16
    '  { viewer { apiKey { keyId } } }', // 17
    '  ```', // 18
    '', // 19
    '```sh', // 20
    'curl -s http://127.0.0.1:4000/graphql \\', // 21
    `  -d '{"query":"{ viewer { party { legalName } } }"}'`, // 22
    '```', // 23
    '', // 24
    '```ts', // 25
    'const query = "{ not graphql }";', // 26
    '```', // 27
    '```graphql runnable', // 28
    '{ viewer { apiKey { keyId } } }', // 29
    '```', // 30
    '```` ```graphql ```` in a sentence is not a fence', // 31
    '```graphql', // 32
    '{ viewer { party { id } } }', // 33
    '```', // 34
  ].join('\n');

  it('finds fenced operations with their variables, schema excerpts, indented blocks and curl bodies, with their lines', () => {
    const found = graphqlSnippets(page, 'page.md');
    expect(found.map(({ line, kind, variables }) => ({ line, kind, variables: variables?.line }))).toEqual([
      { line: 4, kind: 'operation', variables: 8 },
      { line: 12, kind: 'schema', variables: undefined },
      { line: 17, kind: 'operation', variables: undefined },
      { line: 22, kind: 'operation', variables: undefined },
      { line: 29, kind: 'operation', variables: undefined },
      { line: 33, kind: 'operation', variables: undefined },
    ]);
    expect(found[2]?.source).toBe('{ viewer { apiKey { keyId } } }');
    expect(found[3]?.source).toBe('{ viewer { party { legalName } } }');
    expect(found[4]?.problem).toMatch(/unknown marking/);
  });

  it('accepts the valid ones', () => {
    const [withVariables, excerpt, indented, curl] = graphqlSnippets(page, 'page.md');
    for (const valid of [withVariables, excerpt, indented, curl]) expect(checkGraphQLSnippet(valid as GraphQLSnippet, schema)).toEqual([]);
  });
});

describe('the snippet check', () => {
  it('fails a field the type does not have, with the file and the line', () => {
    const problems = checkGraphQLSnippet(snippet('query {\n  financing(id: "F-1") { amount }\n}'), schema);
    expect(problems).toEqual([expect.stringMatching(/^page\.md:11: Cannot query field "amount" on type "Financing"/)]);
  });

  it('fails a syntax error and an unknown argument', () => {
    expect(checkGraphQLSnippet(snippet('{ viewer { apiKey { keyId } }'), schema)[0]).toMatch(/^page\.md:10: Syntax Error/);
    expect(checkGraphQLSnippet(snippet('{ financings(size: 3) { edges { cursor } } }'), schema)[0]).toMatch(/Unknown argument "size"/);
  });

  it('fails two anonymous operations in one block: GraphiQL could not run it', () => {
    expect(checkGraphQLSnippet(snippet('{ viewer { apiKey { keyId } } }\n{ viewer { apiKey { keyId } } }'), schema)[0]).toMatch(/must be the only defined operation/);
  });

  it('fails a variable that is used but not declared, and a required one not given', () => {
    expect(checkGraphQLSnippet(snippet('{ financing(id: $id) { __typename } }'), schema)[0]).toMatch(/Variable "\$id" is not defined/);
    expect(checkGraphQLSnippet(snippet('query ($id: ID!) { financing(id: $id) { __typename } }'), schema)[0]).toMatch(/page\.md:10: Variable "\$id" of required type "ID!" was not provided/);
    expect(checkGraphQLSnippet(snippet('query ($id: ID!) { financing(id: $id) { __typename } }', { variables: { line: 14, text: '{ "id": ' } }), schema)[0]).toMatch(/^page\.md:14: the variables are not JSON/);
  });

  it(`fails what the API's limits refuse: depth over ${QUERY_DEPTH_MAX}, cost over ${QUERY_COST_MAX}, tokens over ${QUERY_TOKENS_MAX}`, () => {
    // Pages of one: the depth, not the cost of nested pages, is what this document is over.
    const cycle = ['party', 'users(first: 1)', 'edges', 'node'];
    const fields = ['viewer', 'user', ...Array.from({ length: QUERY_DEPTH_MAX }, (_, index) => cycle[index % cycle.length] as string)];
    expect(checkGraphQLSnippet(snippet(`{ ${fields.join(' { ')} { __typename${' }'.repeat(fields.length)} }`), schema)[0]).toMatch(/depth limit/);
    const nested = '{ parties(first: 100) { ... on QueryPartiesConnection { edges { node { users(first: 100) { edges { node { email } } } } } } } }';
    expect(checkGraphQLSnippet(snippet(nested), schema)[0]).toMatch(/Cost limit/);
    const long = `{ ${Array.from({ length: QUERY_TOKENS_MAX }, () => '__typename').join(' ')} }`;
    expect(checkGraphQLSnippet(snippet(long), schema)[0]).toMatch(/Token limit/);
  });

  it('checks a schema excerpt against the printed schema, and refuses SDL in an operation block', () => {
    expect(checkGraphQLSnippet(snippet('interface Error { code: String!  message: String! }', { kind: 'schema' }), schema)).toEqual([]);
    expect(checkGraphQLSnippet(snippet('type Financing {\n  status: String!\n  amount: Money!\n}', { kind: 'schema' }), schema)).toEqual([
      'page.md:11: Financing.status is FinancingStatus!, not String!',
      'page.md:12: Financing has no field amount',
    ]);
    expect(checkGraphQLSnippet(snippet('interface Error { code: String! }'), schema)[0]).toMatch(/mark a schema excerpt/);
    expect(checkGraphQLSnippet(snippet('{ viewer { apiKey { keyId } } }', { kind: 'schema' }), schema)[0]).toMatch(/not a schema excerpt/);
  });
});
