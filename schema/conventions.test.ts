import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';

// The API's conventions (docs/api.md), checked over the printed schema so that a field that
// breaks one fails here, with its name, before any client sees it.

const ROOT = new URL('..', import.meta.url).pathname;

function printedSchema(): GraphQLSchema {
  return buildSchema(['schema/schema.graphql', 'schema/development-bank.graphql'].map((file) => readFileSync(`${ROOT}${file}`, 'utf8')).join('\n'));
}

/** Computations a business rule can refuse: they answer like mutations, with a result union. */
const REFUSABLE_QUERIES = new Set(['quoteFinancing']);

/** The wording that states a plain list's bound in its description. */
const BOUND_STATED = /at most|a handful|one per|only|fixed at/i;

function objectTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'));
}

function implementsError(type: GraphQLNamedType): boolean {
  return isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Error');
}

/** The violations of one rule, as "Type.field: why" lines (empty when the schema keeps it). */
type Rule = (schema: GraphQLSchema) => string[];

export const RULES: Record<string, Rule> = {
  'queries return the plain type: a lookup is nullable, a list is a connection, only refusable computations return a union': (schema) => {
    const problems: string[] = [];
    for (const field of Object.values(schema.getQueryType()!.getFields())) {
      const named = getNamedType(field.type);
      if (REFUSABLE_QUERIES.has(field.name)) {
        if (!isUnionType(named)) problems.push(`Query.${field.name}: a refusable computation answers with a result union`);
        continue;
      }
      if (isUnionType(named)) problems.push(`Query.${field.name}: a query returns ${named.name}, a union; lookups and lists return the plain type`);
      // A refusal (bad input, a role that may not ask) is an error that nulls this field only, not the whole answer.
      if (field.args.length > 0 && isNonNullType(field.type)) problems.push(`Query.${field.name}: takes arguments, so it can be refused, and must be nullable`);
      if (isListType(getNullableType(field.type)) && field.name !== 'nodes' && !BOUND_STATED.test(field.description ?? '')) {
        problems.push(`Query.${field.name}: a list that can grow is a connection (or its description states its bound)`);
      }
    }
    return problems;
  },

  'mutations return a result union of their payload and typed errors': (schema) => {
    const problems: string[] = [];
    for (const field of Object.values(schema.getMutationType()!.getFields())) {
      const type = getNullableType(field.type);
      if (!isNonNullType(field.type) || !isUnionType(type)) {
        problems.push(`Mutation.${field.name}: returns ${String(field.type)}, not a non-null result union`);
        continue;
      }
      const members = type.getTypes();
      const payloads = members.filter((member) => !implementsError(member));
      if (payloads.length !== 1) problems.push(`Mutation.${field.name}: ${type.name} has ${payloads.length} payload types (one expected)`);
      if (members.length - payloads.length < 1) problems.push(`Mutation.${field.name}: ${type.name} lists no typed error`);
    }
    return problems;
  },

  'every amount is Money and every rate is Rate': (schema) => {
    const problems: string[] = [];
    for (const type of objectTypes(schema)) {
      for (const field of Object.values(type.getFields())) {
        const named = getNamedType(field.type).name;
        if (named === 'Decimal' && !(type.name === 'Money' && field.name === 'amount')) problems.push(`${type.name}.${field.name}: a bare Decimal; amounts are Money, rates are Rate`);
        if (/Rate$/.test(field.name) && named !== 'Rate') problems.push(`${type.name}.${field.name}: a rate is of type Rate, not ${named}`);
      }
    }
    return problems;
  },

  'every object with an id is a Node, and its id is a global ID': (schema) => {
    const problems: string[] = [];
    // An error's id is the id the request named, not an object's.
    for (const type of objectTypes(schema).filter((candidate) => !implementsError(candidate))) {
      const id = type.getFields().id;
      if (!id) continue;
      if (!type.getInterfaces().some((face) => face.name === 'Node')) problems.push(`${type.name}: has an id but does not implement Node`);
      if (String(id.type) !== 'ID!') problems.push(`${type.name}.id: is ${String(id.type)}, not ID!`);
    }
    return problems;
  },

  'every connection has a totalCount for paging': (schema) =>
    objectTypes(schema)
      .filter((type) => type.name.endsWith('Connection') && type.getFields().edges)
      .filter((type) => !type.getFields().totalCount)
      .map((type) => `${type.name}: a connection without totalCount`),

  'every list of objects on an object is a connection or states its bound': (schema) => {
    const problems: string[] = [];
    const isPlumbing = (type: GraphQLObjectType) => type.name.endsWith('Connection') || type.name.endsWith('Edge') || type.name === 'Query' || type.name === 'Mutation' || implementsError(type);
    for (const type of objectTypes(schema).filter((candidate) => !isPlumbing(candidate))) {
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        const list = isListType(getNullableType(field.type));
        const ofObjects = isObjectType(getNamedType(field.type)) || isInterfaceType(getNamedType(field.type));
        if (list && ofObjects && !BOUND_STATED.test(field.description ?? '')) problems.push(`${type.name}.${field.name}: a list of objects that is neither a connection nor bounded in its description`);
      }
    }
    return problems;
  },
};

describe('the API conventions hold for every field of the printed schema', () => {
  const schema = printedSchema();
  for (const [rule, check] of Object.entries(RULES)) {
    it(rule, () => {
      expect(check(schema)).toEqual([]);
    });
  }
});

describe('the convention checks catch a field that breaks them', () => {
  const broken = buildSchema(`
    interface Error { code: String! message: String! }
    interface Node { id: ID! }
    type NotFoundError implements Error { code: String! message: String! }
    type Money { amount: Decimal! currency: String! }
    scalar Decimal
    scalar Rate
    type Thing { id: ID! total: Decimal! advanceRate: Decimal! parts: [Thing!]! pages: ThingConnection! }
    type ThingConnection { edges: [ThingEdge!]! }
    type ThingEdge { node: Thing! }
    union ThingOrError = Thing | NotFoundError
    type Query { thing(id: ID!): ThingOrError things: [Thing!]! other(id: ID!): Thing! }
    type Mutation { makeThing: Thing! }
  `);
  it.each(Object.keys(RULES))('%s', (rule) => {
    expect(RULES[rule]!(broken).length).toBeGreaterThan(0);
  });
});
