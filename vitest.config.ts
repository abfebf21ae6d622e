import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` gets a throwaway PostgreSQL
// cluster and Temporal servers from test/global-setup.ts. Both use forked processes:
// Temporal's native bridge and Prisma do not belong in worker threads.
export default defineConfig({
  // One copy of graphql: Pothos loads its CommonJS build, so ours must too, or schema
  // objects fail graphql's instanceof checks ("Cannot use GraphQLSchema from another module").
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{api,bank,domain,examples,schema,use-cases,workflows,prisma,scripts,test}/**/*.test.ts'],
          // The resilience scenarios run under `npm run test:chaos` (vitest.chaos.config.ts).
          exclude: ['**/*.int.test.ts', '**/*.chaos.test.ts', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{api,bank,domain,examples,schema,use-cases,workflows,prisma,scripts,test}/**/*.int.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/register-tsx.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
