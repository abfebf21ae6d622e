import { describe, expect, it } from 'vitest';
import { generateApiKeyToken, hashApiKeySecret, parseApiKeyToken, secretMatches } from './api-key-token';

const PEPPER = 'a-test-pepper-that-is-long-enough-000';

describe('API key tokens', () => {
  it('parses what it generates', () => {
    const { token, keyId, secret } = generateApiKeyToken();
    expect(parseApiKeyToken(token)).toEqual({ keyId, secret });
  });

  it('generates distinct tokens', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateApiKeyToken().token));
    expect(tokens.size).toBe(100);
  });

  it.each(['', 'Bearer x', 'scf_', 'scf_0123456789abcdef_short', 'xyz_0123456789abcdef_' + 'a'.repeat(43), 'scf_0123456789ABCDEF_' + 'a'.repeat(43), 'scf_0123456789abcdef_' + 'a'.repeat(200)])(
    'rejects malformed token %j',
    (token) => {
      expect(parseApiKeyToken(token)).toBeUndefined();
    },
  );

  it('matches only the right secret under the right pepper', () => {
    const { secret } = generateApiKeyToken();
    const stored = hashApiKeySecret(secret, PEPPER);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(secret, stored, PEPPER)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}x`, stored, PEPPER)).toBe(false);
    expect(secretMatches(secret, stored, `${PEPPER}-other`)).toBe(false);
  });
});
