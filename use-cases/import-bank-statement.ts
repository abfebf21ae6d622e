import { isCurrency } from '../domain/money';
import { assertPermitted, type Actor } from '../domain/actor';
import { ValidationError } from '../domain/errors';
import { maskBankAccountNumber } from '../domain/party-rules';
import { parseStatementFile } from '../bank/statement/parse-statement-file';
import { checkStatementDayEnded, STATEMENT_FETCH_LIMITS, STATEMENT_UPLOAD_LIMITS, type StatementDocument, type StatementFile } from '../bank/statement/statement-document';
import { importStatement, type ImportedStatement } from '../prisma/stores/bank-statement-store';
import { escrowAccountOf } from '../prisma/stores/escrow-account-store';
import type { PrismaClient } from '../prisma/client';
import { produceReconciliationReport } from './produce-reconciliation-report';
import { reconciliationCutOff, RECONCILIATION_ESCALATE_AFTER_DAYS_DEFAULT, type UseCaseContext } from './use-case-context';

/**
 * The escrow bank's statement of one day, read from its file (camt.053 or the documented CSV),
 * stored and reconciled against the ledger (docs/reconciliation.md). An operator uploads it
 * (`importBankStatement`); the worker's daily loop fetches it from the bank (actor null). The
 * same statement imported again changes nothing and answers the stored one. Refused before
 * anything is written: a statement of a day that has not ended at `now` (the business clock),
 * and one of any account but the platform's escrow account of its currency.
 */
export async function importBankStatement(ctx: Pick<UseCaseContext, 'prisma' | 'logger' | 'reconciliationSettings'>, actor: Actor | null, file: StatementFile, now = new Date()): Promise<ImportedStatement> {
  if (actor) assertPermitted(actor, 'IMPORT_BANK_STATEMENT');
  // An operator's upload came in one API request, the bank's own file through the adapter: the
  // upload is held to what a request body can carry (docs/reconciliation.md, "Limits").
  const document = parseStatementFile(file, actor ? STATEMENT_UPLOAD_LIMITS : STATEMENT_FETCH_LIMITS);
  checkStatementDayEnded(document, now, reconciliationCutOff(ctx.reconciliationSettings).zone);
  await assertEscrowAccount(ctx.prisma, document);
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

/**
 * Only the platform's escrow account is reconciled: the ledger has one escrow account per
 * currency, whose ledger-only activity is every payout and credit of the currency, and a day's
 * report is of that account's statement. Another account's statement (an operator's wrong file)
 * would be matched against money that never passed through it, and would be kept for ever.
 */
async function assertEscrowAccount(prisma: PrismaClient, document: StatementDocument): Promise<void> {
  const escrow = await escrowAccountOf(prisma, document.currency);
  if (escrow === document.accountNumber) return;
  const message = escrow
    ? `the statement is of account ${maskBankAccountNumber(document.accountNumber)}, not of the platform's escrow account ${maskBankAccountNumber(escrow)} for ${document.currency}; only the escrow account's statements are reconciled`
    : `the statement is of account ${maskBankAccountNumber(document.accountNumber)}, and no escrow account is registered for ${document.currency} (the worker registers its bank's escrow account when it starts); only the escrow account's statements are reconciled`;
  throw new ValidationError([{ path: ['content', 'account'], message }], 'STATEMENT_ACCOUNT_NOT_ESCROW');
}
