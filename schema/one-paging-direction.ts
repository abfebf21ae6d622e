import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { ValidationError } from '../domain/errors';

/**
 * Paging arguments that ask for a page from the start (`first`, after `after`) and from the end
 * (`last`, before `before`) at once. `first` with `last` would be answered with one of the two
 * sizes (three receivables to a client that asked for one, each taken for the one it wanted);
 * the Prisma connections refuse `first` with `before` and `last` with `after` themselves, but the
 * connections built in memory would answer them with a window of yet another size.
 */
const MIXED_DIRECTIONS = [
  ['first', 'last'],
  ['first', 'before'],
  ['last', 'after'],
] as const;

/** The refusal of a connection's paging arguments that mix the two directions, or null. */
export function mixedPagingProblem(args: Record<string, unknown>): ValidationError | null {
  const mixed = MIXED_DIRECTIONS.find(([one, other]) => args[one] != null && args[other] != null);
  if (!mixed) return null;
  const [one, other] = mixed;
  return ValidationError.field([other], `cannot be used with ${one}: page from the start with first and after, or from the end with last and before`);
}

/**
 * Checks the paging arguments of every connection field (the fields that take both `first` and
 * `last`) before it resolves, so that a new connection is covered without remembering to be. The
 * refusal is the field's own error: the rest of the answer stands.
 */
class OnePagingDirectionPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (!('first' in fieldConfig.args && 'last' in fieldConfig.args)) return resolver;
    return (parent, args, context, info) => {
      const problem = mixedPagingProblem(args as Record<string, unknown>);
      if (problem) throw problem;
      return resolver(parent, args, context, info);
    };
  }
}

// Pothos knows its plugins by name through this global namespace.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      onePagingDirection: OnePagingDirectionPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('onePagingDirection', OnePagingDirectionPlugin);

export const onePagingDirection = 'onePagingDirection';
