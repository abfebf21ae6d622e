import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';

// The SQL migrations are the source of truth for the database; schema.prisma is what the
// application is compiled against. This test proves they describe the same tables,
// columns, types, nullability, unique constraints and enums, using Prisma's own parser.

interface DmmfField {
  name: string;
  dbName?: string;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isUnique: boolean;
  isId: boolean;
  nativeType?: [string, string[]] | null;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
  uniqueFields: string[][];
}

interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: Array<{ name: string; dbName?: string | null }>;
}

const require = createRequire(import.meta.url);
const SCHEMA_DIR = new URL('./schema/', import.meta.url).pathname;

function loadDmmf(): { models: DmmfModel[]; enums: DmmfEnum[] } {
  const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
  const files = readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.prisma'))
    .map((name) => [name, readFileSync(join(SCHEMA_DIR, name), 'utf8')]);
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: files }))) as { datamodel: { models: DmmfModel[]; enums: DmmfEnum[] } };
  return dmmf.datamodel;
}

const DEFAULT_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Decimal: 'numeric(65,30)',
  Float: 'double precision',
  Json: 'jsonb',
  Bytes: 'bytea',
};

function nativeToSql([name, args]: [string, string[]]): string {
  switch (name) {
    case 'VarChar':
      return `character varying(${args[0]})`;
    case 'Char':
      return `character(${args[0]})`;
    case 'Timestamptz':
      return `timestamp(${args[0] ?? 6}) with time zone`;
    case 'Timestamp':
      return `timestamp(${args[0] ?? 6}) without time zone`;
    case 'Decimal':
      return `numeric(${args.join(',')})`;
    case 'SmallInt':
      return 'smallint';
    case 'Uuid':
      return 'uuid';
    case 'Text':
      return 'text';
    case 'Date':
      return 'date';
    case 'JsonB':
      return 'jsonb';
    default:
      return name.toLowerCase();
  }
}

function expectedColumns(model: DmmfModel, enums: Map<string, DmmfEnum>): Record<string, { type: string; nullable: boolean }> {
  const columns: Record<string, { type: string; nullable: boolean }> = {};
  for (const field of model.fields) {
    if (field.kind === 'object') continue;
    let type: string;
    if (field.kind === 'enum') type = enums.get(field.type)?.dbName ?? field.type;
    else type = field.nativeType ? nativeToSql(field.nativeType) : (DEFAULT_TYPES[field.type] ?? field.type);
    if (field.isList) type = `${type}[]`;
    columns[field.dbName ?? field.name] = { type, nullable: !field.isRequired };
  }
  return columns;
}

function columnName(model: DmmfModel, fieldName: string): string {
  const field = model.fields.find((candidate) => candidate.name === fieldName);
  return field?.dbName ?? fieldName;
}

describe('schema.prisma and the migrated database', () => {
  let db: TestDatabase;
  const { models, enums } = loadDmmf();
  const enumsByName = new Map(enums.map((entry) => [entry.name, entry]));

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('have the same tables', async () => {
    const { rows } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`,
    );
    expect(rows.map((row) => row.table_name).sort()).toEqual(models.map((model) => model.dbName ?? model.name).sort());
  });

  it('have the same columns, types and nullability', async () => {
    for (const model of models) {
      const table = model.dbName ?? model.name;
      const { rows } = await db.query<{ column: string; type: string; nullable: boolean }>(
        `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
        [table],
      );
      const actual = Object.fromEntries(rows.map((row) => [row.column, { type: row.type.replaceAll('"', ''), nullable: row.nullable }]));
      expect(actual, `table ${table}`).toEqual(expectedColumns(model, enumsByName));
    }
  });

  it('have the same unique constraints and primary keys', async () => {
    for (const model of models) {
      const table = model.dbName ?? model.name;
      const expected = new Set<string>();
      for (const field of model.fields) {
        if (field.isUnique || field.isId) expected.add(columnName(model, field.name));
      }
      if (model.primaryKey) expected.add(model.primaryKey.fields.map((name) => columnName(model, name)).join(','));
      for (const fields of model.uniqueFields) expected.add(fields.map((name) => columnName(model, name)).join(','));

      // Unique indexes without a predicate; partial unique indexes are rules the SQL adds
      // beyond what Prisma's schema language can say, and are documented in the migrations.
      const { rows } = await db.query<{ columns: string }>(
        `SELECT string_agg(a.attname, ',' ORDER BY k.ord) AS columns
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         WHERE n.nspname = 'public' AND c.relname = $1 AND i.indisunique AND i.indpred IS NULL
         GROUP BY i.indexrelid`,
        [table],
      );
      expect(new Set(rows.map((row) => row.columns)), `table ${table}`).toEqual(expected);
    }
  });

  it('have the same enums and values', async () => {
    const { rows } = await db.query<{ name: string; values: string[] }>(
      `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' GROUP BY t.typname`,
    );
    const actual = Object.fromEntries(rows.map((row) => [row.name, row.values]));
    const expected = Object.fromEntries(enums.map((entry) => [entry.dbName ?? entry.name, entry.values.map((value) => value.dbName ?? value.name)]));
    expect(actual).toEqual(expected);
  });
});
