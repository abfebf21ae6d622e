import { parseCamt053 } from './parse-camt053';
import { parseStatementCsv } from './parse-statement-csv';
import type { StatementDocument, StatementFile } from './statement-document';

/** Either format read into the one normalised statement; a malformed file is a ValidationError naming where. */
export function parseStatementFile(file: StatementFile): StatementDocument {
  return file.format === 'CAMT053' ? parseCamt053(file.content) : parseStatementCsv(file.content);
}
