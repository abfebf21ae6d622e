import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder';
import './scalars';
import './errors';
import './types/party';
import './types/user';
import './types/viewer';
import './types/system';
import './types/ledger';
import './types/receivable';
import './types/program';
import './types/financing';
import './types/servicing';
import './types/portfolio';
import './types/attention';

builder.queryType({});
builder.mutationType({});

export const schema = builder.toSchema();

/** The SDL committed as schema/schema.graphql, sorted so that diffs show real changes only. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
