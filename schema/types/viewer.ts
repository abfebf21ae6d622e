import { builder } from '../builder';

const Viewer = builder.objectRef<{ apiKeyId: string }>('Viewer').implement({
  description: 'Who is calling: the user behind the bearer token and the party it acts for.',
  fields: (t) => ({
    apiKey: t.prismaField({
      type: 'ApiKey',
      description: 'The key this request came with.',
      resolve: (query, viewer, _args, ctx) => ctx.prisma.apiKey.findUniqueOrThrow({ ...query, where: { id: viewer.apiKeyId } }),
    }),
  }),
});

builder.objectFields(Viewer, (t) => ({
  user: t.prismaField({
    type: 'User',
    resolve: (query, _parent, _args, ctx) => ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: ctx.viewer.userId } }),
  }),
  party: t.prismaField({
    type: 'Party',
    resolve: (query, _parent, _args, ctx) => ctx.prisma.party.findUniqueOrThrow({ ...query, where: { id: ctx.viewer.partyId } }),
  }),
}));

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    resolve: (_root, _args, ctx) => ({ apiKeyId: ctx.viewer.apiKeyId }),
  }),
);
