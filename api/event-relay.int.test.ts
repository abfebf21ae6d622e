import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { relayOnce } from './event-relay';

// The relay's promise: an event is published only once no transaction that began before it can
// still commit, so the ids subscribers resume after never get an earlier event behind them.

const SUBJECT = '6f1c1a9e-2b1d-4c55-9a0e-0d6b1a2f3c4d';

async function writeOutboxRow(client: pg.ClientBase): Promise<void> {
  await client.query(`INSERT INTO "domain_event_outbox" ("type", "subject_id", "party_ids", "operators") VALUES ('NOTIFICATION_ADDED', $1, '{}', false)`, [SUBJECT]);
}

describe('the event relay', () => {
  let db: TestDatabase;
  let relay: pg.Client;
  let early: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    relay = new pg.Client({ connectionString: db.url });
    early = new pg.Client({ connectionString: db.url });
    await Promise.all([relay.connect(), early.connect()]);
  });
  afterAll(async () => {
    await Promise.all([relay.end(), early.end()]);
    await db.drop();
  });

  it('publishes nothing of a later transaction while an earlier one is still running, then both in transaction order', async () => {
    await relayOnce(relay);
    await early.query('BEGIN');
    await writeOutboxRow(early);
    const { rows } = await early.query<{ xid: string }>(`SELECT pg_current_xact_id()::text AS "xid"`);
    // A later transaction commits its event first.
    await db.query(`INSERT INTO "domain_event_outbox" ("type", "subject_id", "party_ids", "operators") VALUES ('RECEIVABLE_UPDATED', $1, '{}', false)`, [SUBJECT]);
    expect(await relayOnce(relay)).toBeNull();

    await early.query('COMMIT');
    // Transactions of other databases on the server hold the horizon back too: wait them out.
    const newest = await db.query<{ id: string | null }>(`SELECT max("id")::text AS "id" FROM "domain_event"`);
    let batch = await relayOnce(relay);
    for (let tries = 0; batch === null && tries < 200; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      batch = await relayOnce(relay);
    }
    expect(batch?.count).toBe(2);
    const published = await db.query<{ id: string; type: string }>(`SELECT "id"::text, "type" FROM "domain_event" WHERE "id" > $1 ORDER BY "id"`, [newest.rows[0]!.id ?? '0']);
    expect(published.rows.map((row) => row.type)).toEqual(['NOTIFICATION_ADDED', 'RECEIVABLE_UPDATED']);
    const cursor = await db.query<{ below: string }>(`SELECT "relayed_below_xact_id"::text AS "below" FROM "domain_event_relay"`);
    expect(BigInt(cursor.rows[0]!.below)).toBeGreaterThan(BigInt(rows[0]!.xid));
    expect((await db.query(`SELECT 1 FROM "domain_event_outbox"`)).rowCount).toBe(0);
    expect(await relayOnce(relay)).toBeNull();
  }, 60_000);

  it('leaves nothing of a rolled-back transaction', async () => {
    await relayOnce(relay);
    await early.query('BEGIN');
    await writeOutboxRow(early);
    await early.query('ROLLBACK');
    expect(await relayOnce(relay)).toBeNull();
  }, 60_000);
});
