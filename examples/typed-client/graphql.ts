import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env';

/**
 * The typed `graphql` tag: a document written with it knows its result and variables from the
 * schema, so a field that does not exist, or a wrong variable, fails the type check. The custom
 * scalars travel as strings: money and rates are decimal strings, dates ISO strings.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { Date: string; DateTime: string; Decimal: string; Rate: string };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
