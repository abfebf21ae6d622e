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

function problemOf(content: string): { path: string; message: string } | undefined {
  try {
    parseStatementCsv(content);
  } catch (error) {
    if (error instanceof ValidationError) return { path: error.issues[0]?.path.join('.') ?? '', message: error.issues[0]?.message ?? '' };
    throw error;
  }
  return undefined;
}

function problemPath(content: string): string | undefined {
  return problemOf(content)?.path;
}

const [first, second] = statement.entries as [StatementDocument['entries'][number], StatementDocument['entries'][number]];

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

  it('names a multi-line record by the line it starts on', () => {
    const content = writeStatementCsv(statement).replace(',1000000.00,', ',1000000.0.0,');
    expect(problemPath(content)).toBe('content.line 3, amount');
  });

  it('reads the file it writes, with the line break in the memo', () => {
    expect(parseStatementCsv(writeStatementCsv(statement))).toEqual(statement);
  });

  it('counts a LF inside a memo of a CRLF file as one line break', () => {
    const lf = { ...statement, entries: [{ ...first, remittanceInformation: '保理资金 funding\n第二批 second tranche' }, second] };
    const content = writeStatementCsv(lf).replace(',300000.00,', ',300000.0.0,');
    expect(content.split('\r\n')[2]).toMatch(/funding\n第二批/);
    expect(problemPath(content)).toBe('content.line 5, amount');
  });

  it('counts every line break of two multi-line memos once', () => {
    const third = { ...second, bankReference: 'SIM0000000000000003', amount: '0.01' };
    const twice = {
      ...statement,
      closingBalance: '1300000.01',
      entries: [first, { ...second, remittanceInformation: '第一行\r\n第二行\r\n第三行' }, third],
    };
    expect(parseStatementCsv(writeStatementCsv(twice))).toEqual(twice);
    // Line 3 and 4 the first entry, 5 to 7 the second, 8 the third.
    const content = writeStatementCsv(twice).replace(',0.01,', ',0.0.1,');
    expect(content.split('\r\n')[7]).toMatch(/^ENTRY,.*,0\.0\.1,/);
    expect(problemPath(content)).toBe('content.line 8, amount');
    expect(problemPath(writeStatementCsv(twice).replace(',300000.00,', ',300000.0.0,'))).toBe('content.line 5, amount');
  });

  it('names the line of a problem on the first record after the header', () => {
    expect(problemPath(writeStatementCsv(statement).replace(',1300000.00', ',1300000.0.0'))).toBe('content.line 2, closing_balance');
    expect(problemPath(writeStatementCsv({ ...statement, entries: [] }).replace(',0.00,', ',0.0.0,'))).toBe('content.line 2, opening_balance');
  });

  it('names the same line in a LF file, a CR file and a file that mixes them', () => {
    const content = writeStatementCsv(statement).replace(',300000.00,', ',300000.0.0,');
    expect(problemPath(content.replaceAll('\r\n', '\n'))).toBe('content.line 5, amount');
    expect(problemPath(content.replaceAll('\r\n', '\r'))).toBe('content.line 5, amount');
    // LF line ends, and the memo's line break written as CRLF.
    const mixed = content.replaceAll('\r\n', '\n').replace('funding\n', 'funding\r\n');
    expect(mixed.split('\n')[2]).toMatch(/funding\r$/);
    expect(problemPath(mixed)).toBe('content.line 5, amount');
  });

  it('counts the blank lines skipped and not a byte-order mark', () => {
    const content = writeStatementCsv(statement).replace(',300000.00,', ',300000.0.0,');
    const [header, statementRecord, ...rest] = content.split('\r\n');
    const spaced = `\uFEFF${[header, statementRecord, '', '', ...rest].join('\r\n')}`;
    expect(problemPath(spaced)).toBe('content.line 7, amount');
  });

  it('names the line a record the parser refuses starts on, and no other line', () => {
    const short = problemOf(writeStatementCsv(statement).replace(',300000.00,', ','));
    expect(short).toEqual({ path: 'content.line 5', message: expect.stringMatching(/^Invalid Record Length/) });
    expect(short?.message).not.toMatch(/line/);
    const unclosed = problemOf(`${writeStatementCsv(statement)}ENTRY,"unclosed\r\n`);
    expect(unclosed).toEqual({ path: 'content.line 6', message: expect.stringMatching(/^Quote Not Closed/) });
    expect(unclosed?.message).not.toMatch(/line/);
  });
});
