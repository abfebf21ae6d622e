import type { SystemCheckResult } from '../../workflows/contracts/system-check';
import { runSystemCheck } from '../../use-cases/run-system-check';
import { builder } from '../builder';
import { COMMON_ERRORS } from '../errors';

const SystemCheck = builder.objectRef<SystemCheckResult>('SystemCheck').implement({
  description: 'Result of a round trip API → Temporal → worker → PostgreSQL.',
  fields: (t) => ({
    workflowId: t.exposeString('workflowId'),
    databaseVersion: t.string({ resolve: (result) => result.database.serverVersion }),
    appliedMigrations: t.int({ resolve: (result) => result.database.appliedMigrations }),
    latestMigration: t.string({ nullable: true, resolve: (result) => result.database.latestMigration }),
    completedAt: t.expose('completedAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('runSystemCheck', (t) =>
  t.field({
    type: SystemCheck,
    description: 'Runs the system check workflow and waits for its answer (operators only).',
    errors: { types: [...COMMON_ERRORS] },
    resolve: (_root, _args, ctx) => runSystemCheck(ctx, ctx.viewer),
  }),
);
