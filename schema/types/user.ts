import { z } from 'zod';
import { createUser } from '../../use-cases/create-user';
import { issueApiKey } from '../../use-cases/issue-api-key';
import { revokeApiKey } from '../../use-cases/revoke-api-key';
import { approveUser } from '../../use-cases/approve-user';
import { rejectUser } from '../../use-cases/reject-user';
import { disableUser } from '../../use-cases/disable-user';
import { revokeUserApiKeys } from '../../use-cases/revoke-user-api-keys';
import { proposeUserRoles } from '../../use-cases/propose-user-roles';
import { decideUserRoles } from '../../use-cases/decide-user-roles';
import { builder } from '../builder';
import { rowIdOf, scopedById } from '../global-id';
import { visibleApiKeysWhere, visibleUserRoleChangesWhere, visibleUsersWhere } from '../../prisma/stores/visibility';
import { ConflictError, WrongStateError } from '../../domain/errors';
import { LOOKUP_ERRORS } from '../errors';
import { UserRoleEnum } from './party';
import { nameUpTo } from '../validators';
import { visibleUser } from '../visible-user';

const UserStatusEnum = builder.enumType('UserStatus', { values: ['PENDING', 'ACTIVE', 'REJECTED', 'DISABLED'] as const });

builder.prismaNode('User', {
  description: 'A login acting for exactly one party.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleUsersWhere(ctx.viewer)),
  fields: (t) => ({
    email: t.exposeString('email'),
    displayName: t.exposeString('displayName'),
    roles: t.field({ type: [UserRoleEnum], resolve: (user) => user.roles }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    status: t.field({ type: UserStatusEnum, description: 'PENDING until a second administrator approves it; only an ACTIVE user authenticates.', resolve: (user) => user.status }),
    party: t.relation('party'),
    apiKeys: t.relatedConnection('apiKeys', {
      totalCount: true,
      cursor: 'id',
      description: "The user's API keys (never their secrets), oldest first. Only the user itself, its party's administrators and operators see them.",
      query: (_args, ctx) => ({ where: visibleApiKeysWhere(ctx.viewer), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
    roleChanges: t.relatedConnection('roleChanges', {
      totalCount: true,
      cursor: 'id',
      description: "Proposed changes of the user's roles, oldest first: the one PENDING waits for a second administrator. The user itself, its party's administrators and operators see them.",
      query: (_args, ctx) => ({ where: visibleUserRoleChangesWhere(ctx.viewer), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

const UserRoleChangeStatusEnum = builder.enumType('UserRoleChangeStatus', { values: ['PENDING', 'APPLIED', 'REJECTED'] as const });

builder.prismaNode('UserRoleChange', {
  description: "A proposed change of a user's roles. It applies only when a second administrator of the proposer's side approves it.",
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleUserRoleChangesWhere(ctx.viewer)),
  fields: (t) => ({
    user: t.relation('user'),
    previousRoles: t.field({ type: [UserRoleEnum], description: 'The roles the user had when the change was proposed; it applies only if they still are.', resolve: (change) => change.previousRoles }),
    roles: t.field({ type: [UserRoleEnum], description: 'The roles the user has once the change applies.', resolve: (change) => change.roles }),
    status: t.field({ type: UserRoleChangeStatusEnum, resolve: (change) => change.status }),
    proposedBy: t.prismaField({
      type: 'User',
      nullable: true,
      description: "The administrator who proposed it, when the caller may see that user: null to a party for a change an operator proposed.",
      resolve: (query, change, _args, ctx) => visibleUser(ctx, query, change.proposedByUserId),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    decidedBy: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'The administrator who approved or rejected it, when the caller may see that user: null to a party for a change an operator decided.',
      resolve: (query, change, _args, ctx) => visibleUser(ctx, query, change.decidedByUserId),
    }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ProposeUserRolesInput = builder.inputType('ProposeUserRolesInput', {
  fields: (t) => ({
    userId: t.globalID(),
    roles: t.field({ type: [UserRoleEnum], description: "The user's roles once the change applies (all of them, not only those added)." }),
  }),
});

builder.prismaNode('ApiKey', {
  description: 'A bearer credential. The secret is shown once, when issued, and stored only as a keyed hash.',
  id: { field: 'id' },
  // node(id) answers null, not an error, for a row that is missing or not the caller's to see.
  nullable: true,
  findUnique: (id, ctx) => scopedById(id, visibleApiKeysWhere(ctx.viewer)),
  fields: (t) => ({
    keyId: t.exposeString('keyId', { description: 'Public part of the token; safe to show and log.' }),
    label: t.exposeString('label'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    user: t.relation('user'),
  }),
});


const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    partyId: t.globalID(),
    email: t.string({ validate: z.string().max(254, { message: 'must be at most 254 characters' }) }),
    displayName: t.string({ validate: nameUpTo(100) }),
    roles: t.field({ type: [UserRoleEnum] }),
  }),
});

const IssueApiKeyInput = builder.inputType('IssueApiKeyInput', {
  fields: (t) => ({
    userId: t.globalID(),
    label: t.string({ validate: z.string().max(400, { message: 'must be at most 100 characters' }) }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
  }),
});

interface IssuedApiKeyShape {
  token: string;
  apiKeyId: string;
}

const ApproveUserInput = builder.inputType('ApproveUserInput', {
  fields: (t) => ({
    userId: t.globalID(),
    apiKeyLabel: t.string({ description: "Label of the user's first key, whose token the approver receives once.", validate: z.string().max(400, { message: 'must be at most 100 characters' }) }),
  }),
});

const IssuedApiKey = builder.objectRef<IssuedApiKeyShape>('IssuedApiKey').implement({
  description: 'A new key and its token. Store the token now: it cannot be shown again.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`.' }),
    apiKey: t.prismaField({
      type: 'ApiKey',
      resolve: (query, parent, _args, ctx) => ctx.prisma.apiKey.findUniqueOrThrow({ ...query, where: { id: parent.apiKeyId } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  createUser: t.prismaField({
    type: 'User',
    description: "Proposes a user for a party (that party's administrators, or platform administrators). The user is PENDING until a second administrator of the proposer's party approves it (approveUser).",
    errors: { types: [...LOOKUP_ERRORS, ConflictError] },
    args: { input: t.arg({ type: CreateUserInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { userId } = await createUser(ctx, ctx.viewer, { ...input, partyId: rowIdOf(input.partyId, 'Party') });
      return ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: userId } });
    },
  }),
  issueApiKey: t.field({
    type: IssuedApiKey,
    description:
      "Issues an API key for the caller itself. A key for another user comes only with the user's approval by a second administrator (approveUser): KEY_FOR_ANOTHER_USER otherwise. The token is shown once; a copy of the request (same x-request-id) gets the same key and token for 24 hours, then SECRET_SHOWN_ONCE.",
    errors: { types: [...LOOKUP_ERRORS, ConflictError] },
    args: { input: t.arg({ type: IssueApiKeyInput }) },
    resolve: (_root, { input }, ctx) => issueApiKey(ctx, ctx.viewer, { ...input, userId: rowIdOf(input.userId, 'User') }),
  }),
  revokeApiKey: t.prismaField({
    type: 'ApiKey',
    description: 'Revokes an API key at once; requests bearing it get 401 from then on.',
    errors: { types: [...LOOKUP_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { apiKeyId } = await revokeApiKey(ctx, ctx.viewer, rowIdOf(id, 'ApiKey'));
      return ctx.prisma.apiKey.findUniqueOrThrow({ ...query, where: { id: apiKeyId } });
    },
  }),
  approveUser: t.field({
    type: IssuedApiKey,
    description:
      "A second administrator of the proposer's party approves a pending user; the answer carries the user's first key, whose token is shown once (a copy of the request, same x-request-id, gets the same answer for 24 hours, then SECRET_SHOWN_ONCE). The proposer, and any user the proposer administered, cannot (MAKER_CANNOT_CHECK).",
    errors: { types: [...LOOKUP_ERRORS, ConflictError, WrongStateError] },
    args: { input: t.arg({ type: ApproveUserInput }) },
    resolve: (_root, { input }, ctx) => approveUser(ctx, ctx.viewer, { ...input, userId: rowIdOf(input.userId, 'User') }),
  }),
  rejectUser: t.prismaField({
    type: 'User',
    description: 'A second administrator rejects a pending user; it never authenticates.',
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { userId } = await rejectUser(ctx, ctx.viewer, rowIdOf(id, 'User'));
      return ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: userId } });
    },
  }),
  proposeUserRoles: t.prismaField({
    type: 'UserRoleChange',
    description: "Proposes new roles for an active user of your party (an ADMIN of the party, or a platform ADMIN; never for yourself: OWN_ROLES). The user keeps its roles until a second administrator of your party approves (approveUserRoles); one change waits at a time (ROLE_CHANGE_PENDING).",
    errors: { types: [...LOOKUP_ERRORS, ConflictError, WrongStateError] },
    args: { input: t.arg({ type: ProposeUserRolesInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { changeId } = await proposeUserRoles(ctx, ctx.viewer, { userId: rowIdOf(input.userId, 'User'), roles: input.roles });
      return ctx.prisma.userRoleChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
  approveUserRoles: t.prismaField({
    type: 'UserRoleChange',
    description: "A second administrator of the proposer's party approves a change of roles: it applies at once, to every key of the user. The proposer, the user itself, and a user the proposer administers or who administers the proposer cannot (MAKER_CANNOT_CHECK, OWN_ROLES).",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { changeId } = await decideUserRoles(ctx, ctx.viewer, rowIdOf(id, 'UserRoleChange'), true);
      return ctx.prisma.userRoleChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
  rejectUserRoles: t.prismaField({
    type: 'UserRoleChange',
    description: "A second administrator rejects a change of roles; the user keeps its roles.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { changeId } = await decideUserRoles(ctx, ctx.viewer, rowIdOf(id, 'UserRoleChange'), false);
      return ctx.prisma.userRoleChange.findUniqueOrThrow({ ...query, where: { id: changeId } });
    },
  }),
  disableUser: t.prismaField({
    type: 'User',
    description: "Disables a user at once (an administrator of its party): all its keys are revoked and it can no longer authenticate.",
    errors: { types: [...LOOKUP_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { userId } = await disableUser(ctx, ctx.viewer, rowIdOf(id, 'User'));
      return ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: userId } });
    },
  }),
  revokeUserApiKeys: t.prismaField({
    type: 'User',
    description: "Revokes every API key of a user at once (the user, or an administrator of its party).",
    errors: { types: [...LOOKUP_ERRORS] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      const { userId } = await revokeUserApiKeys(ctx, ctx.viewer, rowIdOf(id, 'User'));
      return ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: userId } });
    },
  }),
}));
