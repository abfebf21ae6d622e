import { STATEMENT_CSV_COLUMNS, type StatementCsvColumn } from './statement-csv-columns';
import type { StatementDocument } from './statement-document';

// Writes one day's statement as the documented CSV (docs/reconciliation.md): UTF-8, comma
// separated, CRLF line ends (RFC 4180), a field quoted when it holds a comma, a quote or a line
// break, and amounts as decimal strings.

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function line(values: Partial<Record<StatementCsvColumn, string | null>>): string {
  return STATEMENT_CSV_COLUMNS.map((column) => field(values[column] ?? '')).join(',');
}

export function writeStatementCsv(statement: StatementDocument): string {
  const lines = [
    STATEMENT_CSV_COLUMNS.join(','),
    line({
      record: 'STATEMENT',
      statement_id: statement.statementId,
      account_number: statement.accountNumber,
      currency: statement.currency,
      statement_date: statement.date,
      created_at: statement.createdAt.toISOString(),
      opening_balance: statement.openingBalance,
      closing_balance: statement.closingBalance,
    }),
    ...statement.entries.map((entry) =>
      line({
        record: 'ENTRY',
        statement_id: statement.statementId,
        currency: entry.currency,
        bank_reference: entry.bankReference,
        kind: entry.kind,
        direction: entry.direction,
        amount: entry.amount,
        booking_date: entry.bookingDate,
        value_date: entry.valueDate,
        reference: entry.reference,
        end_to_end_id: entry.endToEndId,
        debtor_name: entry.debtorName,
        debtor_account: entry.debtorAccountNumber,
        creditor_name: entry.creditorName,
        creditor_account: entry.creditorAccountNumber,
        remittance_information: entry.remittanceInformation,
      }),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
