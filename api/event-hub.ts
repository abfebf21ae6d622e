import pg from 'pg';
import type { Logger } from 'pino';
import type { PrismaClient } from '../prisma/client';
import { EVENT_REPLAY_EVENTS_MAX, type DomainEvent, type DomainEventType } from '../prisma/stores/domain-event-store';
import { DOMAIN_EVENT_CHANNEL } from './event-relay';

// One per API process: a connection of its own that LISTENs on the relay's channel and hands
// each published event to this process's subscribers. Every process listens, so each delivers to
// the subscribers connected to it, whichever process committed the change. The relay
// (api/event-relay.ts) sends one NOTIFY per batch with the batch's first and last id; the hub
// reads those rows from domain_event, in order, one read at a time.

export { DOMAIN_EVENT_CHANNEL };
/** How long the hub waits before it listens again after losing its connection. */
const RELISTEN_DELAY_MS = 1_000;
/** Scoped lookups kept for reuse by the subscribers of the same party (see `memo`). */
const LOOKUP_MEMO_ENTRIES_MAX = 10_000;

type Listener = (event: DomainEvent) => void;

/** A batch's id range from the relay's payload, or null when it is not one. */
function batchOf(payload: string): { from: bigint; through: bigint } | null {
  const parsed = JSON.parse(payload) as { from?: unknown; through?: unknown };
  if (typeof parsed.from !== 'string' || typeof parsed.through !== 'string' || !/^\d+$/.test(parsed.from) || !/^\d+$/.test(parsed.through)) return null;
  return { from: BigInt(parsed.from), through: BigInt(parsed.through) };
}

export class EventHub {
  readonly #listeners = new Set<Listener>();
  readonly #memo = new Map<string, Promise<unknown>>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #closed = false;
  /** The newest id delivered: after a lost connection, or a batch missed, domain_event is read from here so nothing is skipped. */
  #newestId: bigint | null = null;
  /** Reads of domain_event, one after another, so events are dispatched in id order and once. */
  #reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly databaseUrl: string | null,
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
  ) {}

  /** Hands every event to `listener` until the returned function is called; listens first if it does not yet. */
  async listen(listener: Listener): Promise<() => void> {
    this.#listeners.add(listener);
    try {
      await this.#connect();
    } catch (error) {
      this.#listeners.delete(listener);
      throw error;
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * One scoped lookup per event and key, shared by the subscribers it is the same for: a
   * thousand subscribers of one party cost one query per event, not a thousand.
   */
  memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let found = this.#memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = load();
      this.#memo.set(key, found);
      // Failures are not kept: the next subscriber asks again.
      found.catch(() => this.#memo.delete(key));
      if (this.#memo.size > LOOKUP_MEMO_ENTRIES_MAX) {
        const oldest = this.#memo.keys().next().value;
        if (oldest !== undefined) this.#memo.delete(oldest);
      }
    }
    return found;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<void> {
    if (this.#client) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error('the event hub is closed'));
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #open(): Promise<void> {
    if (!this.databaseUrl) throw new Error('subscriptions need the database URL: make the Prisma client with createPrismaClient');
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'scf-api-events' });
    client.on('notification', (message) => {
      if (message.channel !== DOMAIN_EVENT_CHANNEL || !message.payload) return;
      const batch = batchOf(message.payload);
      if (batch) this.#read(batch.from, batch.through);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'event listener connection failed');
      this.#lost(client);
    });
    client.on('end', () => this.#lost(client));
    await client.connect();
    await client.query(`LISTEN ${DOMAIN_EVENT_CHANNEL}`);
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    // After a lost connection: what was published while nobody listened.
    if (this.#newestId !== null) this.#read(this.#newestId + 1n, null);
  }

  /**
   * Dispatches the published events from `from` (or from the newest delivered, if that is
   * earlier: a batch was missed) through `through` (null: all there are), after the reads
   * before it.
   */
  #read(from: bigint, through: bigint | null): void {
    this.#reading = this.#reading.then(async () => {
      const start = this.#newestId !== null && this.#newestId + 1n < from ? this.#newestId + 1n : from;
      const rows = await this.prisma.domainEvent.findMany({ where: { id: { gte: start, ...(through !== null ? { lte: through } : {}) } }, orderBy: { id: 'asc' }, take: EVENT_REPLAY_EVENTS_MAX });
      for (const row of rows) {
        if (this.#newestId !== null && row.id <= this.#newestId) continue;
        this.#dispatch({ id: row.id.toString(), type: row.type as DomainEventType, subjectId: row.subjectId, financingId: row.financingId, receivableId: row.receivableId, accountId: row.accountId, partyIds: row.partyIds, operators: row.operators });
      }
    }).catch((error: unknown) => this.logger.warn({ err: error }, 'published events could not be read'));
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => undefined);
    if (this.#closed || this.#listeners.size === 0) return;
    setTimeout(() => {
      this.#connect().catch((error: unknown) => this.logger.warn({ err: error }, 'event listener could not listen again'));
    }, RELISTEN_DELAY_MS).unref();
  }

  #dispatch(event: DomainEvent): void {
    const id = BigInt(event.id);
    if (this.#newestId === null || id > this.#newestId) this.#newestId = id;
    for (const listener of this.#listeners) listener(event);
  }
}
