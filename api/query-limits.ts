import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type ASTVisitor,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { CONNECTION_PAGE_SIZE_DEFAULT, CONNECTION_PAGE_SIZE_MAX } from '../schema/builder';
import { STATEMENT_PAGE_SIZE_MAX } from '../prisma/stores/ledger/statements';

// Limits that keep one request from occupying the server, in one place so that the API and
// the test of the documented queries apply the same ones (see docs/ARCHITECTURE.md, Requests).
export const QUERY_DEPTH_MAX = 12;
export const QUERY_COST_MAX = 20_000;
export const QUERY_ALIASES_MAX = 15;
export const QUERY_TOKENS_MAX = 2000;
export const QUERY_DIRECTIVES_MAX = 20;

/** What an object or a scalar of the response costs. */
const OBJECT_COST = 2;
const SCALAR_COST = 1;

/**
 * What one call out of the API costs on top of its fields: a Temporal describe (a workflow's
 * status) is a round trip to another service per object, so 20 of them fit in a query and a
 * hundred (a full page of financings with their workflows) do not.
 */
export const EXTERNAL_CALL_COST = 250;

/** The fields that call out of the API when they resolve, by the type whose value they are. */
const EXTERNAL_CALL_TYPES = new Set(['WorkflowStatus']);

/** Whether resolving the field calls out of the API (and costs EXTERNAL_CALL_COST each time). */
export function callsOutOfTheApi(field: GraphQLField<unknown, unknown>): boolean {
  return EXTERNAL_CALL_TYPES.has(getNamedType(field.type).name);
}

/** Pages whose largest size is not the connections' CONNECTION_PAGE_SIZE_MAX. */
const PAGE_SIZE_MAX_BY_FIELD: Record<string, number> = { 'LedgerAccount.statement': STATEMENT_PAGE_SIZE_MAX };

/**
 * How many items a field with `first`/`last` may answer, as the document asks for it: the number
 * it writes; for a variable, the largest page the field serves (the cost is judged once per
 * document, before variables are read, so it must hold for any of them); when absent, the
 * field's declared default or the connections' default page size. A field without them is one.
 */
function pageSize(parentName: string, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
  const pageArgument = field.args.find((argument) => argument.name === 'first' || argument.name === 'last');
  if (pageArgument === undefined) return 1;
  const largest = PAGE_SIZE_MAX_BY_FIELD[`${parentName}.${field.name}`] ?? CONNECTION_PAGE_SIZE_MAX;
  let asked: number | undefined;
  for (const argument of node.arguments ?? []) {
    if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
    if (argument.value.kind === Kind.VARIABLE) return largest;
    const value: unknown = valueFromAST(argument.value, pageArgument.type);
    if (typeof value === 'number') asked = Math.max(asked ?? 0, value);
  }
  if (asked !== undefined) return Math.max(1, Math.min(asked, largest));
  const declared = typeof pageArgument.defaultValue === 'number' ? pageArgument.defaultValue : undefined;
  return declared ?? CONNECTION_PAGE_SIZE_DEFAULT;
}

/**
 * The document's cost, an upper bound of the values its response can hold plus what it makes
 * the API call out for: each scalar field costs SCALAR_COST, each object OBJECT_COST plus what it
 * selects, a field that calls out of the API EXTERNAL_CALL_COST more, and a page (`first`/`last`)
 * multiplies all of that by its size (pageSize). Pages nested in pages multiply through. A type
 * condition is not a level; a named fragment costs what its selection costs where it is spread.
 */
export function queryCost(context: ValidationContext, selectionSet: SelectionSetNode, parent: GraphQLCompositeType, spreading: ReadonlySet<string> = new Set()): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : parent;
      if (condition && isCompositeType(condition)) cost += queryCost(context, selection.selectionSet, condition, spreading);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // A fragment that spreads itself is refused by the standard rules; it costs nothing more here.
      if (!fragment || spreading.has(name)) continue;
      const condition = context.getSchema().getType(fragment.typeCondition.name.value);
      if (condition && isCompositeType(condition)) cost += queryCost(context, fragment.selectionSet, condition, new Set([...spreading, name]));
      continue;
    }
    // Introspection is for tools and bounded by the schema; __typename is a scalar like any other.
    if (selection.name.value === '__schema' || selection.name.value === '__type') continue;
    if (selection.name.value === '__typename') {
      cost += SCALAR_COST;
      continue;
    }
    const field = (isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined) as GraphQLField<unknown, unknown> | undefined;
    // An unknown field is reported by the standard rules.
    if (field === undefined) continue;
    const named = getNamedType(field.type);
    let fieldCost = SCALAR_COST;
    if (selection.selectionSet && isCompositeType(named)) fieldCost = OBJECT_COST + queryCost(context, selection.selectionSet, named, spreading);
    if (callsOutOfTheApi(field)) fieldCost += EXTERNAL_CALL_COST;
    cost += fieldCost * pageSize(parent.name, field, selection);
  }
  return cost;
}

/** The validation rule that refuses a document over QUERY_COST_MAX, saying the limit and the cost. */
export function queryCostRule(maxCost: number = QUERY_COST_MAX): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (!root) return;
      const cost = queryCost(context, operation.selectionSet, root);
      if (cost > maxCost) {
        // Thrown as graphql-armor's limits are, which stops the validation at the first limit passed.
        throw new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}: a page costs its size times what it selects (docs/api.md, "The cost of a query").`, { nodes: [operation], extensions: { code: 'QUERY_TOO_COSTLY', costMax: maxCost, cost } });
      }
    },
  });
}

/** The envelop plugin for queryCostRule. */
function queryCostLimit(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(queryCostRule()) };
}

type ArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;

/**
 * graphql-armor's configuration, field suggestions aside. Its own cost limit is off: it counts a
 * page only when its size is written as a number, and a page left to its default or passed in a
 * variable as one item, so the API counts the cost itself (queryCostRule) with QUERY_COST_MAX.
 * At that limit a full page (100 nodes) with every field of the node and of the objects it holds
 * fits, and so does a full ledger statement page (500 lines); two full pages nested in each other
 * (10,000 nodes, at least 70,000) never do, nor a full page of objects that each call Temporal.
 * The test of the documented queries and api/query-limits.int.test.ts hold both ends.
 */
export const QUERY_LIMITS = {
  maxDepth: { n: QUERY_DEPTH_MAX, ignoreIntrospection: true },
  costLimit: { enabled: false },
  maxAliases: { n: QUERY_ALIASES_MAX },
  maxTokens: { n: QUERY_TOKENS_MAX },
  maxDirectives: { n: QUERY_DIRECTIVES_MAX },
} as const satisfies ArmorConfig;

/** The plugin that applies QUERY_LIMITS and the cost; field suggestions are hidden unless GraphiQL is served. */
export function queryLimits({ suggestFields }: { suggestFields: boolean }): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      // The cost first: of a document over several limits, the cost is what it is refused for.
      addPlugin(queryCostLimit());
      addPlugin(EnvelopArmorPlugin({ ...QUERY_LIMITS, blockFieldSuggestion: { enabled: !suggestFields } }));
    },
  };
}
