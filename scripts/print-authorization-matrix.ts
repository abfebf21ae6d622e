import { readFileSync, writeFileSync } from 'node:fs';
import { loadPrintedSchema, renderAuthorizationMatrix, SECURITY_DOC_PATH, withMatrixTable } from '../test/support/authorization-matrix';

// Writes the authorization matrix (test/support/authorization-matrix.ts) into docs/security.md
// between its markers; test/authorization-matrix.test.ts fails while the page differs.
const doc = readFileSync(SECURITY_DOC_PATH, 'utf8');
writeFileSync(SECURITY_DOC_PATH, withMatrixTable(doc, renderAuthorizationMatrix(loadPrintedSchema())));
