import pg from 'pg';
import { relayOnce } from '../../api/event-relay';

/**
 * Publishes every event committed so far, as the API's relay would on its next pass, so a test
 * that reads what an event caused (a webhook delivery) need not wait for that pass. Passes are
 * serialised on the relay's cursor row, so this is safe beside a running relay.
 */
export async function publishEvents(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    while ((await relayOnce(client)) !== null);
  } finally {
    await client.end();
  }
}
