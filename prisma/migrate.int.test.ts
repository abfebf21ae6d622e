import { cp, mkdtemp, mkdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { loadMigrations, migrate, MIGRATIONS_DIR, MigrationError } from './migrate';

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
