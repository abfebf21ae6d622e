import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { relayOnce } from '../../api/event-relay';

/** How long a test waits for the transactions running when it asked to publish to end. */
const PUBLISH_WAIT_MS = 30_000;

/**
 * Publishes every event committed so far, as the API's relay would on its next pass, so a test
 * that reads what an event caused (a webhook delivery) need not wait for that pass. Passes are
 * serialised on the relay's cursor row, so this is safe beside a running relay.
 *
 * The relay publishes only below the cluster's oldest running transaction, of any database: a
 * test database shares its cluster with other test files, so a pass may publish nothing while
 * another file's transaction is open. This waits until the cursor has passed every transaction
 * that had started when it was called.
 */
export async function publishEvents(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = await client.query<{ next: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS "next"`);
    const target = BigInt(started.rows[0]!.next);
    const deadline = Date.now() + PUBLISH_WAIT_MS;
    for (;;) {
      while ((await relayOnce(client)) !== null);
      const cursor = await client.query<{ below: string }>(`SELECT "relayed_below_xact_id"::text AS "below" FROM "domain_event_relay" WHERE "id" = 1`);
      if (BigInt(cursor.rows[0]!.below) >= target) return;
      if (Date.now() > deadline) throw new Error(`events were not published within ${PUBLISH_WAIT_MS} ms: a transaction older than the call is still running`);
      await sleep(25);
    }
  } finally {
    await client.end();
  }
}
