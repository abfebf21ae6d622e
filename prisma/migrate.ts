import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** The product's migrations, in Prisma's layout, so `prisma migrate deploy` and `status` agree with this runner. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url).pathname;

/**
 * The bank simulator's tables (schema bank_simulator), in the same layout but a folder of their
 * own: they are applied only where the simulator is the bank, and recorded in a bookkeeping
 * table inside that schema, so the product's `_prisma_migrations` lists exactly MIGRATIONS_DIR.
 */
export const BANK_SIMULATOR_MIGRATIONS_DIR = new URL('../bank/simulator/migrations/', import.meta.url).pathname;

// Migrations that were once in MIGRATIONS_DIR and now belong to the simulator's folder. A
// database migrated before the move still lists them in `_prisma_migrations`; the runner moves
// those rows to the simulator's bookkeeping (the tables stay as they are), so that neither this
// runner nor Prisma finds a migration applied that its folder does not have.
const MOVED_TO_BANK_SIMULATOR = ['20261122090000_bank_simulator'];

// The same key Prisma's migration engine takes, so a `prisma migrate deploy` on another
// machine and this runner never apply migrations at the same time.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** One folder of migrations and the table that records which of them are applied. */
interface MigrationSet {
  dir: string;
  /** The bookkeeping table, quoted (and schema-qualified where it is not the default schema). */
  table: string;
  /** The schema the table lives in when the set's own first migration creates it; null: the default schema. */
  schema: string | null;
}

const BANK_SIMULATOR_SCHEMA = 'bank_simulator';
const BANK_SIMULATOR_TABLE = `"${BANK_SIMULATOR_SCHEMA}"."_migrations"`;

// Prisma's own bookkeeping table, column for column, so `prisma migrate status` and
// `deploy` agree with what this runner applied. The simulator's table has the same columns.
function createMigrationsTable(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export interface SetResult {
  applied: string[];
  alreadyApplied: string[];
}

export interface MigrateResult extends SetResult {
  /** The simulator's migrations; null when they were not asked for. */
  bankSimulator: SetResult | null;
}

export interface MigrateOptions {
  /** Where the product's migrations are (tests use a copy). */
  dir?: string;
  /** Also apply the bank simulator's migrations: where the simulator is the bank (BANK_ADAPTER=simulator). */
  bankSimulator?: boolean;
  /** Where the simulator's migrations are (tests use a copy). */
  bankSimulatorDir?: string;
  log?: (line: string) => void;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations in name order, each in its own transaction with its
 * bookkeeping row, so a failure leaves neither half a migration nor a row claiming it.
 * Refuses to continue when an applied migration's file has changed since, or when a
 * migration is recorded as started but never finished. The product's migrations always; the
 * bank simulator's after them, when asked.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const product: MigrationSet = { dir: options.dir ?? MIGRATIONS_DIR, table: '"_prisma_migrations"', schema: null };
  const simulator: MigrationSet = { dir: options.bankSimulatorDir ?? BANK_SIMULATOR_MIGRATIONS_DIR, table: BANK_SIMULATOR_TABLE, schema: BANK_SIMULATOR_SCHEMA };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    await client.query(createMigrationsTable(product.table));
    await moveToBankSimulator(client, product, simulator, options.log);
    const result: MigrateResult = { ...(await applySet(client, product, options.log)), bankSimulator: null };
    if (options.bankSimulator) result.bankSimulator = await applySet(client, simulator, options.log);
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function schemaExists(client: pg.Client, schema: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rowCount === 1;
}

/**
 * Moves the bookkeeping rows of MOVED_TO_BANK_SIMULATOR from the product's table to the
 * simulator's, each in one transaction, keeping their checksums and times; the simulator's
 * runner then checks them against its own folder as usual. A row whose schema is gone (dropped
 * by hand) describes nothing any more and is only deleted: the simulator's migrations create
 * its tables again wherever it is used.
 */
async function moveToBankSimulator(client: pg.Client, product: MigrationSet, simulator: MigrationSet, log?: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ id: string; migration_name: string }>(
    `SELECT id, migration_name FROM ${product.table} WHERE migration_name = ANY($1) AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    [MOVED_TO_BANK_SIMULATOR],
  );
  for (const row of rows) {
    const kept = simulator.schema !== null && (await schemaExists(client, simulator.schema));
    await client.query('BEGIN');
    try {
      if (kept) {
        await client.query(createMigrationsTable(simulator.table));
        await client.query(
          `INSERT INTO ${simulator.table} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM ${product.table} AS moved
            WHERE moved.id = $1 AND NOT EXISTS (SELECT 1 FROM ${simulator.table} WHERE migration_name = moved.migration_name AND rolled_back_at IS NULL)`,
          [row.id],
        );
      }
      await client.query(`DELETE FROM ${product.table} WHERE id = $1`, [row.id]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new MigrationError(`moving migration ${row.migration_name} to ${simulator.dir} failed: ${(error as Error).message}`);
    }
    log?.(
      kept
        ? `moved the record of migration ${row.migration_name} to ${simulator.table} (its tables are kept)`
        : `forgot migration ${row.migration_name}: its schema ${simulator.schema ?? ''} no longer exists`,
    );
  }
}

async function applySet(client: pg.Client, set: MigrationSet, log?: (line: string) => void): Promise<SetResult> {
  const migrations = await loadMigrations(set.dir);
  // A set whose schema does not exist yet has applied nothing; its bookkeeping table is created
  // with its first migration, which creates the schema.
  let tableReady = set.schema === null || (await schemaExists(client, set.schema));
  if (tableReady) await client.query(createMigrationsTable(set.table));
  const { rows } = tableReady
    ? await client.query<AppliedRow>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${set.table} WHERE rolled_back_at IS NULL`)
    : { rows: [] as AppliedRow[] };
  const applied = new Map(rows.map((row) => [row.migration_name, row]));
  const known = new Set(migrations.map((migration) => migration.name));
  for (const row of rows) {
    if (row.finished_at === null) {
      throw new MigrationError(`migration ${row.migration_name} started but did not finish; resolve it by hand before migrating again`);
    }
    if (!known.has(row.migration_name)) {
      throw new MigrationError(`migration ${row.migration_name} is applied in the database but missing from ${set.dir}`);
    }
  }
  const result: SetResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row) {
      if (row.checksum !== migration.checksum) {
        throw new MigrationError(`migration ${migration.name} was modified after it was applied (checksum ${row.checksum} in the database, ${migration.checksum} on disk)`);
      }
      result.alreadyApplied.push(migration.name);
      continue;
    }
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      if (!tableReady) await client.query(createMigrationsTable(set.table));
      await client.query(
        `INSERT INTO ${set.table} (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new MigrationError(`migration ${migration.name} failed: ${(error as Error).message}`);
    }
    tableReady = true;
    log?.(`applied migration ${migration.name}`);
    result.applied.push(migration.name);
  }
  return result;
}
