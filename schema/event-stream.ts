import { isOperator } from '../domain/actor';
import { ValidationError } from '../domain/errors';
import { domainEventsAfter, isAddressedTo, parseEventId, type DomainEvent, type DomainEventType } from '../prisma/stores/domain-event-store';
import { keyInForce } from '../prisma/stores/party-store';
import type { GraphQLContext } from './context';

// A subscription's stream: the outbox events of its kinds addressed to the caller, first those
// missed since the id the client resumes after (its `after` argument or the SSE Last-Event-ID
// header), then the live ones; each turned into its object by the query's own scoped lookup, so
// an event reaches a subscriber only when the query would have shown it the object.

/** Events a subscriber may have waiting; one that falls further behind is ended, and resumes after its last event id. */
export const SUBSCRIBER_BACKLOG_EVENTS_MAX = 1_000;

const CURRENT_EVENT_IDS = new WeakMap<object, string>();

/** The id of the event whose result the subscription is sending now (a subscription has one root field). */
export function currentEventIdOf(context: object): string | undefined {
  return CURRENT_EVENT_IDS.get(context);
}

export interface EventStreamOptions<T> {
  types: readonly DomainEventType[];
  /** The `after` argument, if given; else the Last-Event-ID header is read. */
  after: string | null | undefined;
  /** Narrows the events to those the subscriber asked about (one financing, one account). */
  accept?: (event: DomainEvent) => boolean;
  /** The object the event is about, by the query's scoped lookup; null when the caller may not see it. */
  load: (event: DomainEvent) => Promise<T | null>;
}

function resumePoint(ctx: GraphQLContext, after: string | null | undefined): bigint | null {
  const given = after ?? (ctx as { request?: Request }).request?.headers.get('last-event-id') ?? null;
  if (given === null || given === '') return null;
  const id = parseEventId(given);
  if (id === null) throw ValidationError.field(['after'], 'an event id is the decimal number a previous event carried (extensions.eventId)', 'INVALID_EVENT_ID');
  return id;
}

interface Waiter {
  stopped: boolean;
  wake: (() => void) | null;
}

/**
 * The stream as an iterator whose `return` (the client went away) ends it at once: an async
 * generator waiting for its next event would otherwise hold its listener until one came.
 */
export function eventStream<T>(ctx: GraphQLContext, options: EventStreamOptions<T>): AsyncIterableIterator<T> {
  const waiter: Waiter = { stopped: false, wake: null };
  const inner = streamEvents(ctx, options, waiter);
  const iterator: AsyncIterableIterator<T> = {
    next: () => inner.next(),
    return: (value?: unknown) => {
      waiter.stopped = true;
      waiter.wake?.();
      return inner.return(value);
    },
    throw: (error?: unknown) => inner.throw(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

async function* streamEvents<T>(ctx: GraphQLContext, { types, after, accept = () => true, load }: EventStreamOptions<T>, waiter: Waiter): AsyncGenerator<T> {
  const { events, viewer } = ctx;
  if (!events) throw new Error('this API was composed without an event feed');
  const resumeAfter = resumePoint(ctx, after);
  const kinds = new Set<DomainEventType>(types);
  const queue: DomainEvent[] = [];
  let behind = false;
  // Listen before reading what was missed, so nothing committed in between falls through; what
  // both see is sent once.
  const unlisten = await events.listen((event) => {
    if (!kinds.has(event.type) || !isAddressedTo(event, viewer) || !accept(event)) return;
    if (queue.length >= SUBSCRIBER_BACKLOG_EVENTS_MAX) behind = true;
    else queue.push(event);
    waiter.wake?.();
  });
  const sent = new Set<string>();
  // Lookups depend on the caller's party and whether it is an operator, nothing else: one per event for all alike.
  const scope = `${viewer.partyId}:${isOperator(viewer) ? 'operator' : 'party'}`;
  const objectOf = (event: DomainEvent) => events.memo(`${event.id}:${scope}`, () => load(event));
  // A stream is one long request: access taken away while it runs (the key revoked or expired,
  // its user disabled) ends it before anything more is sent; reconnecting is then refused (401).
  const inForce = () => keyInForce(ctx.prisma, viewer.apiKeyId);
  try {
    if (resumeAfter !== null) {
      for (const event of await domainEventsAfter(ctx.prisma, viewer, resumeAfter, types)) {
        if (!accept(event)) continue;
        sent.add(event.id);
        const value = await objectOf(event);
        if (value === null) continue;
        if (!(await inForce())) return;
        CURRENT_EVENT_IDS.set(ctx, event.id);
        yield value;
      }
    }
    for (;;) {
      while (queue.length === 0) {
        if (behind || waiter.stopped) return;
        await new Promise<void>((resolve) => {
          waiter.wake = resolve;
        });
        waiter.wake = null;
      }
      if (waiter.stopped) return;
      const event = queue.shift() as DomainEvent;
      // Sent by the replay, or delivered twice after the hub listened again; or at or before the
      // resume point, which the client has seen (the hub may hear of a batch after the replay read it).
      if (sent.has(event.id) || (resumeAfter !== null && BigInt(event.id) <= resumeAfter)) continue;
      sent.add(event.id);
      if (sent.size > 2 * SUBSCRIBER_BACKLOG_EVENTS_MAX) sent.delete(sent.values().next().value as string);
      const value = await objectOf(event);
      if (value === null) continue;
      if (!(await inForce())) return;
      CURRENT_EVENT_IDS.set(ctx, event.id);
      yield value;
    }
  } finally {
    unlisten();
  }
}
