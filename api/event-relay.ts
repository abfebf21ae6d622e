import pg from 'pg';
import type { Logger } from 'pino';
import { EVENT_REPLAY_EVENTS_MAX } from '../prisma/stores/domain-event-store';

// The relay publishes events (docs/integrations.md, "How an event comes to be"). Writers never
// send NOTIFY: PostgreSQL serialises the commits of every transaction that did, which made each
// ledger posting wait its turn. Instead, one API process at a time (the holder of a session-level
// advisory lock; the others stand by and take over when its connection ends) copies into
// domain_event, in its own transactions:
//   * the rows the triggers left in domain_event_outbox, and
//   * one ACCOUNT_ACTIVITY event per ledger transaction and account, read from the ledger's own
//     rows, so a posting writes nothing for its events,
// of every database transaction older than all those still running (pg_snapshot_xmin), so no
// transaction can still commit an event that belongs before one already published. The ids of
// domain_event are therefore handed out in publication order, and a subscriber that resumes after
// an id misses nothing. Each batch ends with one NOTIFY carrying its first and last id.

export const DOMAIN_EVENT_CHANNEL = 'domain_event';
/** How often the relay looks for ended transactions: the delay an event may wait before it is published. */
export const RELAY_INTERVAL_MS = 150;
/** How often a standing-by process tries to become the relay. */
const RELAY_STANDBY_INTERVAL_MS = 1_000;
/** Identifies the relay's advisory lock among the application's. */
const RELAY_LOCK_KEY = 7_265_110_318_001n;
/**
 * Database transactions' rows (outbox rows and ledger transactions) one batch takes at most, so
 * a backlog (no API process ran for a while) is published in bounded transactions; a single
 * database transaction's events always go in one batch.
 */
export const RELAY_BATCH_ROWS_MAX = 5_000;
/**
 * Published events kept for resuming subscribers and other readers of domain_event; older ones
 * are deleted by the relay. Well above the replay window, so a resume the window allows finds
 * every event it needs.
 */
export const DOMAIN_EVENT_RETAINED_MAX = 10 * EVENT_REPLAY_EVENTS_MAX;

/** What one relay pass published: the ids of its first and last event, or null when there was nothing. */
export interface RelayedBatch {
  from: bigint;
  through: bigint;
  count: number;
}

/** One pass over `client`'s connection, in a transaction of its own. Exported for tests; the relay calls it. */
export async function relayOnce(client: pg.ClientBase): Promise<RelayedBatch | null> {
  await client.query('BEGIN');
  try {
    const cursor = await client.query<{ from: string }>(`SELECT "relayed_below_xact_id"::text AS "from" FROM "domain_event_relay" WHERE "id" = 1 FOR UPDATE`);
    const from = cursor.rows[0]?.from;
    if (from === undefined) throw new Error('domain_event_relay has no cursor row: is the database migrated?');
    // Every transaction with a lower id than the oldest running one has ended: its rows are
    // visible now, or it rolled back. In READ COMMITTED each later statement sees at least that.
    const snapshot = await client.query<{ below: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS "below"`);
    let below = BigInt(snapshot.rows[0]!.below);
    const capped = await client.query<{ xid: string }>(
      `SELECT c."xid"::text AS "xid" FROM (
         SELECT o."xact_id" AS "xid" FROM "domain_event_outbox" o WHERE o."xact_id" < $2
         UNION ALL
         SELECT t."created_xact_id" FROM "ledger_transaction" t WHERE t."created_xact_id" >= $1 AND t."created_xact_id" < $2
       ) c ORDER BY c."xid" OFFSET $3 LIMIT 1`,
      [from, below.toString(), RELAY_BATCH_ROWS_MAX],
    );
    const capXid = capped.rows[0]?.xid;
    if (capXid !== undefined) below = BigInt(capXid) > BigInt(from) ? BigInt(capXid) : BigInt(capXid) + 1n;
    if (below <= BigInt(from)) {
      await client.query('COMMIT');
      return null;
    }
    const inserted = await client.query<{ count: string; from: string | null; through: string | null }>(
      `WITH "outbox" AS (
         DELETE FROM "domain_event_outbox" WHERE "xact_id" < $2 RETURNING *
       ), "pending" AS (
         SELECT o."xact_id" AS "xid", 0 AS "kind", o."id" AS "ord", o."type", o."subject_id", o."financing_id", o."receivable_id",
                o."account_id", o."party_ids", o."operators", o."subject_status", o."occurred_at"
         FROM "outbox" o
         UNION ALL
         -- A posting touching an account: one event per transaction and account, for the
         -- account's owner (visibility.ts, visibleAccountsWhere) and operators.
         SELECT t."created_xact_id", 1, min(e."id"), 'ACCOUNT_ACTIVITY', t."id", NULL::uuid, NULL::uuid,
                e."account_id", array_remove(ARRAY[a."owner_party_id"], NULL), true, NULL::varchar, t."effective_at"
         FROM "ledger_transaction" t
         JOIN "ledger_entry" e ON e."transaction_id" = t."id"
         JOIN "ledger_account" a ON a."id" = e."account_id"
         WHERE t."created_xact_id" >= $1 AND t."created_xact_id" < $2
         GROUP BY t."created_xact_id", t."id", t."effective_at", e."account_id", a."owner_party_id"
       ), "published" AS (
         INSERT INTO "domain_event" ("type", "subject_id", "financing_id", "receivable_id", "account_id", "party_ids", "operators", "subject_status", "occurred_at")
         SELECT p."type", p."subject_id", p."financing_id", p."receivable_id", p."account_id", p."party_ids", p."operators", p."subject_status", p."occurred_at"
         FROM "pending" p
         ORDER BY p."xid", p."kind", p."ord"
         RETURNING "id"
       )
       SELECT count(*)::text AS "count", min("id")::text AS "from", max("id")::text AS "through" FROM "published"`,
      [from, below.toString()],
    );
    await client.query(`UPDATE "domain_event_relay" SET "relayed_below_xact_id" = $1, "relayed_at" = now() WHERE "id" = 1`, [below.toString()]);
    const row = inserted.rows[0]!;
    let batch: RelayedBatch | null = null;
    if (row.from !== null && row.through !== null) {
      batch = { from: BigInt(row.from), through: BigInt(row.through), count: Number(row.count) };
      await client.query(`DELETE FROM "domain_event" WHERE "id" <= $1`, [(batch.through - BigInt(DOMAIN_EVENT_RETAINED_MAX)).toString()]);
      await client.query(`SELECT pg_notify($1, $2)`, [DOMAIN_EVENT_CHANNEL, JSON.stringify({ from: row.from, through: row.through })]);
    }
    await client.query('COMMIT');
    return batch;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Runs in every API process; publishes while it holds the relay's lock, stands by otherwise. */
export class EventRelay {
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#schedule(0);
  }

  /** Whether this process is the relay now. */
  get active(): boolean {
    return this.#client !== null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#pass;
    const client = this.#client;
    this.#client = null;
    // Ending the session releases the lock: a standing-by process takes over.
    await client?.end().catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#pass = this.#tick().finally(() => {
        this.#pass = null;
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      if (!this.#client && !(await this.#acquire())) {
        this.#schedule(RELAY_STANDBY_INTERVAL_MS);
        return;
      }
      // A full batch means more is waiting: go on at once.
      const batch = await relayOnce(this.#client!);
      this.#schedule(batch && batch.count >= RELAY_BATCH_ROWS_MAX ? 0 : RELAY_INTERVAL_MS);
    } catch (error) {
      this.logger.warn({ err: error }, 'event relay pass failed');
      this.#drop();
      this.#schedule(RELAY_STANDBY_INTERVAL_MS);
    }
  }

  async #acquire(): Promise<boolean> {
    if (this.#closed) return false;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'scf-api-event-relay' });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'event relay connection failed');
      if (this.#client === client) this.#drop();
    });
    await client.connect();
    try {
      const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS "locked"', [RELAY_LOCK_KEY.toString()]);
      if (!locked.rows[0]?.locked || this.#closed) {
        await client.end();
        return false;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#client = client;
    this.logger.info('this process relays the events');
    return true;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = null;
    client?.end().catch(() => undefined);
  }
}
