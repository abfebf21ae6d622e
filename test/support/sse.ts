// A GraphQL subscription over server-sent events, as a client that is not a browser sends it:
// a POST with `Accept: text/event-stream` (graphql-sse's distinct connections mode), read as the
// events arrive.

export interface SseResult {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  extensions?: { eventId?: string } & Record<string, unknown>;
}

export interface SseSubscription {
  status: number;
  /** Every result received so far, in order. */
  results: SseResult[];
  /** The SSE `id:` field of each result (what an EventSource sends back as Last-Event-ID), in order. */
  ids: Array<string | undefined>;
  /** Whether the server ended the stream (a `complete` event or the end of the body). */
  readonly ended: boolean;
  /** Waits until `count` results have arrived (or the stream ended), at most `timeoutMs`; returns them all. */
  waitFor(count: number, timeoutMs?: number): Promise<SseResult[]>;
  /** Waits until no result has arrived for `quietMs` or the stream ended. */
  settle(quietMs?: number, timeoutMs?: number): Promise<SseResult[]>;
  close(): void;
}

export async function subscribe(url: string, token: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const results: SseResult[] = [];
  const ids: Array<string | undefined> = [];
  let ended = false;
  let lastArrival = Date.now();
  const waiters = new Set<() => void>();
  const notify = () => {
    lastArrival = Date.now();
    for (const waiter of waiters) waiter();
  };
  const reading = (async () => {
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      results.push((await response.json()) as SseResult);
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const lines = block.split('\n');
        const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
        const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
        if (event === 'next' && data) {
          ids.push(lines.find((line) => line.startsWith('id:'))?.slice(3).trim());
          results.push(JSON.parse(data) as SseResult);
          notify();
        }
        if (event === 'complete') return;
      }
    }
  })()
    .catch(() => undefined)
    .finally(() => {
      ended = true;
      notify();
    });
  void reading;
  const until = (done: () => boolean, timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (done() || ended) finish();
      };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return {
    status: response.status,
    results,
    ids,
    get ended() {
      return ended;
    },
    async waitFor(count, timeoutMs = 15_000) {
      await until(() => results.length >= count, timeoutMs);
      return results;
    },
    async settle(quietMs = 400, timeoutMs = 10_000) {
      const started = Date.now();
      while (!ended && Date.now() - started < timeoutMs) {
        const quietFor = Date.now() - lastArrival;
        if (quietFor >= quietMs) break;
        await new Promise((resolve) => setTimeout(resolve, quietMs - quietFor));
      }
      return results;
    },
    close() {
      abort.abort();
    },
  };
}
