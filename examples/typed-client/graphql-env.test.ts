import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GRAPHQL_ENV_PATH, renderGraphqlEnv } from './render-graphql-env';

// The typed client's types are generated from schema/schema.graphql and committed. A schema
// change that is printed but not regenerated would leave the example typed against an API that
// no longer exists: this fails until `npm run client:generate` is run.
describe('the typed client', () => {
  it('has graphql-env.d.ts generated from the current schema/schema.graphql', async () => {
    const committed = await readFile(GRAPHQL_ENV_PATH, 'utf8');
    expect(committed === (await renderGraphqlEnv()), 'examples/typed-client/graphql-env.d.ts is stale: run `npm run client:generate`').toBe(true);
  });
});
