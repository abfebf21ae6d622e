import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURSOR_LENGTH_MAX } from '../api/input-guard';
import { LOG_STRING_LENGTH_MAX } from '../api/logger';
import { QUERY_ALIASES_MAX, QUERY_COST_MAX, QUERY_DEPTH_MAX, QUERY_DIRECTIVES_MAX, QUERY_TOKENS_MAX } from '../api/query-limits';
import { RATE_LIMIT_DEFAULTS } from '../api/rate-limit';
import { OPERATOR_REQUEST_BODY_BYTES_MAX, REQUEST_BODY_BYTES_MAX } from '../api/request-gate';
import { STATEMENT_UPLOAD_BYTES_MAX } from '../bank/statement/statement-document';
import { IDEMPOTENCY_KEY_LENGTH_MAX } from '../domain/ledger-rules';
import { API_KEY_LABEL_LENGTH_MAX, API_KEY_LIFETIME_DAYS_DEFAULT, BENEFICIARY_NAME_LENGTH_MAX, DISPLAY_NAME_LENGTH_MAX, EMAIL_LENGTH_MAX, LEGAL_NAME_LENGTH_MAX } from '../domain/party-rules';
import { REASON_LENGTH_MAX, RECEIVABLE_INVOICES_MAX } from '../domain/receivable-rules';
import { TOKEN_LENGTH_MAX } from '../prisma/stores/api-key-token';
import { CONNECTION_PAGE_SIZE_MAX, NODES_IDS_MAX } from '../schema/builder';

// docs/security.md lists every limit a caller meets with its value; this holds each row to the
// constant it names, so that the page cannot drift from the code.

const CONSTANTS: Record<string, number> = {
  REQUEST_BODY_BYTES_MAX,
  OPERATOR_REQUEST_BODY_BYTES_MAX,
  STATEMENT_UPLOAD_BYTES_MAX,
  TOKEN_LENGTH_MAX,
  CURSOR_LENGTH_MAX,
  CONNECTION_PAGE_SIZE_MAX,
  NODES_IDS_MAX,
  QUERY_DEPTH_MAX,
  QUERY_COST_MAX,
  QUERY_ALIASES_MAX,
  QUERY_TOKENS_MAX,
  QUERY_DIRECTIVES_MAX,
  'RATE_LIMIT_DEFAULTS.perKey': RATE_LIMIT_DEFAULTS.perKey,
  'RATE_LIMIT_DEFAULTS.unauthenticatedPerAddress': RATE_LIMIT_DEFAULTS.unauthenticatedPerAddress,
  API_KEY_LIFETIME_DAYS_DEFAULT,
  LEGAL_NAME_LENGTH_MAX,
  BENEFICIARY_NAME_LENGTH_MAX,
  DISPLAY_NAME_LENGTH_MAX,
  EMAIL_LENGTH_MAX,
  API_KEY_LABEL_LENGTH_MAX,
  RECEIVABLE_INVOICES_MAX,
  REASON_LENGTH_MAX,
  IDEMPOTENCY_KEY_LENGTH_MAX,
  LOG_STRING_LENGTH_MAX,
};

function limitRows(): Array<{ constant: string; value: number; windowSeconds?: number }> {
  const page = readFileSync(new URL('../docs/security.md', import.meta.url), 'utf8');
  const section = page.split('\n## Limits\n')[1]!.split('\n## ')[0]!;
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| limit') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const window = /per (\d+) seconds/.exec(cells[2]!);
      return { constant: cells[3]!.replace(/`/g, ''), value: Number(/[\d,]+/.exec(cells[2]!)![0].replace(/,/g, '')), ...(window ? { windowSeconds: Number(window[1]) } : {}) };
    });
}

describe('the limits of docs/security.md', () => {
  it('states each limit with the value of the constant it names', () => {
    const rows = limitRows();
    expect(rows.length).toBe(Object.keys(CONSTANTS).length);
    for (const row of rows) expect({ constant: row.constant, value: row.value }).toEqual({ constant: row.constant, value: CONSTANTS[row.constant] });
  });
  it('states the rate limits over the window they are counted in', () => {
    const windows = limitRows().filter((row) => row.windowSeconds !== undefined);
    expect(windows.length).toBe(2);
    for (const row of windows) expect(row.windowSeconds).toBe(RATE_LIMIT_DEFAULTS.windowSeconds);
  });
});
