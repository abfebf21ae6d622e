import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Opaque bearer tokens: `scf_<keyId>_<secret>`. The key id is public (it is how the key
// is found and what logs show); the secret is 32 random bytes, stored only as an
// HMAC-SHA256 under a server-side pepper, so a database dump cannot be replayed.
const TOKEN_PREFIX = 'scf';
const KEY_ID_BYTES = 8;
const SECRET_BYTES = 32;
const TOKEN_SHAPE = /^scf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const TOKEN_LENGTH_MAX = 128;

export interface ParsedToken {
  keyId: string;
  secret: string;
}

export function generateApiKeyToken(): { token: string; keyId: string; secret: string } {
  const keyId = randomBytes(KEY_ID_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${TOKEN_PREFIX}_${keyId}_${secret}`, keyId, secret };
}

export function parseApiKeyToken(token: string): ParsedToken | undefined {
  if (token.length > TOKEN_LENGTH_MAX) return undefined;
  const match = TOKEN_SHAPE.exec(token);
  if (!match) return undefined;
  return { keyId: match[1] as string, secret: match[2] as string };
}

export function hashApiKeySecret(secret: string, pepper: string): string {
  return createHmac('sha256', pepper).update(secret).digest('hex');
}

/** Constant-time comparison: the time taken does not reveal how much of a guess was right. */
export function secretMatches(secret: string, storedHash: string, pepper: string): boolean {
  const candidate = Buffer.from(hashApiKeySecret(secret, pepper), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}
