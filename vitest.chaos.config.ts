import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the resilience scenarios (test/chaos/), apart from `npm test` because
// they run for minutes. Each file starts its own PostgreSQL, Temporal server, API and worker
// as processes it can kill, so the files run one after the other, never side by side.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    pool: 'forks',
    fileParallelism: false,
    include: ['test/chaos/**/*.chaos.test.ts'],
    setupFiles: ['test/register-tsx.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
});
