// GraphQL over HTTP for the resilience tests, where the API may be dead, restarting, or
// waiting on a dependency that is down. A request is bounded in time; an answer that says
// "try again" (no connection, a 5xx, a typed unavailable error) is retried until a deadline,
// and every such answer is counted so the test can report what the clients saw.

export type GraphqlResult = { data?: Record<string, any>; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** The typed codes that mean "a dependency is down, the same request may succeed later". */
export const RETRYABLE_CODES = new Set(['SERVICE_UNAVAILABLE']);

export interface ChaosGraphql {
  /** One request, bounded by `timeoutMs`; throws on no answer. */
  once(token: string, query: string, variables?: Record<string, unknown>, timeoutMs?: number): Promise<{ status: number; body: GraphqlResult; ms: number }>;
  /** The mutation's or query's first field, retried through outages until `deadlineMs`. */
  field(token: string, query: string, variables?: Record<string, unknown>, deadlineMs?: number): Promise<Record<string, any>>;
  /** What the retries met, by kind (e.g. "connection refused", "SERVICE_UNAVAILABLE"). */
  retries: Map<string, number>;
}

export const REQUEST_TIMEOUT_MS = 30_000;

export function chaosGraphql(url: () => string): ChaosGraphql {
  const retries = new Map<string, number>();
  const count = (kind: string) => retries.set(kind, (retries.get(kind) ?? 0) + 1);

  async function once(token: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = REQUEST_TIMEOUT_MS) {
    const started = performance.now();
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: GraphqlResult;
    try {
      body = JSON.parse(text) as GraphqlResult;
    } catch {
      body = { errors: [{ message: text.slice(0, 200) }] };
    }
    return { status: response.status, body, ms: performance.now() - started };
  }

  async function field(token: string, query: string, variables: Record<string, unknown> = {}, deadlineMs = 180_000): Promise<Record<string, any>> {
    const deadline = performance.now() + deadlineMs;
    for (;;) {
      let retry: string;
      try {
        const { status, body } = await once(token, query, variables);
        const value = body.data ? Object.values(body.data)[0] : undefined;
        if (value && typeof value === 'object' && !(typeof value.code === 'string' && RETRYABLE_CODES.has(value.code))) return value as Record<string, any>;
        if (value && typeof value === 'object') retry = String(value.code);
        else if (status === 429) retry = 'rate limited';
        else if (status >= 500 || body.errors?.some((error) => RETRYABLE_CODES.has(error.extensions?.code ?? ''))) retry = `HTTP ${status} ${body.errors?.[0]?.extensions?.code ?? body.errors?.[0]?.message.slice(0, 60) ?? ''}`.trim();
        else throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
      } catch (error) {
        if ((error as Error).message.startsWith('unexpected answer')) throw error;
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        retry = (error as Error).name === 'TimeoutError' ? 'request timed out' : `no answer (${cause ?? (error as Error).message})`;
      }
      count(retry);
      if (performance.now() > deadline) throw new Error(`gave up after the deadline; last answer: ${retry}`);
      await new Promise((resume) => setTimeout(resume, 300));
    }
  }

  return { once, field, retries };
}
