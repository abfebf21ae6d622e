import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** How many requests a caller may send in each window (docs/api.md, "Rate limits"). */
export interface RateLimitSettings {
  /** GraphQL requests per API key in a window. */
  perKey: number;
  /** Refused authentications (401) per client address in a window. */
  unauthenticatedPerAddress: number;
  windowSeconds: number;
}

/**
 * What an API process allows when the environment says nothing: far above what a client that
 * waits for its answers sends (twenty requests a second, held for a minute), and far above what
 * any test sends, while a flood or a token guesser is stopped within the minute.
 */
export const RATE_LIMIT_DEFAULTS: RateLimitSettings = { perKey: 1200, unauthenticatedPerAddress: 300, windowSeconds: 60 };

/** Where a caller stands: what goes into the RateLimit-* headers, and whether it may go on. */
export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window that counted this request ends. */
  resetSeconds: number;
}

/** The verdict as the standard headers; a refusal also says when to come back. */
export function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(verdict.limit),
    'ratelimit-remaining': String(verdict.remaining),
    'ratelimit-reset': String(verdict.resetSeconds),
  };
  if (!verdict.allowed) headers['retry-after'] = String(verdict.resetSeconds);
  return headers;
}

function verdictOf(result: RateLimiterRes, limit: number, allowed: boolean): RateLimitVerdict {
  return { allowed, limit, remaining: Math.max(0, result.remainingPoints), resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
}

/**
 * The counters behind the API's rate limits, kept in this process's memory: each API process
 * counts on its own, so N processes behind a load balancer let a caller send up to N times the
 * limit (docs/api.md says so). A fixed window per caller: simple to explain in the headers.
 *
 * Two counters. An authenticated caller is counted by its API key, whatever address it calls
 * from. An address is counted only for the authentications it fails: each costs a key lookup in
 * the database, and once an address has failed its allowance it is refused before the lookup,
 * valid key or not, until its window ends (a token that is not looked up cannot be told apart).
 * Callers behind one address who hold valid keys are counted by key, and their successes never
 * count against the address.
 */
export class RateLimit {
  private readonly perKey: RateLimiterMemory;
  private readonly perAddress: RateLimiterMemory;

  get windowSeconds(): number {
    return this.settings.windowSeconds;
  }

  constructor(private readonly settings: RateLimitSettings) {
    this.perKey = new RateLimiterMemory({ keyPrefix: 'key', points: settings.perKey, duration: settings.windowSeconds });
    this.perAddress = new RateLimiterMemory({ keyPrefix: 'address', points: settings.unauthenticatedPerAddress, duration: settings.windowSeconds });
  }

  /** Counts one request of the key. */
  async consumeKey(apiKeyId: string): Promise<RateLimitVerdict> {
    return this.consume(this.perKey, apiKeyId, this.settings.perKey);
  }

  /** Whether the address may still try to authenticate, without counting anything. */
  async addressVerdict(address: string): Promise<RateLimitVerdict | null> {
    const result = await this.perAddress.get(address);
    if (result === null) return null;
    return verdictOf(result, this.settings.unauthenticatedPerAddress, result.remainingPoints > 0);
  }

  /** Counts one refused authentication from the address. */
  async consumeAddress(address: string): Promise<RateLimitVerdict> {
    return this.consume(this.perAddress, address, this.settings.unauthenticatedPerAddress);
  }

  private async consume(limiter: RateLimiterMemory, key: string, limit: number): Promise<RateLimitVerdict> {
    try {
      return verdictOf(await limiter.consume(key), limit, true);
    } catch (rejection) {
      // The library rejects with the counter's state when the limit is passed, with an Error otherwise.
      if (rejection instanceof RateLimiterRes) return verdictOf(rejection, limit, false);
      throw rejection;
    }
  }
}
