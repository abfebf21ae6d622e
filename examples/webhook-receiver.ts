import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A receiver of the platform's webhooks, as an ERP integration would write one (docs/webhooks.md):
// verify the signature over the raw body with the Standard Webhooks library, refuse what does not
// verify, and act on each webhook-id once however often it arrives (deliveries are at least once:
// retries and replays carry the same id). Run it with `npx tsx examples/webhook-receiver.ts`
// and WEBHOOK_SECRET=whsec_… PORT=8787.

/** One verified delivery as the receiver acted on it. */
export interface ReceivedWebhook {
  webhookId: string;
  payload: { type: string; eventId: string; occurredAt: string; data: Record<string, string> };
}

export interface WebhookReceiverOptions {
  secret: string;
  /** The status to answer for a verified request; a test sets it to make the receiver fail and recover. */
  status?: () => number;
}

export interface WebhookReceiver {
  url: string;
  /** Deliveries acted on, each webhook-id once. */
  received: ReceivedWebhook[];
  /** Every request that verified, duplicates included, with its headers. */
  requests: { headers: IncomingHttpHeaders; body: string }[];
  /** Requests refused because their signature did not verify. */
  rejected: number;
  close(): Promise<void>;
}

const BODY_BYTES_MAX = 64 * 1024;

export async function startWebhookReceiver({ secret, status = () => 204 }: WebhookReceiverOptions, port = 0): Promise<WebhookReceiver> {
  const webhook = new Webhook(secret);
  const seen = new Set<string>();
  const state: Omit<WebhookReceiver, 'url' | 'close'> = { received: [], requests: [], rejected: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_BYTES_MAX) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: ReceivedWebhook['payload'];
      try {
        // The three lines of docs/webhooks.md: the raw body and the headers, verified (signature and timestamp).
        payload = webhook.verify(body, request.headers as Record<string, string>) as ReceivedWebhook['payload'];
      } catch {
        state.rejected += 1;
        response.writeHead(400).end();
        return;
      }
      state.requests.push({ headers: request.headers, body });
      const answer = status();
      const webhookId = request.headers['webhook-id'] as string;
      if (answer >= 200 && answer < 300 && !seen.has(webhookId)) {
        seen.add(webhookId);
        state.received.push({ webhookId, payload });
      }
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/webhooks`,
    ...state,
    get rejected() {
      return state.rejected;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) throw new Error('set WEBHOOK_SECRET to the whsec_… secret registerWebhookEndpoint answered');
  const receiver = await startWebhookReceiver({ secret }, Number(process.env.PORT ?? 8787));
  process.stdout.write(`receiving webhooks at ${receiver.url}\n`);
}
