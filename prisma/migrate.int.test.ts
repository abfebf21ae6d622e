import { cp, mkdtemp, mkdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { BANK_SIMULATOR_MIGRATIONS_DIR, loadMigrations, migrate, MIGRATIONS_DIR, MigrationError } from './migrate';

describe('migration runner', () => {
  let db: TestDatabase;
  let dir: string;

  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    dir = await mkdtemp(join(tmpdir(), 'scf-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
  });

  afterEach(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies every migration once and records it the way Prisma's engine does", async () => {
    const migrations = await loadMigrations(dir);
    const first = await migrate(db.url, { dir });
    expect(first.applied).toEqual(migrations.map((migration) => migration.name));

    const { rows } = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; rolled_back_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(first.applied);
    for (const [index, row] of rows.entries()) {
      expect(row.checksum).toBe(migrations[index]?.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }

    const second = await migrate(db.url, { dir });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    await migrate(db.url, { dir });
    const [firstMigration] = await loadMigrations(dir);
    await appendFile(join(dir, firstMigration!.name, 'migration.sql'), '\n-- edited afterwards\n');
    await expect(migrate(db.url, { dir })).rejects.toThrow(/was modified after it was applied/);
  });

  it('rolls back a failing migration entirely and records nothing for it', async () => {
    await migrate(db.url, { dir });
    const broken = join(dir, '99999999999999_broken');
    await mkdir(broken);
    await writeFile(join(broken, 'migration.sql'), 'CREATE TABLE "half_done" (id int);\nSELECT * FROM "no_such_table";\n');
    await expect(migrate(db.url, { dir })).rejects.toBeInstanceOf(MigrationError);
    const table = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(table.rowCount).toBe(0);
    const recorded = await db.query('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1', ['99999999999999_broken']);
    expect(recorded.rowCount).toBe(0);
  });

  it('refuses to run past a migration recorded as started but unfinished', async () => {
    await migrate(db.url, { dir });
    await db.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('00000000-0000-0000-0000-000000000001', 'x', 'zz_interrupted')`);
    await expect(migrate(db.url, { dir })).rejects.toThrow(/started but did not finish/);
  });

  it('serialises concurrent runners: each migration is applied exactly once', async () => {
    const results = await Promise.all([migrate(db.url, { dir }), migrate(db.url, { dir }), migrate(db.url, { dir })]);
    const appliedCount = results.reduce((sum, result) => sum + result.applied.length, 0);
    expect(appliedCount).toBe((await loadMigrations(dir)).length);
  });
});

describe("the bank simulator's migrations", () => {
  let db: TestDatabase;
  let dir: string;

  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    dir = await mkdtemp(join(tmpdir(), 'scf-migrations-'));
  });

  afterEach(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const names = async (table: string) => (await db.query<{ migration_name: string }>(`SELECT migration_name FROM ${table} ORDER BY migration_name`)).rows.map((row) => row.migration_name);
  const simulatorSchemaExists = async () => (await db.query("SELECT 1 FROM pg_namespace WHERE nspname = 'bank_simulator'")).rowCount === 1;

  /** A database as the runner left it before the simulator had its own folder: its first migration was one of the product's. */
  async function migrateTheOldWay(): Promise<void> {
    const old = join(dir, 'old');
    await cp(MIGRATIONS_DIR, old, { recursive: true });
    const [first] = await loadMigrations(BANK_SIMULATOR_MIGRATIONS_DIR);
    await cp(join(BANK_SIMULATOR_MIGRATIONS_DIR, first!.name), join(old, first!.name), { recursive: true });
    await migrate(db.url, { dir: old });
    expect(await names('"_prisma_migrations"')).toContain(first!.name);
  }

  it('are applied only when asked, and recorded in the simulator schema, not in the product’s _prisma_migrations', async () => {
    const product = (await loadMigrations(MIGRATIONS_DIR)).map((migration) => migration.name);
    const simulator = (await loadMigrations(BANK_SIMULATOR_MIGRATIONS_DIR)).map((migration) => migration.name);
    expect(simulator.length).toBeGreaterThan(0);

    const without = await migrate(db.url);
    expect(without).toEqual({ applied: product, alreadyApplied: [], bankSimulator: null });
    expect(await simulatorSchemaExists()).toBe(false);

    const withSimulator = await migrate(db.url, { bankSimulator: true });
    expect(withSimulator).toEqual({ applied: [], alreadyApplied: product, bankSimulator: { applied: simulator, alreadyApplied: [] } });
    expect(await names('"_prisma_migrations"')).toEqual(product);
    expect(await names('"bank_simulator"."_migrations"')).toEqual(simulator);

    expect((await migrate(db.url, { bankSimulator: true })).bankSimulator).toEqual({ applied: [], alreadyApplied: simulator });
  });

  it('take over a database migrated before they had their own folder, keeping its record and its data', async () => {
    await migrateTheOldWay();
    const [first, ...later] = await loadMigrations(BANK_SIMULATOR_MIGRATIONS_DIR);
    const before = (await db.query('SELECT id, checksum, started_at, finished_at FROM "_prisma_migrations" WHERE migration_name = $1', [first!.name])).rows[0];
    await db.query("INSERT INTO bank_simulator.account (account_number) VALUES ('62000000000001')");
    await db.query(
      `INSERT INTO bank_simulator.inbound_credit (account_number, sequence, virtual_account_number, amount, currency, payer_name, payer_account_number, remittance_information, received_at)
       VALUES ('62000000000001', 1, '6216610000000000018', 1000.00, 'CNY', '付款人', '31001234567890', '还款', now())`,
    );

    const result = await migrate(db.url, { bankSimulator: true });
    expect(result.applied).toEqual([]);
    expect(result.bankSimulator).toEqual({ applied: later.map((migration) => migration.name), alreadyApplied: [first!.name] });
    expect(await names('"_prisma_migrations"')).toEqual((await loadMigrations(MIGRATIONS_DIR)).map((migration) => migration.name));
    expect((await db.query('SELECT id, checksum, started_at, finished_at FROM "bank_simulator"."_migrations" WHERE migration_name = $1', [first!.name])).rows).toEqual([before]);
    expect((await db.query('SELECT amount::text AS amount FROM bank_simulator.inbound_credit')).rows).toEqual([{ amount: '1000.0000' }]);
  });

  it('do not stop a process that does not use the simulator on such a database: the record moves, the tables stay', async () => {
    await migrateTheOldWay();
    const [first] = await loadMigrations(BANK_SIMULATOR_MIGRATIONS_DIR);
    const result = await migrate(db.url);
    expect(result).toMatchObject({ applied: [], bankSimulator: null });
    expect(await names('"_prisma_migrations"')).not.toContain(first!.name);
    expect(await names('"bank_simulator"."_migrations"')).toEqual([first!.name]);
    expect((await db.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'bank_simulator' AND table_name = 'payout'")).rowCount).toBe(1);
  });

  it('forget the old record when its schema was dropped by hand, and create the tables again where the simulator is used', async () => {
    await migrateTheOldWay();
    await db.query('DROP SCHEMA bank_simulator CASCADE');
    const simulator = (await loadMigrations(BANK_SIMULATOR_MIGRATIONS_DIR)).map((migration) => migration.name);
    expect((await migrate(db.url, { bankSimulator: true })).bankSimulator).toEqual({ applied: simulator, alreadyApplied: [] });
    expect(await names('"bank_simulator"."_migrations"')).toEqual(simulator);
  });

  it('refuse a simulator migration whose file changed after it was applied', async () => {
    const copy = join(dir, 'simulator');
    await cp(BANK_SIMULATOR_MIGRATIONS_DIR, copy, { recursive: true });
    await migrate(db.url, { bankSimulator: true, bankSimulatorDir: copy });
    const [first] = await loadMigrations(copy);
    await appendFile(join(copy, first!.name, 'migration.sql'), '\n-- edited afterwards\n');
    await expect(migrate(db.url, { bankSimulator: true, bankSimulatorDir: copy })).rejects.toThrow(/was modified after it was applied/);
  });
});
