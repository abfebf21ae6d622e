import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

// Limits that keep one request from occupying the server, in one place so that the API and
// the test of the documented queries apply the same ones (see docs/ARCHITECTURE.md, Requests).
export const QUERY_DEPTH_MAX = 12;
export const QUERY_COST_MAX = 20_000;
export const QUERY_ALIASES_MAX = 15;
export const QUERY_TOKENS_MAX = 2000;
export const QUERY_DIRECTIVES_MAX = 20;

type ArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;

/**
 * graphql-armor's configuration, field suggestions aside.
 *
 * The cost is an upper bound of the values a response can hold: every field costs 1, an object
 * 2, and a field's `first` or `last` multiplies what it selects. Depth does not compound the cost
 * (depthCostFactor 1) and a type condition (`... on Financing`) is not a level of the response
 * (flattenFragments), so the cost of a page grows with its size and its selection only. At
 * QUERY_COST_MAX a full page (100 nodes) with every field of the node and of the objects it
 * holds fits, and so does a full ledger statement page (500 lines); two full pages nested in
 * each other (10,000 nodes, at least 70,000) never do. The test of the documented queries and
 * api/query-limits.int.test.ts hold both ends.
 */
export const QUERY_LIMITS = {
  maxDepth: { n: QUERY_DEPTH_MAX, ignoreIntrospection: true },
  costLimit: { maxCost: QUERY_COST_MAX, objectCost: 2, scalarCost: 1, depthCostFactor: 1, flattenFragments: true, ignoreIntrospection: true },
  maxAliases: { n: QUERY_ALIASES_MAX },
  maxTokens: { n: QUERY_TOKENS_MAX },
  maxDirectives: { n: QUERY_DIRECTIVES_MAX },
} as const satisfies ArmorConfig;

/** The envelop plugin that applies QUERY_LIMITS; field suggestions are hidden unless GraphiQL is served. */
export function queryLimits({ suggestFields }: { suggestFields: boolean }): ReturnType<typeof EnvelopArmorPlugin> {
  return EnvelopArmorPlugin({ ...QUERY_LIMITS, blockFieldSuggestion: { enabled: !suggestFields } });
}
