import { createHash } from 'node:crypto';

/** SHA-256 as 64 lower-case hex digits: request hashes, registry fingerprints, document digests. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
