import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` gets a throwaway PostgreSQL
// cluster and Temporal servers from test/global-setup.ts. Both use forked processes:
// Temporal's native bridge and Prisma do not belong in worker threads.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{api,schema,workflows,prisma,scripts,test}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{api,schema,workflows,prisma,scripts,test}/**/*.int.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
