import { isOperator, type Actor } from '../../domain/actor';
import { EventReplayWindowError, ValidationError } from '../../domain/errors';
import type { PrismaClient } from '../client';

// Reads of the published events (the table `domain_event`, written only by the relay,
// api/event-relay.ts, in the order it publishes): what a subscriber that resumes after an event
// id missed.

/** The kinds of event the outbox holds (docs/integrations.md, "Event catalogue"). */
export const DOMAIN_EVENT_TYPES = ['FINANCING_UPDATED', 'RECEIVABLE_UPDATED', 'REPAYMENT_RECEIVED', 'ACCOUNT_ACTIVITY', 'NOTIFICATION_ADDED', 'INBOUND_EXCEPTION_RAISED', 'RECONCILIATION_ITEM_RAISED'] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** One outbox row as the API delivers it; the id is a decimal string (a bigint). */
export interface DomainEvent {
  id: string;
  type: DomainEventType;
  subjectId: string;
  financingId: string | null;
  receivableId: string | null;
  accountId: string | null;
  partyIds: string[];
  operators: boolean;
}

/**
 * How far back a subscriber may resume: at most this many events (of every kind, anyone's) may
 * have happened since the id it gives. Older than that, it reads the current state with queries
 * and subscribes afresh; a replay never grows without bound.
 */
export const EVENT_REPLAY_EVENTS_MAX = 10_000;

/** Whether the outbox row names the viewer among those who may receive it. */
export function isAddressedTo(event: Pick<DomainEvent, 'partyIds' | 'operators'>, viewer: Actor): boolean {
  return (event.operators && isOperator(viewer)) || event.partyIds.includes(viewer.partyId);
}

/** The largest id an event can carry: the outbox's ids are bigint. */
const EVENT_ID_MAX = 9_223_372_036_854_775_807n;

/** A resume point a client sent: a non-negative integer an event can carry, or null when it is not one. */
export function parseEventId(text: string | null | undefined): bigint | null {
  if (text == null || !/^\d{1,19}$/.test(text.trim())) return null;
  const id = BigInt(text.trim());
  // Past bigint no event has an id (the database would refuse the comparison).
  return id <= EVENT_ID_MAX ? id : null;
}

/**
 * The events of the given types after `after`, addressed to the viewer, oldest first. Refuses
 * (EventReplayWindowError) when more than EVENT_REPLAY_EVENTS_MAX events happened since: the
 * sequence's ids only ever grow, so the newest id minus `after` bounds their number.
 */
export async function domainEventsAfter(prisma: PrismaClient, viewer: Actor, after: bigint, types: readonly DomainEventType[]): Promise<DomainEvent[]> {
  const newest = await prisma.domainEvent.aggregate({ _max: { id: true } });
  const newestId = newest._max.id ?? 0n;
  if (newestId - after > BigInt(EVENT_REPLAY_EVENTS_MAX)) throw new EventReplayWindowError(after.toString(), EVENT_REPLAY_EVENTS_MAX);
  // An id no event carried yet (a restored database, a resume point stored wrongly): the events
  // up to it would be skipped without a word.
  if (after > newestId) throw ValidationError.field(['after'], `no event has the id ${after} yet: resume after an id a previous event carried (extensions.eventId)`, 'INVALID_EVENT_ID');
  const rows = await prisma.domainEvent.findMany({
    where: {
      id: { gt: after },
      type: { in: [...types] },
      ...(isOperator(viewer) ? { OR: [{ operators: true }, { partyIds: { has: viewer.partyId } }] } : { partyIds: { has: viewer.partyId } }),
    },
    orderBy: { id: 'asc' },
    take: EVENT_REPLAY_EVENTS_MAX,
  });
  return rows.map((row) => ({
    id: row.id.toString(),
    type: row.type as DomainEventType,
    subjectId: row.subjectId,
    financingId: row.financingId,
    receivableId: row.receivableId,
    accountId: row.accountId,
    partyIds: row.partyIds,
    operators: row.operators,
  }));
}
