import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { migrate, MIGRATIONS_DIR } from './migrate';
import { openAccount, type LedgerAccountView } from './stores/ledger/accounts';
import { postTransaction } from './stores/ledger/postings';

// Migration 20261130120100_ledger_transaction_sequence numbers the transactions already in a
// ledger in the order they were written, then lets the database number every new one.

const SEQUENCE_MIGRATION = '20261130120100_ledger_transaction_sequence';

describe('the ledger transaction sequence migration', () => {
  let db: TestDatabase;
  let dir: string;
  let pool: pg.Pool;

  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    dir = await mkdtemp(join(tmpdir(), 'scf-migrations-'));
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });

  afterEach(async () => {
    await pool.end();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  function transfer(from: LedgerAccountView, to: LedgerAccountView, idempotencyKey: string) {
    return {
      idempotencyKey,
      code: 'MANUAL_ADJUSTMENT',
      entries: [
        { accountId: from.id, direction: 'DEBIT' as const, amount: '1.00', currency: 'CNY' },
        { accountId: to.id, direction: 'CREDIT' as const, amount: '1.00', currency: 'CNY' },
      ],
    };
  }

  it('numbers existing transactions in the order they were written, and new ones after them', async () => {
    // The ledger as it was before the migration: the migrations before it only, since later ones
    // build on its column (the balance check at commit reads the sequence).
    const names = (await readdir(MIGRATIONS_DIR)).filter((name) => /^\d{14}_/.test(name)).sort();
    const earlier = names.filter((name) => name < SEQUENCE_MIGRATION);
    await cp(MIGRATIONS_DIR, dir, { recursive: true, filter: (source) => !names.some((name) => name >= SEQUENCE_MIGRATION && source.startsWith(join(MIGRATIONS_DIR, name))) });
    expect((await migrate(db.url, { dir })).applied).toEqual(earlier);
    const from = await openAccount(pool, { code: 'test:from', name: 'from', type: 'ASSET', purpose: 'ESCROW_BANK', currency: 'CNY' });
    const to = await openAccount(pool, { code: 'test:to', name: 'to', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    const written = ['k', 'c', 'x', 'a', 'q'];
    await postTransaction(pool, transfer(from, to, written[0]!));
    // Three in one database transaction: the same created_at, random ids.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const key of written.slice(1, 4)) await postTransaction(client, transfer(from, to, key));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await postTransaction(pool, transfer(from, to, written[4]!));

    // Then the migration, and every one after it, as an upgrade applies them.
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    expect((await migrate(db.url, { dir })).applied).toEqual(names.filter((name) => name >= SEQUENCE_MIGRATION));
    await postTransaction(pool, transfer(from, to, 'after'));

    const { rows } = await db.query<{ idempotency_key: string; sequence: string }>(`SELECT "idempotency_key", "sequence"::text FROM "ledger_transaction" ORDER BY "sequence"`);
    expect(rows).toEqual([...written, 'after'].map((key, index) => ({ idempotency_key: key, sequence: String(index + 1) })));
    // The database fills it; a caller cannot choose it.
    const chosen = db.query(`INSERT INTO "ledger_transaction" ("idempotency_key", "request_hash", "code", "sequence") VALUES ('chosen', repeat('0', 64), 'X', 99)`);
    await expect(chosen).rejects.toThrow(/cannot insert a non-DEFAULT value into column "sequence"/);
  });
});
