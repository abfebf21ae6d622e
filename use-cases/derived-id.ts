import { createHash } from 'node:crypto';

/**
 * A UUID derived from a business key (RFC 9562 version 8: the bits are ours, here the first
 * 122 bits of a SHA-256). An object whose workflow is started before its row exists gets its
 * id this way, from the caller's party and idempotency key: the same request always names the
 * same workflow, so a repeat joins the first instead of starting a second.
 */
export function derivedId(kind: string, ...parts: string[]): string {
  const bytes = createHash('sha256').update(JSON.stringify([kind, ...parts])).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
