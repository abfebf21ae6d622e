import type { GraphQLFailure } from './typed-client';

/** How long `next()` waits for an event before it gives up, unless told otherwise. */
export const SSE_NEXT_WAIT_MS_MAX = 20_000;

export interface SseResult<Result> {
  data?: Result | null;
  errors?: GraphQLFailure[];
  /** `eventId` is what to resume after (the `after` argument or the Last-Event-ID header). */
  extensions?: { eventId?: string } & Record<string, unknown>;
}

export interface SseSubscription<Result> {
  /** The HTTP status the server answered the subscription with. */
  status: number;
  /** The next result in the order the server sent them; rejects when none comes in time or the stream ended. */
  next(timeoutMs?: number): Promise<SseResult<Result>>;
  close(): void;
}

/**
 * A subscription over server-sent events in graphql-sse's "distinct connections" mode: a POST
 * with `Accept: text/event-stream`, answered by a stream of `next` events (each one GraphQL
 * result as JSON) and a final `complete`. An EventSource cannot POST or send an Authorization
 * header, so a server-side client reads the stream itself, as here.
 */
export async function subscribeOverSse<Result>(url: string, body: { query: string; variables: unknown }, headers: Record<string, string>): Promise<SseSubscription<Result>> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const received: Array<SseResult<Result>> = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const arrived = () => {
    wake?.();
    wake = undefined;
  };

  void (async () => {
    const contentType = response.headers.get('content-type') ?? '';
    // A refusal before the stream starts (bad token, invalid document) is one plain JSON result.
    if (!response.body || !contentType.startsWith('text/event-stream')) {
      received.push((await response.json()) as SseResult<Result>);
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const lines = buffer.slice(0, boundary).split('\n');
        buffer = buffer.slice(boundary + 2);
        const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (event === 'complete') return;
        if (event === 'next' && data) {
          received.push(JSON.parse(data) as SseResult<Result>);
          arrived();
        }
      }
    }
  })()
    // An aborted or broken stream simply ends; `next()` then says so.
    .catch(() => undefined)
    .finally(() => {
      ended = true;
      arrived();
    });

  return {
    status: response.status,
    async next(timeoutMs = SSE_NEXT_WAIT_MS_MAX) {
      const deadline = Date.now() + timeoutMs;
      while (received.length === 0) {
        if (ended) throw new Error('the subscription ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no subscription event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return received.shift()!;
    },
    close() {
      abort.abort();
    },
  };
}
