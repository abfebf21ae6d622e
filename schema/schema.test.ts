import { readFileSync } from 'node:fs';
import { buildSchema, extendSchema, lexicographicSortSchema, parse, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { developmentSchema, printedDevelopmentAdditions, printedSchema, schema } from './index';

const DEVELOPMENT_ONLY = ['simulateInboundCredit', 'scriptBankPayouts', 'reverseSimulatedCredit', 'SimulatedPayoutBehaviour', 'BankScript', 'BankReversal'];

function committed(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

describe('GraphQL schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema:print` after a deliberate change)', () => {
    expect(printedSchema()).toBe(committed('schema.graphql'));
  });

  it('keeps the development bank out of the schema every API serves', () => {
    for (const name of DEVELOPMENT_ONLY) expect(printedSchema(), name).not.toMatch(new RegExp(`\\b${name}\\b`));
    expect(schema.getMutationType()?.getFields()).not.toHaveProperty('simulateInboundCredit');
  });
});

describe('development schema', () => {
  it('matches the committed schema/development-bank.graphql (run `npm run schema:print` after a deliberate change)', async () => {
    expect(await printedDevelopmentAdditions()).toBe(committed('development-bank.graphql'));
  });

  it('is exactly schema.graphql extended by development-bank.graphql', async () => {
    const composed = extendSchema(buildSchema(committed('schema.graphql')), parse(committed('development-bank.graphql')));
    expect(printSchema(lexicographicSortSchema(composed))).toBe(printSchema(lexicographicSortSchema(await developmentSchema())));
  });

  it('adds the development bank and leaves the production schema as it was', async () => {
    const before = printedSchema();
    const development = await developmentSchema();
    for (const name of ['simulateInboundCredit', 'scriptBankPayouts', 'reverseSimulatedCredit']) expect(development.getMutationType()?.getFields(), name).toHaveProperty(name);
    for (const name of ['SimulatedPayoutBehaviour', 'BankScript', 'BankReversal']) expect(development.getType(name), name).toBeDefined();
    expect(printedSchema()).toBe(before);
    expect(await developmentSchema()).toBe(development);
  });
});
