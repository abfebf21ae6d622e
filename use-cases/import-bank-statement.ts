import { isCurrency } from '../domain/money';
import { assertPermitted, type Actor } from '../domain/actor';
import { parseStatementFile } from '../bank/statement/parse-statement-file';
import { STATEMENT_FETCH_LIMITS, STATEMENT_UPLOAD_LIMITS, type StatementFile } from '../bank/statement/statement-document';
import { importStatement, type ImportedStatement } from '../prisma/stores/bank-statement-store';
import { produceReconciliationReport } from './produce-reconciliation-report';
import { RECONCILIATION_ESCALATE_AFTER_DAYS_DEFAULT, type UseCaseContext } from './use-case-context';

/**
 * The escrow bank's statement of one day, read from its file (camt.053 or the documented CSV),
 * stored and reconciled against the ledger (docs/reconciliation.md). An operator uploads it
 * (`importBankStatement`); the worker's daily loop fetches it from the bank (actor null). The
 * same statement imported again changes nothing and answers the stored one.
 */
export async function importBankStatement(ctx: Pick<UseCaseContext, 'prisma' | 'logger' | 'reconciliationSettings'>, actor: Actor | null, file: StatementFile, now = new Date()): Promise<ImportedStatement> {
  if (actor) assertPermitted(actor, 'IMPORT_BANK_STATEMENT');
  // An operator's upload came in one API request, the bank's own file through the adapter: the
  // upload is held to what a request body can carry (docs/reconciliation.md, "Limits").
  const document = parseStatementFile(file, actor ? STATEMENT_UPLOAD_LIMITS : STATEMENT_FETCH_LIMITS);
  const escalateAfterDays = ctx.reconciliationSettings?.escalateAfterDays ?? RECONCILIATION_ESCALATE_AFTER_DAYS_DEFAULT;
  const imported = await importStatement(ctx.prisma, document, { format: file.format, importedByUserId: actor?.userId ?? null, escalateAfterDays, now });
  const facts = { statementId: imported.statement.id, date: document.date, currency: document.currency, entries: document.entries.length, returnsBooked: imported.returnsBooked };
  if (imported.created) ctx.logger.info(facts, 'bank statement imported and reconciled');
  else ctx.logger.info(facts, 'bank statement imported before: nothing changed');
  // The day's reconciliation report, when the day is already closed (otherwise its cut-off
  // makes it). The import stands whatever happens here; a failure is logged loudly.
  try {
    if (isCurrency(document.currency)) await produceReconciliationReport(ctx, document.date, document.currency, now);
  } catch (error) {
    ctx.logger.error({ err: error, date: document.date, currency: document.currency }, 'reconciliation report after the import failed');
  }
  return imported;
}
