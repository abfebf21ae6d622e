import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isAllowedAddress, WEBHOOK_REQUEST_TIMEOUT_MS, type WebhookUrlPolicy } from '../../domain/webhook-rules';

// One signed HTTP request of a webhook delivery (docs/webhooks.md), by the Standard Webhooks
// specification through its library: `webhook-id`, `webhook-timestamp` and `webhook-signature`
// (one `v1,` signature per secret in force, space-separated, so a receiver holding either the
// old or the new secret verifies during a rotation's overlap).

/** How much of a receiver's answer is read: enough to close the connection cleanly, never a whole download. */
const RESPONSE_BYTES_MAX = 16 * 1024;

export interface WebhookRequest {
  url: string;
  messageId: string;
  body: string;
  secrets: string[];
  policy: WebhookUrlPolicy;
  /** The sending time (the real clock: the receiver compares it with its own). */
  now?: Date;
}

export interface WebhookResponse {
  statusCode: number | null;
  latencyMs: number;
  succeeded: boolean;
  error: string | null;
}

/** The `webhook-signature` header: each secret's signature of the message. */
export function signWebhook(messageId: string, timestamp: Date, body: string, secrets: readonly string[]): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' ');
}

/**
 * The DNS lookup the request connects with: every address the name resolves to must be allowed,
 * checked at the moment of connecting, so a name that pointed at a public address at
 * registration and points inside the network now (DNS rebinding) is refused.
 */
function checkedLookup(policy: WebhookUrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !isAllowedAddress(entry.address, policy));
      // The address itself is not said: the answer is kept in the party's delivery log, and what a
      // name resolves to inside the platform's network is the platform's to know.
      const reason = addresses.length === 0 ? 'resolves to no address' : 'resolves to a private, loopback or link-local address';
      if (refused || addresses.length === 0) return callback(Object.assign(new Error(`${hostname} ${reason}`), { code: 'WEBHOOK_URL_PRIVATE' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Sends the request once: a 2xx answer is success, anything else (a redirect included) a failure with its reason. */
export function sendWebhookRequest(request: WebhookRequest): Promise<WebhookResponse> {
  const url = new URL(request.url);
  const timestamp = request.now ?? new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'scf-workflow-service-webhooks/1',
    'webhook-id': request.messageId,
    'webhook-timestamp': Math.floor(timestamp.getTime() / 1000).toString(),
    'webhook-signature': signWebhook(request.messageId, timestamp, request.body, request.secrets),
  };
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  return new Promise((settle) => {
    // The whole request has WEBHOOK_REQUEST_TIMEOUT_MS, however slowly a receiver trickles its
    // answer (the socket's own timeout is an idle one, which every byte resets); the first outcome wins.
    let settled = false;
    const resolve = (response: WebhookResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      settle(response);
    };
    const transport = url.protocol === 'https:' ? https : http;
    // A literal address in the URL is not looked up: check it here as the lookup would.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$|:/.test(literal) && !isAllowedAddress(literal, request.policy)) {
      settle({ statusCode: null, latencyMs: 0, succeeded: false, error: `${literal} is a private, loopback or link-local address` });
      return;
    }
    const outgoing = transport.request(url, { method: 'POST', headers, lookup: checkedLookup(request.policy), timeout: WEBHOOK_REQUEST_TIMEOUT_MS }, (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > RESPONSE_BYTES_MAX) response.destroy();
      });
      const finish = () => {
        const statusCode = response.statusCode ?? null;
        const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300;
        resolve({ statusCode, latencyMs: latency(), succeeded, error: succeeded ? null : `the receiver answered ${statusCode}` });
      };
      response.on('end', finish);
      response.on('close', finish);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${WEBHOOK_REQUEST_TIMEOUT_MS} ms`)));
    const deadline = setTimeout(() => {
      resolve({ statusCode: null, latencyMs: latency(), succeeded: false, error: `no whole answer within ${WEBHOOK_REQUEST_TIMEOUT_MS} ms` });
      outgoing.destroy();
    }, WEBHOOK_REQUEST_TIMEOUT_MS);
    outgoing.on('error', (error) => resolve({ statusCode: null, latencyMs: latency(), succeeded: false, error: error.message }));
    outgoing.end(request.body);
  });
}
