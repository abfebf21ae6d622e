import { z } from 'zod';
import { PartyRole as PartyRoleValues, UserRole as UserRoleValues } from '../../prisma/generated/client/enums';
import { visiblePartiesWhere, visibleUsersWhere } from '../../prisma/stores/visibility';
import { createParty } from '../../use-cases/create-party';
import { LEGAL_NAME_LENGTH_MAX } from '../../domain/party-rules';
import type { PartyRole, Prisma } from '../../prisma/client';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { ConflictError } from '../../domain/errors';
import { COMMON_ERRORS } from '../errors';
import { rowIdOf, scopedById } from '../global-id';
import { nameUpTo } from '../validators';

export const PartyRoleEnum = builder.enumType('PartyRole', {
  values: Object.values(PartyRoleValues),
  description: 'What a party does on the platform; a party may have several roles.',
});

export const UserRoleEnum = builder.enumType('UserRole', {
  values: Object.values(UserRoleValues),
  description: 'MAKER prepares, CHECKER approves (never the same person for one action), VIEWER reads, ADMIN manages users and keys.',
});

export const PartyRef = builder.prismaNode('Party', {
  description: 'A legal entity: supplier, core enterprise (obligor), funder, or the platform.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visiblePartiesWhere(ctx.viewer)),
  fields: (t) => ({
    legalName: t.exposeString('legalName', { description: 'Legal name in any script, e.g. 深圳市华强电子有限公司.' }),
    creditCode: t.exposeString('creditCode', { description: '统一社会信用代码 (unified social credit code).' }),
    roles: t.field({ type: [PartyRoleEnum], resolve: (party) => party.roles }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    users: t.relatedConnection('users', {
      totalCount: true,
      cursor: 'id',
      description: "The party's users, oldest first: only those the caller may see (its own party's; any party's for operators), so a party reached through another object lists none and counts none.",
      // Filtered by the users' own rule, not by who may see the party: a Party is reached through
      // fields as well as by id, and another party's users must not show through it.
      query: (_args, ctx) => ({ where: visibleUsersWhere(ctx.viewer), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

const PartyFilter = builder.inputType('PartyFilter', {
  fields: (t) => ({
    role: t.field({ type: PartyRoleEnum, required: false }),
  }),
});

function partiesWhere(ctx: GraphQLContext, role: PartyRole | null | undefined): Prisma.PartyWhereInput {
  return { AND: [visiblePartiesWhere(ctx.viewer), role ? { roles: { has: role } } : {}] };
}

builder.queryFields((t) => ({
  party: t.prismaField({
    type: 'Party',
    nullable: true,
    description: 'A party by id: your own; any for operators; null otherwise, as for an id that does not exist.',
    args: { id: t.arg.globalID() },
    resolve: (query, _root, { id }, ctx) => ctx.prisma.party.findFirst({ ...query, where: scopedById(rowIdOf(id, 'Party'), visiblePartiesWhere(ctx.viewer)) }),
  }),
  parties: t.prismaConnection({
    nullable: true,
    type: 'Party',
    cursor: 'id',
    totalCount: (_root, { filter }, ctx) => ctx.prisma.party.count({ where: partiesWhere(ctx, filter?.role) }),
    description: 'Every party (operators only).',
    authScopes: { permitted: 'LIST_PARTIES' },
    args: { filter: t.arg({ type: PartyFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => ctx.prisma.party.findMany({ ...query, where: partiesWhere(ctx, filter?.role), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));

const CreatePartyInput = builder.inputType('CreatePartyInput', {
  fields: (t) => ({
    legalName: t.string({ validate: nameUpTo(LEGAL_NAME_LENGTH_MAX) }),
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
