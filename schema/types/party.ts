import { z } from 'zod';
import { PartyRole as PartyRoleValues, UserRole as UserRoleValues } from '../../prisma/generated/client/enums';
import { findVisibleParty } from '../../prisma/stores/party-store';
import { createParty } from '../../use-cases/create-party';
import { isOperator } from '../../domain/actor';
import { LEGAL_NAME_LENGTH_MAX } from '../../domain/party-rules';
import { builder } from '../builder';
import { uuid } from '../validators';
import { ConflictError } from '../../domain/errors';
import { COMMON_ERRORS, LOOKUP_ERRORS } from '../errors';

export const PartyRoleEnum = builder.enumType('PartyRole', {
  values: Object.values(PartyRoleValues),
  description: 'What a party does on the platform; a party may have several roles.',
});

export const UserRoleEnum = builder.enumType('UserRole', {
  values: Object.values(UserRoleValues),
  description: 'MAKER prepares, CHECKER approves (never the same person for one action), VIEWER reads, ADMIN manages users and keys.',
});

export const PartyRef = builder.prismaObject('Party', {
  description: 'A legal entity: supplier, core enterprise (obligor), funder, or the platform.',
  fields: (t) => ({
    id: t.exposeID('id'),
    legalName: t.exposeString('legalName', { description: 'Legal name in any script, e.g. 深圳市华强电子有限公司.' }),
    creditCode: t.exposeString('creditCode', { description: '统一社会信用代码 (unified social credit code).' }),
    roles: t.field({ type: [PartyRoleEnum], resolve: (party) => party.roles }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    users: t.relatedConnection('users', {
      cursor: 'id',
      description: "The party's users; visible to the party itself and to operators.",
      query: () => ({ orderBy: { createdAt: 'asc' } }),
    }),
  }),
});

const PartyFilter = builder.inputType('PartyFilter', {
  fields: (t) => ({
    role: t.field({ type: PartyRoleEnum, required: false }),
  }),
});

builder.queryFields((t) => ({
  party: t.prismaField({
    type: 'Party',
    description: 'A party by id. Other parties than your own are "not found" unless you are an operator.',
    errors: { types: [...LOOKUP_ERRORS] },
    args: { id: t.arg.id({ validate: uuid }) },
    resolve: async (query, _root, { id }, ctx) => {
      await findVisibleParty(ctx.prisma, ctx.viewer, String(id));
      return ctx.prisma.party.findUniqueOrThrow({ ...query, where: { id: String(id) } });
    },
  }),
  parties: t.prismaConnection({
    type: 'Party',
    cursor: 'id',
    description: 'Every party (operators only).',
    authScopes: { operator: true },
    errors: { types: [...COMMON_ERRORS] },
    args: { filter: t.arg({ type: PartyFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => {
      // authScopes has already refused non-operators; this is a second lock on the same door.
      if (!isOperator(ctx.viewer)) return [];
      return ctx.prisma.party.findMany({ ...query, where: filter?.role ? { roles: { has: filter.role } } : {}, orderBy: { createdAt: 'asc' } });
    },
  }),
}));

const CreatePartyInput = builder.inputType('CreatePartyInput', {
  fields: (t) => ({
    legalName: t.string({ validate: z.string().max(LEGAL_NAME_LENGTH_MAX * 4, { message: `must be at most ${LEGAL_NAME_LENGTH_MAX} characters` }) }),
    creditCode: t.string({ validate: z.string().max(64, { message: 'a unified social credit code has exactly 18 characters' }) }),
    roles: t.field({ type: [PartyRoleEnum] }),
  }),
});

builder.mutationFields((t) => ({
  createParty: t.prismaField({
    type: 'Party',
    description: 'Registers a party (platform administrators only).',
    errors: { types: [...COMMON_ERRORS, ConflictError] },
    args: { input: t.arg({ type: CreatePartyInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { partyId } = await createParty(ctx, ctx.viewer, input);
      return ctx.prisma.party.findUniqueOrThrow({ ...query, where: { id: partyId } });
    },
  }),
}));
