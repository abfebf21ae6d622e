import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder';
import { printSchemaAdditions } from './schema-additions';
import './scalars';
import './errors';
import './types/party';
import './types/user';
import './types/viewer';
import './types/system';
import './types/ledger';
import './types/receivable';
import './types/program';
import './types/program-change';
import './types/financing';
import './types/repricing';
import './types/servicing';
import './types/balance-payout';
import './types/portfolio';
import './types/attention';
import './types/inbound-exception';
import './types/accounting-day';
import './types/bank-statement';
import './types/reconciliation-report';
import './types/reconciliation-resolution';
import './types/subscription';
import './types/webhook';
import './types/voucher';
import './types/voucher-financing';

builder.queryType({});
builder.mutationType({});

/** The schema every API serves: without the development bank's mutations. */
export const schema = builder.toSchema();

let development: Promise<GraphQLSchema> | undefined;

/**
 * The schema plus the development bank's mutations (types/development-bank.ts), for an API
 * whose bank is the simulator. The module is imported here, on first use, and nowhere else, so
 * a process that never asks never loads it (nor the simulator it imports). Pothos adds its types
 * to the same builder and builds a second schema; `schema` above is left as it was.
 */
export function developmentSchema(): Promise<GraphQLSchema> {
  development ??= import('./types/development-bank').then(() => builder.toSchema());
  return development;
}

/** The SDL committed as schema/schema.graphql, sorted so that diffs show real changes only. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** The SDL committed as schema/development-bank.graphql: what the development schema adds to schema.graphql. */
export async function printedDevelopmentAdditions(): Promise<string> {
  const header = [
    '# Served beyond schema.graphql only by an API whose bank is the simulator (npm start in development):',
    '# the development bank of schema/types/development-bank.ts. Printed by `npm run schema:print`.',
  ];
  return `${header.join('\n')}\n\n${printSchemaAdditions(schema, await developmentSchema())}`;
}
