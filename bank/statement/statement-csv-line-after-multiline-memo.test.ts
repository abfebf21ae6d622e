import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors';
import { parseStatementCsv } from './parse-statement-csv';
import type { StatementDocument } from './statement-document';
import { writeStatementCsv } from './write-statement-csv';

// Every problem in a CSV statement names the file's line (docs/reconciliation.md, "CSV"): the
// operator opens the file at that line to see what is wrong. The file has CRLF line ends, and a
// memo (附言) may hold a line break, quoted: a bank's file written on Windows carries it as CRLF,
// one line break, as the file's own line ends are. A line break inside a quoted field moves every
// later record one line down, and no more.

const statement: StatementDocument = {
  statementId: 'SIMSTMT-310066661018800000888-CNY-2026-12-10',
  createdAt: new Date('2026-12-10T16:00:00.000Z'),
  accountNumber: '310066661018800000888',
  date: '2026-12-10',
  currency: 'CNY',
  openingBalance: '0.00',
  closingBalance: '1300000.00',
  entries: [
    {
      bankReference: 'SIM0000000000000001',
      kind: 'INBOUND_CREDIT',
      direction: 'CREDIT',
      amount: '1000000.00',
      currency: 'CNY',
      reference: '9558800000000001236',
      bookingDate: '2026-12-10',
      valueDate: '2026-12-10',
      endToEndId: null,
      debtorName: '前海恒信商业保理有限公司',
      debtorAccountNumber: '6222000000000001',
      creditorName: null,
      creditorAccountNumber: '9558800000000001236',
      remittanceInformation: '保理资金 funding\r\n第二批 second tranche',
    },
    {
      bankReference: 'SIM0000000000000002',
      kind: 'INBOUND_CREDIT',
      direction: 'CREDIT',
      amount: '300000.00',
      currency: 'CNY',
      reference: '9558800000000001236',
      bookingDate: '2026-12-10',
      valueDate: '2026-12-10',
      endToEndId: null,
      debtorName: '前海恒信商业保理有限公司',
      debtorAccountNumber: '6222000000000001',
      creditorName: null,
      creditorAccountNumber: '9558800000000001236',
      remittanceInformation: '保理资金 funding',
    },
  ],
};

function problemPath(content: string): string | undefined {
  try {
    parseStatementCsv(content);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues[0]?.path.join('.');
    throw error;
  }
  return undefined;
}

describe('a CSV statement names the line of a problem after a memo with a line break', () => {
  it('points at the line the wrong amount is on, not one further for the CRLF inside the memo', () => {
    const content = writeStatementCsv(statement).replace(',300000.00,', ',300000.0.0,');
    const lines = content.split('\r\n');
    // Line 1 the header, 2 the STATEMENT record, 3 and 4 the first entry (its memo's line break), 5 the second entry.
    expect(lines[2]).toMatch(/^ENTRY,.*,"保理资金 funding$/);
    expect(lines[3]).toBe('第二批 second tranche"');
    expect(lines[4]).toMatch(/^ENTRY,.*,300000\.0\.0,/);
    expect(problemPath(content)).toBe('content.line 5, amount');
  });
});
