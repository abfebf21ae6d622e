import { ValidationError } from './errors';

// The rules of webhook endpoints (docs/webhooks.md): which URLs may receive the platform's
// requests, which events an endpoint may ask for, and how long deliveries are retried. A
// webhook makes the platform send requests to an address a customer chose: without these rules
// that address could be the platform's own database, its cloud metadata service or another host
// inside its network (server-side request forgery), so in production only public addresses are
// ever contacted, checked at registration and again at every connection (DNS may change).

/** The outbox's event types a party's endpoint may ask for: those addressed to parties (exceptions are for operators only). */
export const WEBHOOK_EVENT_TYPES = ['FINANCING_UPDATED', 'RECEIVABLE_UPDATED', 'REPAYMENT_RECEIVED', 'ACCOUNT_ACTIVITY', 'NOTIFICATION_ADDED'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The longest URL an endpoint may have (the column's width). */
export const WEBHOOK_URL_LENGTH_MAX = 2048;
/** Endpoints one party may have that are proposed or active. */
export const WEBHOOK_ENDPOINTS_PER_PARTY_MAX = 10;
/** How long a delivery is retried before it is given up: three days of workflow time. */
export const WEBHOOK_RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** The first retry's wait; each later wait doubles, up to WEBHOOK_RETRY_INTERVAL_MAX_MS. */
export const WEBHOOK_RETRY_INITIAL_MS = 30 * 1000;
export const WEBHOOK_RETRY_INTERVAL_MAX_MS = 4 * 60 * 60 * 1000;
/** An endpoint whose attempts have all failed for this long (workflow time) is disabled and its party told. */
export const WEBHOOK_DISABLE_AFTER_FAILING_MS = 24 * 60 * 60 * 1000;
/** How long a replaced secret keeps signing beside its successor, so a receiver can switch without losing a request. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** One HTTP request's bound, connection included. */
export const WEBHOOK_REQUEST_TIMEOUT_MS = 10 * 1000;

export interface WebhookUrlPolicy {
  /** Development and tests: http and loopback receivers are allowed. Never in production. */
  allowLoopback: boolean;
}

/**
 * The endpoint's URL as the platform will call it, or a ValidationError saying why not:
 * WEBHOOK_URL_INVALID (not a URL, credentials in it, too long), WEBHOOK_URL_SCHEME (not https;
 * http only to loopback outside production), WEBHOOK_URL_PRIVATE (a literal address that is
 * private, loopback or link-local). Host names are resolved and checked by the caller.
 */
export function parseWebhookUrl(text: string, policy: WebhookUrlPolicy): URL {
  const path = ['input', 'url'];
  if (text.length > WEBHOOK_URL_LENGTH_MAX) throw ValidationError.field(path, `a webhook URL has at most ${WEBHOOK_URL_LENGTH_MAX} characters`, 'WEBHOOK_URL_INVALID');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw ValidationError.field(path, 'not a URL', 'WEBHOOK_URL_INVALID');
  }
  // What is kept and called is the URL as parsed: percent-encoding can make it several times longer.
  if (url.href.length > WEBHOOK_URL_LENGTH_MAX) {
    throw ValidationError.field(path, `a webhook URL has at most ${WEBHOOK_URL_LENGTH_MAX} characters once encoded; this one has ${url.href.length}`, 'WEBHOOK_URL_INVALID');
  }
  if (url.username || url.password) throw ValidationError.field(path, 'a webhook URL carries no credentials: authenticate requests by their signature', 'WEBHOOK_URL_INVALID');
  if (url.hash) throw ValidationError.field(path, 'a webhook URL has no fragment', 'WEBHOOK_URL_INVALID');
  const host = hostAddress(url.hostname);
  const loopback = host !== null ? isLoopbackAddress(host) : url.hostname === 'localhost';
  if (url.protocol === 'http:') {
    if (!(policy.allowLoopback && loopback)) throw ValidationError.field(path, 'a webhook URL uses https (http only to a loopback receiver outside production)', 'WEBHOOK_URL_SCHEME');
  } else if (url.protocol !== 'https:') {
    throw ValidationError.field(path, 'a webhook URL uses https', 'WEBHOOK_URL_SCHEME');
  }
  if (loopback && policy.allowLoopback) return url;
  if (url.hostname === 'localhost' || (host !== null && isPrivateAddress(host))) throw privateAddress(url.hostname);
  return url;
}

/** The error for a host that is, or resolves to, an address inside a private network. */
export function privateAddress(host: string): ValidationError {
  return ValidationError.field(['input', 'url'], `${host} is a private, loopback or link-local address: webhooks go to public addresses only`, 'WEBHOOK_URL_PRIVATE');
}

/** Whether the platform may connect to `address` (an IP address as text) under `policy`. */
export function isAllowedAddress(address: string, policy: WebhookUrlPolicy): boolean {
  if (policy.allowLoopback && isLoopbackAddress(address)) return true;
  return !isPrivateAddress(address);
}

/** The requested event types, each known and named once, or WEBHOOK_EVENT_TYPE_UNKNOWN. */
export function parseWebhookEventTypes(types: readonly string[]): WebhookEventType[] {
  if (types.length === 0) throw ValidationError.field(['input', 'eventTypes'], 'name at least one event type', 'WEBHOOK_EVENT_TYPE_UNKNOWN');
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  const unknown = types.filter((type) => !known.has(type));
  if (unknown.length) throw ValidationError.field(['input', 'eventTypes'], `unknown event types ${unknown.join(', ')}: one of ${WEBHOOK_EVENT_TYPES.join(', ')}`, 'WEBHOOK_EVENT_TYPE_UNKNOWN');
  return [...new Set(types)] as WebhookEventType[];
}

/** The wait before the attempt after `failedAttempts` failures: 30 s, doubling, at most 4 h. */
export function webhookRetryDelayMs(failedAttempts: number): number {
  return Math.min(WEBHOOK_RETRY_INITIAL_MS * 2 ** Math.max(0, failedAttempts - 1), WEBHOOK_RETRY_INTERVAL_MAX_MS);
}

/** The address in a URL's host (IPv6 without its brackets), or null for a name. */
function hostAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipv4Octets(bare) !== null || ipv6Words(bare) !== null ? bare : null;
}

export function isLoopbackAddress(address: string): boolean {
  const v4 = ipv4Of(address);
  if (v4) return v4[0] === 127;
  const words = ipv6Words(address);
  return words !== null && words.slice(0, 7).every((word) => word === 0) && words[7] === 1;
}

/**
 * Whether an address lies in a range the platform must not reach on a customer's behalf:
 * unspecified, loopback, private (RFC 1918, unique-local), link-local (cloud metadata lives at
 * 169.254.169.254), carrier-grade NAT, benchmarking, multicast and reserved ranges. Anything
 * that is not a well-formed address counts as private.
 */
export function isPrivateAddress(address: string): boolean {
  const v4 = ipv4Of(address);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0 && v4[2] === 0) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  const words = ipv6Words(address);
  if (words === null) return true;
  const [first] = words as [number];
  if (words.every((word) => word === 0)) return true;
  if (isLoopbackAddress(address)) return true;
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00 || (first === 0x2001 && words[1] === 0x0db8);
}

/** The four octets of an IPv4 address, also when it is written as an IPv4-mapped or -compatible IPv6 address. */
function ipv4Of(address: string): number[] | null {
  const direct = ipv4Octets(address);
  if (direct) return direct;
  const words = ipv6Words(address);
  // ::ffff:a.b.c.d and the NAT64 prefix 64:ff9b::/96 reach the IPv4 address they carry.
  if (words && words.slice(0, 5).every((word) => word === 0) && (words[5] === 0xffff || words[5] === 0)) {
    if (words[5] === 0 && words[6] === 0) return null;
    return [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff];
  }
  if (words && words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((word) => word === 0)) {
    return [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff];
  }
  return null;
}

function ipv4Octets(text: string): number[] | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

/** The eight 16-bit words of an IPv6 address (zone removed, embedded IPv4 allowed), or null. */
function ipv6Words(text: string): number[] | null {
  const address = text.split('%')[0]!.toLowerCase();
  if (!address.includes(':')) return null;
  let tail: number[] = [];
  let head = address;
  const lastColon = address.lastIndexOf(':');
  const embedded = ipv4Octets(address.slice(lastColon + 1));
  if (embedded) {
    tail = [(embedded[0]! << 8) | embedded[1]!, (embedded[2]! << 8) | embedded[3]!];
    head = address.slice(0, lastColon + 1) + '0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => (/^[0-9a-f]{1,4}$/.test(word) ? parseInt(word, 16) : NaN)));
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  if (embedded) (halves.length === 2 ? right : left).pop();
  const count = left.length + right.length + tail.length;
  if ([...left, ...right].some(Number.isNaN)) return null;
  if (halves.length === 1 && count !== 8) return null;
  if (halves.length === 2 && count > 7) return null;
  return [...left, ...new Array<number>(8 - count).fill(0), ...right, ...tail];
}

/** The URL policy of a process: loopback receivers everywhere but production. */
export function webhookUrlPolicyFor(nodeEnv: string | undefined): WebhookUrlPolicy {
  return { allowLoopback: nodeEnv !== 'production' };
}

/** The Standard Webhooks `webhook-id` of a delivery: the same on every attempt and every replay, the key a receiver dedupes on. */
export function webhookMessageId(deliveryId: string): string {
  return `msg_${deliveryId}`;
}
