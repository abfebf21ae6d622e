import pg from 'pg';
import { createPrismaClient } from '../prisma/client';
import { notifyParties } from '../prisma/stores/operator-notices';
import { createActor } from '../test/support/parties';
import type { BenchResult } from './ledger';
import { percentile, round2 } from './measure';
import { startReadOnlyApi } from './start-read-only-api';

// Live updates (docs/integrations.md): how fast a committed state change reaches 1,000
// subscribers connected over server-sent events to the real API server, from the commit of the
// change (a notification, through its store, so through the outbox trigger and its NOTIFY) to
// the result arriving at each subscriber. Beside it, in the same run, the floor under it: a plain
// LISTEN/NOTIFY round trip between two connections, nothing else.

export const EVENT_SUBSCRIBERS = 1_000;
/** Changes committed one after another, each waited for by every subscriber before the figures are read. */
const EVENTS = 200;
const WARM_UP_EVENTS = 10;
/** How long the run waits for every subscriber to have every event. */
const DELIVERY_WAIT_MS = 120_000;
const SUBSCRIPTION = 'subscription { notificationAdded { id subject } }';

interface Arrivals {
  /** Arrival time per event index, per subscriber. */
  byEvent: Map<number, number[]>;
  delivered: number;
  waiters: Set<() => void>;
}

/** One SSE subscriber: records when each event (its subject is its index) arrived. */
async function openSubscriber(url: string, token: string, arrivals: Arrivals, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: SUBSCRIPTION }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`a subscriber was refused: HTTP ${response.status}`);
  const reader = response.body.getReader();
  // The stream is open once its first bytes (yoga's opening ping) arrived.
  const first = await reader.read();
  const decoder = new TextDecoder();
  let buffer = first.value ? decoder.decode(first.value, { stream: true }) : '';
  void (async () => {
    for (;;) {
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: {'));
        if (!data) continue;
        const at = performance.now();
        const index = Number((JSON.parse(data.slice(6)) as { data: { notificationAdded: { subject: string } } }).data.notificationAdded.subject);
        const times = arrivals.byEvent.get(index) ?? [];
        times.push(at);
        arrivals.byEvent.set(index, times);
        arrivals.delivered += 1;
        for (const waiter of arrivals.waiters) waiter();
      }
      const next = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (next.done) return;
      buffer += decoder.decode(next.value, { stream: true });
    }
  })();
}

function waitUntil(arrivals: Arrivals, done: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      arrivals.waiters.delete(check);
      reject(new Error(`timed out waiting for ${what}`));
    }, DELIVERY_WAIT_MS);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      arrivals.waiters.delete(check);
      resolve();
    };
    arrivals.waiters.add(check);
    check();
  });
}

/** The floor: NOTIFY committed on one connection, received on another that LISTENs. */
async function plainNotifyRoundTrips(databaseUrl: string): Promise<{ delays: number[]; perSecond: number }> {
  const listener = new pg.Client({ connectionString: databaseUrl });
  const sender = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([listener.connect(), sender.connect()]);
  try {
    await listener.query('LISTEN bench_plain');
    const delays: number[] = [];
    const started = performance.now();
    for (let index = 0; index < EVENTS + WARM_UP_EVENTS; index += 1) {
      const arrived = new Promise<number>((resolve) => listener.once('notification', () => resolve(performance.now())));
      const sent = performance.now();
      await sender.query(`NOTIFY bench_plain, '${index}'`);
      const at = await arrived;
      if (index >= WARM_UP_EVENTS) delays.push(at - sent);
    }
    return { delays, perSecond: (EVENTS + WARM_UP_EVENTS) / ((performance.now() - started) / 1000) };
  } finally {
    await Promise.all([listener.end(), sender.end()]);
  }
}

export async function runEventBenchmarks(databaseUrl: string, log: (line: string) => void): Promise<BenchResult[]> {
  const prisma = createPrismaClient({ databaseUrl, poolMax: 20 });
  const api = await startReadOnlyApi(prisma);
  const abort = new AbortController();
  try {
    const funder = await createActor(prisma, { partyRoles: ['FUNDER'] });
    const arrivals: Arrivals = { byEvent: new Map(), delivered: 0, waiters: new Set() };
    log(`opening ${EVENT_SUBSCRIBERS} SSE subscribers`);
    for (let opened = 0; opened < EVENT_SUBSCRIBERS; opened += 50) {
      await Promise.all(Array.from({ length: Math.min(50, EVENT_SUBSCRIBERS - opened) }, () => openSubscriber(api.url, funder.token, arrivals, abort.signal)));
    }
    const commit = (index: number) =>
      notifyParties(prisma, [funder.partyId], { kind: 'BENCH', subject: String(index), body: 'bench' }, `bench:events:${index}`);

    log(`warming up (${WARM_UP_EVENTS} events)`);
    for (let index = 0; index < WARM_UP_EVENTS; index += 1) await commit(index);
    await waitUntil(arrivals, () => arrivals.delivered >= WARM_UP_EVENTS * EVENT_SUBSCRIBERS, 'the warm-up events');

    log(`committing ${EVENTS} changes, one after another, to ${EVENT_SUBSCRIBERS} subscribers`);
    const committedAt = new Map<number, number>();
    const started = performance.now();
    for (let index = WARM_UP_EVENTS; index < WARM_UP_EVENTS + EVENTS; index += 1) {
      await commit(index);
      committedAt.set(index, performance.now());
    }
    await waitUntil(arrivals, () => arrivals.delivered >= (WARM_UP_EVENTS + EVENTS) * EVENT_SUBSCRIBERS, 'every subscriber to have every event');
    const lastArrival = [...arrivals.byEvent.values()].reduce((latest, times) => times.reduce((a, b) => Math.max(a, b), latest), 0);
    const elapsedS = (lastArrival - started) / 1000;
    const delays = [...committedAt].flatMap(([index, at]) => (arrivals.byEvent.get(index) ?? []).map((arrived) => arrived - at));
    const perSecond = EVENTS / elapsedS;

    log('plain LISTEN/NOTIFY round trips');
    const plain = await plainNotifyRoundTrips(databaseUrl);
    const plainP99 = percentile(plain.delays, 0.99);
    const p99 = percentile(delays, 0.99);
    log(`fan-out: ${round2(perSecond)} events/s to ${EVENT_SUBSCRIBERS} subscribers, delay p50 ${round2(percentile(delays, 0.5))} ms p99 ${round2(p99)} ms; plain NOTIFY p99 ${round2(plainP99)} ms, ${round2(plain.perSecond)}/s`);
    return [
      {
        name: 'events.fanout.events_per_s',
        value: round2(perSecond),
        unit: 'events/s',
        baseline: round2(plain.perSecond),
        ratio: round2(perSecond / plain.perSecond),
        note: `${EVENTS} committed notifications, each to ${EVENT_SUBSCRIBERS} SSE subscribers (${round2(perSecond * EVENT_SUBSCRIBERS)} deliveries/s); baseline: plain LISTEN/NOTIFY round trips, one listener`,
      },
      {
        name: 'events.fanout.p99',
        value: round2(p99),
        unit: 'ms',
        baseline: round2(plainP99),
        ratio: round2(p99 / plainP99),
        note: `commit to arrival at each of ${EVENT_SUBSCRIBERS} SSE subscribers; p50 ${round2(percentile(delays, 0.5))} ms; baseline: plain NOTIFY round trip p99 (p50 ${round2(percentile(plain.delays, 0.5))} ms)`,
      },
    ];
  } finally {
    abort.abort();
    await api.close();
    await prisma.$disconnect();
  }
}
