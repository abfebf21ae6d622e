// The columns of the CSV statement, in order (docs/reconciliation.md describes each). The first
// line is this header; then one STATEMENT line (the statement itself: account, day, balances);
// then one ENTRY line per entry. Fields a record does not use are empty.
export const STATEMENT_CSV_COLUMNS = [
  'record',
  'statement_id',
  'account_number',
  'currency',
  'statement_date',
  'created_at',
  'opening_balance',
  'closing_balance',
  'bank_reference',
  'kind',
  'direction',
  'amount',
  'booking_date',
  'value_date',
  'reference',
  'end_to_end_id',
  'debtor_name',
  'debtor_account',
  'creditor_name',
  'creditor_account',
  'remittance_information',
] as const;

export type StatementCsvColumn = (typeof STATEMENT_CSV_COLUMNS)[number];
