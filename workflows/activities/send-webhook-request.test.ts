import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWebhookRequest, signWebhook } from './send-webhook-request';

// The request's own SSRF guard: whatever the URL passed at registration, the addresses are
// checked again as the connection is made, so a name that now resolves to loopback or a
// private network is never contacted in production.

describe('sendWebhookRequest', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      hits += 1;
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses, in production, a name that resolves to loopback and never connects', async () => {
    const before = hits;
    const response = await sendWebhookRequest({ url: `http://localhost:${port}/hooks`, messageId: 'msg_1', body: '{}', secrets: [secret], policy: { allowLoopback: false } });
    expect(response).toMatchObject({ succeeded: false, statusCode: null });
    expect(response.error).toMatch(/private, loopback or link-local/);
    expect(hits).toBe(before);
  });

  it('refuses, in production, a literal private address and never connects', async () => {
    const before = hits;
    for (const url of [`http://127.0.0.1:${port}/hooks`, `http://[::ffff:127.0.0.1]:${port}/hooks`]) {
      const response = await sendWebhookRequest({ url, messageId: 'msg_1', body: '{}', secrets: [secret], policy: { allowLoopback: false } });
      expect(response).toMatchObject({ succeeded: false, statusCode: null });
    }
    expect(hits).toBe(before);
  });

  it('sends to a loopback receiver outside production', async () => {
    const response = await sendWebhookRequest({ url: `http://localhost:${port}/hooks`, messageId: 'msg_1', body: '{}', secrets: [secret], policy: { allowLoopback: true } });
    expect(response).toMatchObject({ succeeded: true, statusCode: 204, error: null });
  });

  it('signs with every secret given, each verifiable on its own', () => {
    const other = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
    const at = new Date();
    const signature = signWebhook('msg_2', at, '{"a":1}', [secret, other]);
    expect(signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
    for (const key of [secret, other]) expect(new Webhook(key).verify('{"a":1}', headers)).toEqual({ a: 1 });
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify('{"a":1}', headers)).toThrow();
  });
});
