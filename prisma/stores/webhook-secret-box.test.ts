import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret, webhookSecretKey } from './webhook-secret-box';

describe('webhook secrets at rest', () => {
  const key = randomBytes(32);

  it('makes Standard Webhooks secrets the library accepts, each different', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(newWebhookSecret()).not.toBe(secret);
    expect(() => new Webhook(secret)).not.toThrow();
  });

  it('seals a secret so that the sealed text does not contain it, and opens it again', () => {
    const secret = newWebhookSecret();
    const sealed = sealWebhookSecret(secret, key);
    expect(sealed).not.toContain(secret.slice(6));
    expect(sealWebhookSecret(secret, key)).not.toBe(sealed);
    expect(openWebhookSecret(sealed, key)).toBe(secret);
  });

  it('refuses a sealed secret that was changed, or opened with another key', () => {
    const sealed = sealWebhookSecret(newWebhookSecret(), key);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64');
    body[0] = body[0]! ^ 1;
    expect(() => openWebhookSecret([...parts.slice(0, 3), body.toString('base64')].join('.'), key)).toThrow();
    expect(() => openWebhookSecret(sealed, randomBytes(32))).toThrow();
  });

  it('takes the key from WEBHOOK_SECRET_KEY, a development key outside production, and none in production', () => {
    const configured = randomBytes(32);
    expect(webhookSecretKey({ WEBHOOK_SECRET_KEY: configured.toString('base64'), NODE_ENV: 'production' }).equals(configured)).toBe(true);
    expect(webhookSecretKey({ NODE_ENV: 'test' })).toHaveLength(32);
    expect(() => webhookSecretKey({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRET_KEY is not set/);
    expect(() => webhookSecretKey({ WEBHOOK_SECRET_KEY: 'c2hvcnQ=', NODE_ENV: 'development' })).toThrow(/32 bytes/);
  });
});
