import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import type PrismaTypes from '../prisma/generated/pothos-types';
import { getDatamodel } from '../prisma/generated/pothos-types';
import { isPermitted, type Action } from '../domain/actor';
import type { Decimal } from '../domain/money';
import { ForbiddenError, ValidationError } from '../domain/errors';
import type { GraphQLContext } from './context';
import { decodeGlobalId, encodeGlobalId } from './global-id';
import { onePagingDirection } from './one-paging-direction';

export const CONNECTION_PAGE_SIZE_DEFAULT = 20;
export const CONNECTION_PAGE_SIZE_MAX = 100;
/** nodes(ids) answers at most a page's worth of objects. */
export const NODES_IDS_MAX = CONNECTION_PAGE_SIZE_MAX;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  Scalars: {
    Decimal: { Input: Decimal; Output: Decimal | string | { toFixed(): string } };
    Rate: { Input: Decimal; Output: Decimal | string | { toFixed(): string } };
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
  };
  AuthScopes: {
    /** The caller may take this action (domain/actor.ts, PERMISSIONS). */
    permitted: Action;
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  // Errors first so authorization and validation failures become typed results;
  // relay before the prisma plugin's connection helpers use it; then every connection's paging
  // arguments checked before it resolves.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, ValidationPlugin, PrismaPlugin, RelayPlugin, onePagingDirection],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    // One scope, the permission table: a field says which action it is, never which roles.
    authScopes: (context) => ({
      permitted: (action) => isPermitted(context.viewer, action),
    }),
    unauthorizedError: () => new ForbiddenError('your party or role is not allowed to do this'),
  },
  errors: {
    defaultTypes: [],
    directResult: true,
    unsafelyHandleInputErrors: true,
  },
  validation: {
    validationError: (result) =>
      new ValidationError(
        result.issues.map((issue) => ({
          path: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)),
          message: issue.message,
        })),
      ),
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    maxConnectionSize: CONNECTION_PAGE_SIZE_MAX,
    defaultConnectionSize: CONNECTION_PAGE_SIZE_DEFAULT,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // node(id) and nodes(ids): each type loads through its own scoped lookup (schema/node-scopes.ts),
    // so another party's id answers null exactly like an id that does not exist.
    nodeQueryOptions: { description: 'Any object by its global id; null when it does not exist or is not yours to see.' },
    nodesQueryOptions: {
      description: `Objects by their global ids (at most ${NODES_IDS_MAX}), in the same order; null for each that does not exist or is not yours to see.`,
      nullable: { list: true, items: true },
      // One lookup per id: a page's worth at a time, like every list.
      resolve: (_root, { ids }, _context, _info, resolveNodes) => {
        if (ids.length > NODES_IDS_MAX) throw ValidationError.field(['ids'], `at most ${NODES_IDS_MAX} ids at a time`);
        return resolveNodes(ids);
      },
    },
    nodeTypeOptions: { description: 'An object with a global id: opaque, stable, and the same in every field that returns the object.' },
    idFieldOptions: { description: 'Global id: opaque; pass it back as it is.' },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => decodeGlobalId(globalId),
  },
});
