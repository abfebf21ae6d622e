import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUTHORIZATION_MATRIX, loadPrintedSchema, operationFields, renderAuthorizationMatrix, SECURITY_DOC_PATH, withMatrixTable } from './support/authorization-matrix';

// The authorization matrix covers the printed schema exactly, and docs/security.md prints it.
// api/authorization-matrix.int.test.ts holds the running API to it.

describe('the authorization matrix', () => {
  const schema = loadPrintedSchema();
  const keys = operationFields(schema).map(({ key }) => key);

  it('has an entry for every Query, Mutation and Subscription field', () => {
    expect(keys.filter((key) => !(key in AUTHORIZATION_MATRIX)), 'fields with no entry in test/support/authorization-matrix.ts').toEqual([]);
  });

  it('has no entry for a field the schema no longer has', () => {
    expect(Object.keys(AUTHORIZATION_MATRIX).filter((key) => !keys.includes(key)), 'entries of fields that are gone').toEqual([]);
  });

  it('lets operators alone call what answers others FORBIDDEN, and gives every entry a caller', () => {
    for (const [key, entry] of Object.entries(AUTHORIZATION_MATRIX)) {
      expect(entry.parties.length * entry.roles.length, key).toBeGreaterThan(0);
      if (entry.others === 'OPERATORS_ONLY') expect(entry.parties, key).toEqual(['PLATFORM']);
    }
  });

  it('is printed into docs/security.md as it is (npm run docs:authz)', () => {
    const doc = readFileSync(SECURITY_DOC_PATH, 'utf8');
    expect(doc, 'docs/security.md is out of date: run npm run docs:authz').toBe(withMatrixTable(doc, renderAuthorizationMatrix(schema)));
  });
});
