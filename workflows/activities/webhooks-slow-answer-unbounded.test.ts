import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_REQUEST_TIMEOUT_MS } from '../../domain/webhook-rules';
import { sendWebhookRequest } from './send-webhook-request';

// "A request has 10 seconds to answer" (docs/webhooks.md, "Retries"). A receiver that trickles
// its answer, one byte every second, never lets the connection go idle for 10 seconds: the
// attempt must still end at the bound, as a failure, so that the delivery workflow records it,
// retries on its schedule, disables the endpoint after a day and gives up after three. An
// attempt that outlives the activity's own timeout is never recorded at all: the delivery stays
// PENDING for ever (never FAILED, never replayable) and the endpoint is never disabled.

const TRICKLE_MS = 25_000;

describe('a webhook receiver that trickles its answer', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      // Headers are never completed: the status line arrives one byte a second.
      const socket = response.socket!;
      const line = 'HTTP/1.1 204 No Content\r\n' + 'x-padding: ' + 'a'.repeat(200);
      let index = 0;
      const started = Date.now();
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        if (Date.now() - started >= TRICKLE_MS) {
          clearInterval(timer);
          socket.end('\r\n\r\n');
          return;
        }
        socket.write(line[index % line.length]!);
        index += 1;
      }, 1_000);
      timers.add(timer);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('ends the attempt, as a failure with no status, within the 10 seconds a request has', async () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const started = performance.now();
    const response = await sendWebhookRequest({ url: `http://127.0.0.1:${port}/hooks`, messageId: 'msg_slow', body: '{}', secrets: [secret], policy: { allowLoopback: true } });
    const elapsed = performance.now() - started;
    expect(response).toMatchObject({ succeeded: false, statusCode: null });
    // The bound, with two seconds of slack for a busy machine.
    expect(elapsed).toBeLessThan(WEBHOOK_REQUEST_TIMEOUT_MS + 2_000);
  }, 40_000);
});
