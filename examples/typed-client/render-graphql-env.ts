import { readFile } from 'node:fs/promises';
import { buildSchema, introspectionFromSchema } from 'graphql';
import { minifyIntrospection, outputIntrospectionFile } from '@gql.tada/internal';

/** The printed schema the client is typed from: the API every deployment serves. */
export const SCHEMA_PATH = new URL('../../schema/schema.graphql', import.meta.url);
/** Where the generated types live, committed so that a reader needs no build step. */
export const GRAPHQL_ENV_PATH = new URL('./graphql-env.d.ts', import.meta.url);

/**
 * The text of graphql-env.d.ts for the printed schema, as `gql.tada generate output` writes it
 * (the same functions of gql.tada's own tooling, minified and preprocessed). Rendered in memory
 * so that the check can compare it with the committed file without writing anything.
 */
export async function renderGraphqlEnv(): Promise<string> {
  const schema = buildSchema(await readFile(SCHEMA_PATH, 'utf8'));
  const introspection = minifyIntrospection({ ...introspectionFromSchema(schema, { descriptions: false }), name: undefined });
  return outputIntrospectionFile(introspection, { fileType: '.d.ts', shouldPreprocess: true });
}
