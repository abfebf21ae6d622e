import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import type PrismaTypes from '../prisma/generated/pothos-types';
import { getDatamodel } from '../prisma/generated/pothos-types';
import type { Decimal } from '../domain/money';
import { ForbiddenError, ValidationError } from '../domain/errors';
import type { PartyRole, UserRole } from '../prisma/client';
import type { GraphQLContext } from './context';

export const CONNECTION_PAGE_SIZE_DEFAULT = 20;
export const CONNECTION_PAGE_SIZE_MAX = 100;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  Scalars: {
    Decimal: { Input: Decimal; Output: Decimal | string | { toFixed(): string } };
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
  };
  AuthScopes: {
    operator: boolean;
    partyRole: PartyRole;
    userRole: UserRole;
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  // Errors first so authorization and validation failures become typed results;
  // relay before the prisma plugin's connection helpers use it.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, ValidationPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: (context) => ({
      operator: context.viewer.partyRoles.includes('PLATFORM'),
      partyRole: (role) => context.viewer.partyRoles.includes(role),
      userRole: (role) => context.viewer.userRoles.includes(role),
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
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});
