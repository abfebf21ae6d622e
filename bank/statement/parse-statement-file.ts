import { parseCamt053 } from './parse-camt053';
import { parseStatementCsv } from './parse-statement-csv';
import { STATEMENT_UPLOAD_LIMITS, type StatementDocument, type StatementFile, type StatementLimits } from './statement-document';

/**
 * Either format read into the one normalised statement; a malformed file is a ValidationError
 * naming where. An operator's upload is held to STATEMENT_UPLOAD_LIMITS; the bank's own file
 * (the scheduled fetch) to STATEMENT_FETCH_LIMITS.
 */
export function parseStatementFile(file: StatementFile, limits: StatementLimits = STATEMENT_UPLOAD_LIMITS): StatementDocument {
  return file.format === 'CAMT053' ? parseCamt053(file.content, limits) : parseStatementCsv(file.content, limits);
}
