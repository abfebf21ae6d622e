import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { HEAVY_QUERY_COST, heavyQueriesInTurn, Turns } from './heavy-queries';

describe('turns', () => {
  it('runs at most the given number at once and starts the others in the order they asked', async () => {
    const turns = new Turns(2);
    const first = await turns.take(1_000);
    const second = await turns.take(1_000);
    const started: string[] = [];
    const third = turns.take(1_000).then((end) => (started.push('third'), end));
    const fourth = turns.take(1_000).then((end) => (started.push('fourth'), end));
    await Promise.resolve();
    expect(turns.load).toEqual({ running: 2, waiting: 2 });
    expect(started).toEqual([]);

    first!();
    first!(); // ending a turn twice frees one turn only
    await third;
    expect(started).toEqual(['third']);
    expect(turns.load).toEqual({ running: 2, waiting: 1 });
    second!();
    (await fourth)!();
    (await third)!();
    expect(started).toEqual(['third', 'fourth']);
    expect(turns.load).toEqual({ running: 0, waiting: 0 });
  });

  it('gives up a wait that lasts too long or whose request went away, and the queue moves on without it', async () => {
    const turns = new Turns(1);
    const running = await turns.take(1_000);
    expect(await turns.take(5)).toBeNull();

    const gone = new AbortController();
    const leaving = turns.take(60_000, gone.signal);
    const staying = turns.take(60_000);
    gone.abort();
    expect(await leaving).toBeNull();
    expect(turns.load).toEqual({ running: 1, waiting: 1 });
    running!();
    const next = await staying;
    expect(next).toBeTypeOf('function');
    next!();
    expect(turns.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a number of turns that is not a whole number of at least one', () => {
    expect(() => new Turns(0)).toThrow(RangeError);
    expect(() => new Turns(1.5)).toThrow(RangeError);
  });
});

describe('heavy queries in turn', () => {
  /** A list whose resolver waits until it is released, so that a test decides when a query ends. */
  function api(waitMs: number) {
    const releases: (() => void)[] = [];
    let executing = 0;
    const schema = createSchema({
      typeDefs: /* GraphQL */ `
        type Item { a: Int b: Int c: Int d: Int e: Int f: Int }
        type Query { items(first: Int, fail: Boolean): [Item!]! me: Int }
      `,
      resolvers: {
        Query: {
          items: async (_: unknown, { first, fail }: { first: number; fail?: boolean }) => {
            executing += 1;
            await new Promise<void>((resolve) => releases.push(resolve));
            executing -= 1;
            if (fail) throw new Error('the page failed');
            return Array.from({ length: first }, (_, at) => ({ a: at, b: at, c: at, d: at, e: at, f: at }));
          },
          me: () => 7,
        },
      },
    });
    const yoga = createYoga({ schema, plugins: [heavyQueriesInTurn({ atOnce: 1, waitMs })], maskedErrors: false, logging: false });
    const ask = (query: string) => yoga.fetch('http://api/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
    return { ask, tick, releases, executing: () => executing };
  }

  // 100 items of six fields: 100 × (2 + 6) = 800, a page.
  const PAGE = '{ items(first: 100) { a b c d e f } }';
  const FAILING_PAGE = '{ items(first: 100, fail: true) { a b c d e f } }';
  const SMALL_LIST = '{ items(first: 2) { a } }';

  it('executes one page at a time, in order, while a lookup is answered at once', async () => {
    expect(800).toBeGreaterThanOrEqual(HEAVY_QUERY_COST);
    const { ask, tick, releases, executing } = api(60_000);
    const first = ask(PAGE);
    await tick();
    const second = ask(PAGE);
    await tick();
    expect(executing()).toBe(1);

    // A lookup and a small list do not wait behind the page.
    expect(await (await ask('{ me }')).json()).toEqual({ data: { me: 7 } });
    const small = ask(SMALL_LIST);
    await tick();
    expect(executing()).toBe(2);
    releases.pop()!();
    expect(((await (await small).json()) as { data: { items: unknown[] } }).data.items).toHaveLength(2);

    releases.shift()!();
    expect(((await (await first).json()) as { data: { items: unknown[] } }).data.items).toHaveLength(100);
    await tick();
    expect(executing()).toBe(1);
    releases.shift()!();
    expect(((await (await second).json()) as { data: { items: unknown[] } }).data.items).toHaveLength(100);
  });

  it('ends the turn of a page that failed', async () => {
    const { ask, tick, releases } = api(60_000);
    const failing = ask(FAILING_PAGE);
    await tick();
    const next = ask(PAGE);
    await tick();
    releases.shift()!();
    expect(((await (await failing).json()) as { errors: { message: string }[] }).errors[0]!.message).toBe('the page failed');
    await tick();
    releases.shift()!();
    expect(((await (await next).json()) as { data: { items: unknown[] } }).data.items).toHaveLength(100);
  });

  it('answers a page that waited longer than its turn allows SERVICE_UNAVAILABLE, with Retry-After, and runs nothing of it', async () => {
    const { ask, tick, releases, executing } = api(50);
    const first = ask(PAGE);
    await tick();
    const refused = await ask(PAGE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    const body = (await refused.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.errors[0]!.message).toMatch(/too many large queries.*waited 0.05 s/);
    expect(executing()).toBe(1);
    releases.shift()!();
    expect((await first).status).toBe(200);
  });
});
