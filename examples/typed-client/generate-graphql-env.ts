import { writeFile } from 'node:fs/promises';
import { GRAPHQL_ENV_PATH, renderGraphqlEnv } from './render-graphql-env';

// Rewrites examples/typed-client/graphql-env.d.ts from schema/schema.graphql
// (`npm run client:generate`, after `npm run schema:print`).
await writeFile(GRAPHQL_ENV_PATH, await renderGraphqlEnv());
console.log(`wrote ${GRAPHQL_ENV_PATH.pathname}`);
