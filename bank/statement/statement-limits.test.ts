import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors';
import { parseStatementFile } from './parse-statement-file';
import {
  STATEMENT_FETCH_LIMITS,
  STATEMENT_UPLOAD_BYTES_MAX,
  STATEMENT_UPLOAD_ENTRIES_MAX,
  STATEMENT_UPLOAD_LIMITS,
  type StatementDocument,
  type StatementEntry,
} from './statement-document';
import { writeCamt053 } from './write-camt053';
import { writeStatementCsv } from './write-statement-csv';

// An operator's upload travels in one API request and is held to what its body can carry; the
// bank's own file (the daily fetch) may hold a busy day (docs/reconciliation.md, "Importing").

function dayOf(entries: number): StatementDocument {
  const lines: StatementEntry[] = Array.from({ length: entries }, (_, index) => ({
    bankReference: `SIM${String(index + 1).padStart(12, '0')}`,
    kind: 'INBOUND_CREDIT',
    direction: 'CREDIT',
    amount: '1.00',
    currency: 'CNY',
    reference: '9558800000000123',
    bookingDate: '2026-12-10',
    valueDate: '2026-12-10',
    endToEndId: null,
    debtorName: null,
    debtorAccountNumber: null,
    creditorName: null,
    creditorAccountNumber: '9558800000000123',
    remittanceInformation: '',
  }));
  return {
    statementId: 'SIMSTMT-310066661018800000888-CNY-2026-12-10',
    createdAt: new Date('2026-12-10T16:00:00.000Z'),
    accountNumber: '310066661018800000888',
    date: '2026-12-10',
    currency: 'CNY',
    openingBalance: '0.00',
    closingBalance: `${entries}.00`,
    entries: lines,
  };
}

function problem(work: () => unknown): { code: string; path: string; message: string } | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return { code: error.code, path: error.issues[0]!.path.join('.'), message: error.issues[0]!.message };
    throw error;
  }
  return undefined;
}

describe('statement limits', () => {
  const over = dayOf(STATEMENT_UPLOAD_ENTRIES_MAX + 1);

  it('refuses an upload of one entry more than an upload may carry, in either format, and reads the same file fetched from the bank', () => {
    const csv = { format: 'CSV' as const, content: writeStatementCsv(over) };
    expect(problem(() => parseStatementFile(csv))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: 'content.file', message: expect.stringContaining(String(STATEMENT_UPLOAD_ENTRIES_MAX)) });
    expect(parseStatementFile(csv, STATEMENT_FETCH_LIMITS).entries).toHaveLength(STATEMENT_UPLOAD_ENTRIES_MAX + 1);
    const camt = { format: 'CAMT053' as const, content: writeCamt053(over) };
    // As camt.053 the same day is already over the upload's 8 MiB: the bytes are refused first, unread.
    expect(problem(() => parseStatementFile(camt, STATEMENT_UPLOAD_LIMITS))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: 'content.file', message: expect.stringContaining(`at most ${STATEMENT_UPLOAD_BYTES_MAX}`) });
    expect(parseStatementFile(camt, STATEMENT_FETCH_LIMITS).closingBalance).toBe(`${STATEMENT_UPLOAD_ENTRIES_MAX + 1}.00`);
  });

  it('refuses a file over the bytes its source may send before reading it', () => {
    const content = writeStatementCsv(dayOf(3));
    const tight = { bytesMax: Buffer.byteLength(content) - 1, entriesMax: 10 };
    expect(problem(() => parseStatementFile({ format: 'CSV', content }, tight))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: 'content.file', message: expect.stringContaining(`at most ${tight.bytesMax}`) });
    expect(parseStatementFile({ format: 'CSV', content }, { ...tight, bytesMax: Buffer.byteLength(content) }).entries).toHaveLength(3);
  });
});
