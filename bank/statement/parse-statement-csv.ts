import { CsvError, parse } from 'csv-parse/sync';
import {
  checkAccountNumber,
  checkAmount,
  checkBalance,
  checkContentSize,
  checkCurrency,
  checkDate,
  checkReference,
  checkStatementDocument,
  checkText,
  malformed,
  STATEMENT_UPLOAD_LIMITS,
  type StatementDocument,
  type StatementEntry,
  type StatementLimits,
} from './statement-document';
import { STATEMENT_CSV_COLUMNS, type StatementCsvColumn } from './statement-csv-columns';

// Reads the documented CSV statement (docs/reconciliation.md) with csv-parse: RFC 4180 quoting,
// a UTF-8 byte-order mark tolerated, blank lines skipped. Every problem names the line its record
// starts on.

const KINDS: readonly StatementEntry['kind'][] = ['PAYOUT', 'PAYOUT_RETURN', 'INBOUND_CREDIT', 'INBOUND_CREDIT_REVERSAL'];
const DIRECTIONS: readonly StatementEntry['direction'][] = ['CREDIT', 'DEBIT'];

interface Row {
  line: number;
  get(column: StatementCsvColumn): string;
  optional(column: StatementCsvColumn): string | null;
}

const CR = 0x0d;
const LF = 0x0a;

// The operator opens the file at the line a problem names, so a record is named by the physical
// line it starts on. csv-parse's own count names the line a record ends on and counts a CRLF inside
// a quoted field as two lines; here CRLF, LF and a lone CR each end one line, as in an editor.
// Offsets only grow, so the file is walked once.
function lineCounter(bytes: Buffer): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    // A record starts after the blank lines skipped before it.
    for (; at < bytes.length && (at < offset || bytes[at] === CR || bytes[at] === LF); at++) {
      if (bytes[at] === LF || (bytes[at] === CR && bytes[at + 1] !== LF)) line++;
    }
    return line;
  };
}

function rowsOf(content: string, limits: StatementLimits): Row[] {
  const bytes = Buffer.from(content);
  const lineAt = lineCounter(bytes);
  // Where each record ends (past its line end) in the file's bytes: the next one starts there.
  const ends: number[] = [];
  let records: string[][];
  try {
    records = parse(bytes, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      to: limits.entriesMax + 3,
      on_record: (record: string[], { bytes: end }) => {
        ends.push(end);
        return record;
      },
    });
  } catch (error) {
    // csv-parse's message names a line by its own count: the record's first line replaces it.
    if (error instanceof CsvError) throw malformed(`line ${lineAt(ends.at(-1) ?? 0)}`, error.message.replace(/ (?:at|on) line \d+/, ''));
    throw error;
  }
  const [header, ...rest] = records.map((record, index) => ({ record, line: lineAt(ends[index - 1] ?? 0) }));
  if (!header) throw malformed('line 1', 'the header line is missing');
  const expected = STATEMENT_CSV_COLUMNS.join(',');
  if (header.record.join(',') !== expected) throw malformed(`line ${header.line}`, `the header must be exactly: ${expected}`);
  return rest.map(({ record, line }) => {
    const where = `line ${line}`;
    const get = (column: StatementCsvColumn): string => {
      const value = record[STATEMENT_CSV_COLUMNS.indexOf(column)] ?? '';
      if (value === '') throw malformed(`${where}, ${column}`, 'value missing');
      return value;
    };
    const optional = (column: StatementCsvColumn): string | null => {
      const value = record[STATEMENT_CSV_COLUMNS.indexOf(column)] ?? '';
      return value === '' ? null : value;
    };
    return { line, get, optional };
  });
}

function readEntry(row: Row, statementId: string, currency: string): StatementEntry {
  const at = (column: StatementCsvColumn) => `line ${row.line}, ${column}`;
  if (row.get('statement_id') !== statementId) throw malformed(at('statement_id'), `belongs to statement ${row.get('statement_id')}, not ${statementId}`);
  const entryCurrency = checkCurrency(row.get('currency'), at('currency'));
  if (entryCurrency !== currency) throw malformed(at('currency'), `currency ${entryCurrency} differs from the statement's ${currency}`);
  const kind = row.get('kind');
  if (!(KINDS as readonly string[]).includes(kind)) throw malformed(at('kind'), `expected one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const direction = row.get('direction');
  if (!(DIRECTIONS as readonly string[]).includes(direction)) throw malformed(at('direction'), `expected CREDIT or DEBIT, got ${JSON.stringify(direction)}`);
  const account = (column: StatementCsvColumn) => {
    const value = row.optional(column);
    return value === null ? null : checkAccountNumber(value, at(column));
  };
  const text = (column: StatementCsvColumn) => {
    const value = row.optional(column);
    return value === null ? null : checkText(value, at(column));
  };
  const reference = row.get('reference');
  return {
    bankReference: checkReference(row.get('bank_reference'), at('bank_reference')),
    kind: kind as StatementEntry['kind'],
    direction: direction as StatementEntry['direction'],
    amount: checkAmount(row.get('amount'), entryCurrency, at('amount')),
    currency: entryCurrency,
    reference: kind === 'INBOUND_CREDIT' || kind === 'INBOUND_CREDIT_REVERSAL' ? checkAccountNumber(reference, at('reference')) : checkReference(reference, at('reference')),
    bookingDate: checkDate(row.get('booking_date'), at('booking_date')),
    valueDate: checkDate(row.get('value_date'), at('value_date')),
    endToEndId: text('end_to_end_id'),
    debtorName: text('debtor_name'),
    debtorAccountNumber: account('debtor_account'),
    creditorName: text('creditor_name'),
    creditorAccountNumber: account('creditor_account'),
    remittanceInformation: text('remittance_information') ?? '',
  };
}

/** Reads the documented CSV; `limits` are the upload's unless the caller says the bank handed it over. */
export function parseStatementCsv(content: string, limits: StatementLimits = STATEMENT_UPLOAD_LIMITS): StatementDocument {
  checkContentSize(content, limits);
  const rows = rowsOf(content, limits);
  const [head, ...entries] = rows;
  if (!head || head.optional('record') !== 'STATEMENT') throw malformed(`line ${head?.line ?? 2}, record`, 'the line after the header is the STATEMENT record');
  if (entries.length > limits.entriesMax) throw malformed('file', `the statement has more than ${limits.entriesMax} entries`);
  const at = (column: StatementCsvColumn) => `line ${head.line}, ${column}`;
  const currency = checkCurrency(head.get('currency'), at('currency'));
  const statementId = checkText(head.get('statement_id'), at('statement_id'));
  const createdAt = new Date(head.get('created_at'));
  if (Number.isNaN(createdAt.getTime())) throw malformed(at('created_at'), `${JSON.stringify(head.get('created_at'))} is not a date and time`);
  for (const row of entries) {
    if (row.optional('record') !== 'ENTRY') throw malformed(`line ${row.line}, record`, `expected ENTRY (one STATEMENT record per file), got ${JSON.stringify(row.optional('record'))}`);
  }
  const document: StatementDocument = {
    statementId,
    createdAt,
    accountNumber: checkAccountNumber(head.get('account_number'), at('account_number')),
    date: checkDate(head.get('statement_date'), at('statement_date')),
    currency,
    openingBalance: checkBalance(head.get('opening_balance'), currency, at('opening_balance')),
    closingBalance: checkBalance(head.get('closing_balance'), currency, at('closing_balance')),
    entries: entries.map((row) => readEntry(row, statementId, currency)),
  };
  return checkStatementDocument(document, (index) => `line ${entries[index]?.line ?? '?'}`, limits);
}
