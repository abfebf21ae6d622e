import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Webhook signing secrets at rest (docs/webhooks.md, "Secrets"). A secret is shown once, in the
// payload of the mutation that proposes it; the database keeps it only encrypted with
// AES-256-GCM under WEBHOOK_SECRET_KEY, so a copy of the database (a backup, a replica, a
// support dump) does not let anyone sign requests a customer's ERP would trust.

const SECRET_BYTES = 24;
const IV_BYTES = 12;
const VERSION = 'v1';

/** The key outside production when none is configured: fixed, public, and refused in production (api/config.ts). */
const DEVELOPMENT_KEY = createHash('sha256').update('scf-webhook-secret-key-for-development-and-tests-only').digest();

/**
 * The 32-byte key: WEBHOOK_SECRET_KEY (base64); outside production, the development key when
 * it is unset. Read from the environment at each use, like the process's other settings it is
 * validated once at start-up by api/config.ts.
 */
export function webhookSecretKey(env: Record<string, string | undefined> = process.env): Buffer {
  const configured = env.WEBHOOK_SECRET_KEY;
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes in base64');
    return key;
  }
  if (env.NODE_ENV === 'production') throw new Error('WEBHOOK_SECRET_KEY is not set');
  return DEVELOPMENT_KEY;
}

/** A new signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

export function sealWebhookSecret(secret: string, key = webhookSecretKey()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join('.');
}

export function openWebhookSecret(ciphertext: string, key = webhookSecretKey()): string {
  const [version, iv, tag, sealed] = ciphertext.split('.');
  if (version !== VERSION || !iv || !tag || !sealed) throw new Error('not a sealed webhook secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
}
