import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { migrate, MIGRATIONS_DIR } from './migrate';

// Migration 20270103090000_administration_transitive closes the administration recorded before
// it was transitive: A approved B, B approved C (each link written alone, as it was then), so A
// held B's key and, through it, C's. After the migration C is administered by A and B, and A
// administers B and C, so a four-eyes check sees A and C as one person.

const MIGRATION = '20270103090000_administration_transitive';

describe('the administration closure migration', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    dir = await mkdtemp(join(tmpdir(), 'scf-migrations-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every user all the administrators above it and all the users below it', async () => {
    const names = (await readdir(MIGRATIONS_DIR)).filter((name) => /^\d{14}_/.test(name)).sort();
    await cp(MIGRATIONS_DIR, dir, { recursive: true, filter: (source) => !names.some((name) => name >= MIGRATION && source.startsWith(join(MIGRATIONS_DIR, name))) });
    await migrate(db.url, { dir });
    const party = await db.prisma.party.create({ data: { legalName: '测试平台', creditCode: '91110000MA00000001', roles: ['PLATFORM'] } });
    const user = (email: string) => db.prisma.user.create({ data: { partyId: party.id, email, displayName: email, roles: ['ADMIN'] } });
    const [a, b, c, d] = [await user('a@test.example'), await user('b@test.example'), await user('c@test.example'), await user('d@test.example')];
    // Direct links only, as recorded before: A → B, B → C; D alone.
    await db.prisma.user.update({ where: { id: a.id }, data: { administers: [b.id] } });
    await db.prisma.user.update({ where: { id: b.id }, data: { administeredBy: [a.id], administers: [c.id] } });
    await db.prisma.user.update({ where: { id: c.id }, data: { administeredBy: [b.id] } });

    // It and every migration after it.
    expect((await migrate(db.url)).applied).toEqual(names.filter((name) => name >= MIGRATION));
    const after = async (id: string) => {
      const row = await db.prisma.user.findUniqueOrThrow({ where: { id } });
      return { administeredBy: [...row.administeredBy].sort(), administers: [...row.administers].sort() };
    };
    expect(await after(a.id)).toEqual({ administeredBy: [], administers: [b.id, c.id].sort() });
    expect(await after(b.id)).toEqual({ administeredBy: [a.id], administers: [c.id] });
    expect(await after(c.id)).toEqual({ administeredBy: [a.id, b.id].sort(), administers: [] });
    expect(await after(d.id)).toEqual({ administeredBy: [], administers: [] });
  });
});
