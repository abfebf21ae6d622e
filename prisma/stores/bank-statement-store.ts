import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PayoutView } from '../../bank/bank-adapter';
import type { StatementDocument, StatementFileFormat } from '../../bank/statement/statement-document';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { isOperator, type Actor } from '../../domain/actor';
import { maskBankAccountNumber } from '../../domain/party-rules';
import { ConflictError, StatementContinuityError } from '../../domain/errors';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { databaseUrlOf, Prisma, type BankStatement, type Payout, type PrismaClient } from '../client';
import { copyRows } from './copy-rows';
import { matchedOnLoanSql, matchStatementLines, money, paidTwiceSql, returnFoundAfterWatchSql, valueDaySql } from './match-statement-lines';
import { recordPayoutOutcome } from './payout-store';
import { holdReversedCredits } from './reversal-hold';
import { retryTransient, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';

// The escrow bank's statements and their reconciliation against the ledger (docs/reconciliation.md):
// a statement is stored once per account, currency and day, after its opening balance is checked
// against the day before; each counted line is matched by the rules in order (bank reference,
// payout reference, virtual account + amount + value-date window, expected payment); ledger
// activity no statement shows becomes LEDGER_ONLY; everything unresolved is tried again at each
// later import, and escalated once after the configured number of days.

export { STATEMENT_MATCH_WINDOW_DAYS } from './match-statement-lines';
/** Unresolved items re-tried at one import; more are left for the next (oldest first). */
export const RECONCILIATION_ROLL_FORWARD_MAX = 5_000;
/**
 * Items one import may write before it refreshes the planner's statistics of the items (ANALYZE,
 * which sees the import's own rows): after a busy day the table is several times what they
 * describe, and the ledger-only question below, planned on them, once took 110 s instead of 0.3 s
 * (docs/performance.md). Autovacuum cannot help: it sees the rows only after the commit.
 */
const ITEMS_WITHOUT_ANALYZE_MAX = 10_000;
/** Items escalated at one import, each telling the operators once. */
export const RECONCILIATION_ESCALATIONS_MAX = 500;
/**
 * An import of a full day reads and writes some 400,000 rows (at most STATEMENT_ENTRIES_MAX lines,
 * their items, and the ledger activity they are matched to): about 10 s for 100,000 lines on a
 * small machine (docs/performance.md), so five minutes leaves room for the largest day on a slow one.
 */
const IMPORT_TRANSACTION_TIMEOUT_MS = 300_000;

export interface ImportStatementOptions {
  format: StatementFileFormat;
  importedByUserId: string | null;
  /** Days an unresolved item may stay OPEN before it NEEDS_ATTENTION and operators are told. */
  escalateAfterDays: number;
  now?: Date;
}

export interface ImportedStatement {
  statement: BankStatement;
  /** False when the same statement was imported before: nothing changed. */
  created: boolean;
  /** Returns the statement found for payouts the ledger shows settled, booked back to their source accounts. */
  returnsBooked: number;
}

/** The statement's identity for "imported twice": its content, not its file's bytes or production time. */
function statementDigest(document: StatementDocument): string {
  const entries = document.entries.map((entry) => [entry.bankReference, entry.kind, entry.direction, entry.amount, entry.reference, entry.bookingDate, entry.valueDate]);
  return sha256Hex(JSON.stringify([document.accountNumber, document.currency, document.date, document.openingBalance, document.closingBalance, entries]));
}

function signed(value: string, currency: string): string {
  const amount = new Decimal(value);
  return amount.isNeg() ? `-${formatAmount(amount.abs(), currency as Currency)}` : formatAmount(amount, currency as Currency);
}

/** The new statement as the import works with it; the caller gets Prisma's view of it after the commit. */
interface StoredStatement {
  id: string;
  accountNumber: string;
  currency: string;
  date: IsoDate;
}

/**
 * Imports one day's statement and reconciles it. Importing the same statement again changes
 * nothing and answers the stored one; another statement of a day already imported, or one whose
 * balances break the chain of days, is refused and nothing is stored.
 */
export async function importStatement(prisma: PrismaClient, document: StatementDocument, options: ImportStatementOptions): Promise<ImportedStatement> {
  const now = options.now ?? new Date();
  const imported = await inImportTransaction(prisma, async (client) => {
    // One import per account and currency at a time: the chain of balances and the
    // roll-forward read what the previous import wrote (two at once would both miss it).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bank_statement:${document.accountNumber}:${document.currency}`]);
    const {
      rows: [existing],
    } = await client.query<{ id: string; content_sha256: string; imported_at: Date }>(
      `SELECT id::text AS id, content_sha256, imported_at FROM bank_statement WHERE account_number = $1 AND currency = $2 AND statement_date = $3::date`,
      [document.accountNumber, document.currency, document.date],
    );
    if (existing) {
      if (existing.content_sha256 === statementDigest(document)) return { id: existing.id, created: false };
      throw new ConflictError('STATEMENT_ALREADY_IMPORTED', `a different statement of ${document.date} for account ${maskBankAccountNumber(document.accountNumber)} (${document.currency}) was imported on ${existing.imported_at.toISOString()}; a day is imported once`);
    }
    await assertContinuity(client, document);
    const statement = await storeStatement(client, document, options, now);
    await reconcile(client, statement, options.escalateAfterDays, now);
    return { id: statement.id, created: true };
  });
  const statement = await prisma.bankStatement.findUniqueOrThrow({ where: { id: imported.id } });
  // After the import's commit, as the found returns are; an import repeated after a failure here freezes what is left.
  await holdReversedCredits(prisma, imported.id, now);
  const returnsBooked = await bookFoundReturns(prisma, document.accountNumber, document.currency, now);
  return { statement, created: imported.created, returnsBooked };
}

/**
 * Runs the import in one database transaction on a node-postgres connection of its own: the
 * lines go in with COPY, which Prisma's interactive transactions cannot run, and the matching's
 * temporary tables need one connection for the whole transaction. The
 * transaction is run again whole after a transient failure, as runTransaction does.
 */
async function inImportTransaction<T>(prisma: PrismaClient, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const connectionString = databaseUrlOf(prisma);
  if (!connectionString) throw new Error('importStatement needs a client made by createPrismaClient: it runs on a connection of its own to the same database');
  return retryTransient(async () => {
    const client = new pg.Client({ connectionString });
    // A connection that breaks while idle reports it at its next query; unheard, the event would end the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL transaction_timeout = ${IMPORT_TRANSACTION_TIMEOUT_MS}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

async function assertContinuity(client: pg.ClientBase, document: StatementDocument): Promise<void> {
  const adjacent = async (comparison: '<' | '>') => {
    const { rows } = await client.query<{ statement_date: IsoDate; opening_balance: string; closing_balance: string }>(
      `SELECT statement_date::text AS statement_date, opening_balance::text AS opening_balance, closing_balance::text AS closing_balance FROM bank_statement
        WHERE account_number = $1 AND currency = $2 AND statement_date ${comparison} $3::date
        ORDER BY statement_date ${comparison === '<' ? 'DESC' : 'ASC'} LIMIT 1`,
      [document.accountNumber, document.currency, document.date],
    );
    return rows[0];
  };
  const before = await adjacent('<');
  if (before && !new Decimal(before.closing_balance).eq(document.openingBalance)) {
    throw new StatementContinuityError(document.date, document.openingBalance, before.statement_date, signed(before.closing_balance, document.currency), document.currency, 'OPENING');
  }
  const after = await adjacent('>');
  if (after && !new Decimal(after.opening_balance).eq(document.closingBalance)) {
    throw new StatementContinuityError(document.date, document.closingBalance, after.statement_date, signed(after.opening_balance, document.currency), document.currency, 'CLOSING');
  }
}

const LINE_COLUMNS = [
  'id', 'statement_id', 'position', 'bank_reference', 'kind', 'direction', 'amount', 'currency', 'reference', 'booking_date', 'value_date',
  'end_to_end_id', 'debtor_name', 'debtor_account_number', 'creditor_name', 'creditor_account_number', 'remittance_information', 'duplicate_of_id',
];

/**
 * What the process works out of a statement before storing it: its digest and which line each
 * repeated entry repeats. Worked out while the database answers the bank-reference check, so that
 * the two run at once; the lines' COPY text is written while the database takes the rows before.
 */
interface PreparedStatement {
  id: string;
  digest: string;
  /** The position (from 0) of each bank reference's first entry. */
  firstOf: Map<string, number>;
}

function prepareStatement(document: StatementDocument): PreparedStatement {
  const firstOf = new Map<string, number>();
  for (let index = 0; index < document.entries.length; index += 1) {
    const { bankReference } = document.entries[index]!;
    if (!firstOf.has(bankReference)) firstOf.set(bankReference, index);
  }
  return { id: randomUUID(), digest: statementDigest(document), firstOf };
}

/** The statement's lines as COPY rows, each id chosen as its row is written (a repeated entry points at its first, which comes before it). */
function* lineRows(document: StatementDocument, prepared: PreparedStatement): Generator<(string | null)[]> {
  const firstIds = new Map<string, string>();
  for (let index = 0; index < document.entries.length; index += 1) {
    const entry = document.entries[index]!;
    const id = randomUUID();
    const first = prepared.firstOf.get(entry.bankReference) === index;
    if (first) firstIds.set(entry.bankReference, id);
    yield [
      id, prepared.id, String(index + 1), entry.bankReference, entry.kind, entry.direction, entry.amount, document.currency, entry.reference,
      entry.bookingDate, entry.valueDate, entry.endToEndId, entry.debtorName, entry.debtorAccountNumber, entry.creditorName, entry.creditorAccountNumber,
      entry.remittanceInformation, first ? null : firstIds.get(entry.bankReference)!,
    ];
  }
}

async function storeStatement(client: pg.ClientBase, document: StatementDocument, options: ImportStatementOptions, now: Date): Promise<StoredStatement> {
  // One bank line is counted once: a reference already on a stored statement refuses the whole file.
  // The check is sent first; the process works out the digest while the database answers it.
  const seenBeforeQuery = client.query<{ bank_reference: string; statement_date: IsoDate }>(
    `SELECT l.bank_reference, s.statement_date::text AS statement_date FROM bank_statement_line l JOIN bank_statement s ON s.id = l.statement_id
      WHERE l.bank_reference = ANY($1::text[]) AND l.duplicate_of_id IS NULL
      LIMIT 1`,
    [document.entries.map((entry) => entry.bankReference)],
  );
  // Heard whatever happens while preparing, so that a failure of the check is never left unhandled.
  seenBeforeQuery.catch(() => undefined);
  const prepared = prepareStatement(document);
  const {
    rows: [seenBefore],
  } = await seenBeforeQuery;
  if (seenBefore) {
    throw new ConflictError('STATEMENT_LINE_ALREADY_IMPORTED', `bank reference ${seenBefore.bank_reference} was already on the statement of ${seenBefore.statement_date}: one movement is counted once`);
  }
  await client.query(
    `INSERT INTO bank_statement (id, account_number, currency, statement_date, bank_statement_id, bank_created_at, format, content_sha256, opening_balance, closing_balance,
                                 entry_count, duplicate_count, imported_by_user_id, imported_at)
     VALUES ($14::uuid, $1, $2, $3::date, $4, $5::timestamptz, $6::bank_statement_format, $7, $8::numeric, $9::numeric, $10::int, $11::int, $12::uuid, $13::timestamptz)`,
    [
      document.accountNumber, document.currency, document.date, document.statementId, document.createdAt.toISOString(), options.format, prepared.digest,
      document.openingBalance, document.closingBalance, document.entries.length, document.entries.length - prepared.firstOf.size, options.importedByUserId, now.toISOString(), prepared.id,
    ],
  );
  await copyRows(client, 'bank_statement_line', LINE_COLUMNS, lineRows(document, prepared));
  return { id: prepared.id, accountNumber: document.accountNumber, currency: document.currency, date: document.date };
}

/** The instant a line's value date begins, from its `value_date` column. */
const LINE_VALUE_DAY = valueDaySql('l.value_date');

/** Every counted line of the new statement matched, earlier unresolved items tried again, ledger-only activity found, overdue items escalated. */
async function reconcile(client: pg.ClientBase, statement: StoredStatement, escalateAfterDays: number, now: Date): Promise<void> {
  // The counted lines in the file's order, matched in the database and written as items from there:
  // neither the lines nor their items travel through the process again.
  await matchStatementLines(
    client,
    `SELECT l.position, l.id, NULL::uuid, l.kind, l.bank_reference, l.reference, l.amount, l.currency, l.value_date, ${LINE_VALUE_DAY}
       FROM bank_statement_line l WHERE l.statement_id = $1::uuid AND l.duplicate_of_id IS NULL`,
    [statement.id],
  );
  await sendBackItemsOnLoan(client, statement.date, now);
  const { rowCount: items } = await client.query(
    `INSERT INTO reconciliation_item (outcome, status, resolved_at, kind, account_number, currency, amount, statement_line_id, inbound_credit_id, payout_id,
                                      offline_repayment_id, rule, detail, first_statement_date, last_checked_date, created_at, updated_at)
     SELECT m.outcome, CASE WHEN m.outcome = 'MATCHED' THEN 'RESOLVED' ELSE 'OPEN' END::reconciliation_status, CASE WHEN m.outcome = 'MATCHED' THEN $3::timestamptz END,
            m.kind, $1, m.currency, m.amount, m.line_id, m.inbound_credit_id, m.payout_id, m.offline_repayment_id, m.rule, m.detail, $2::date, $2::date, $3::timestamptz, $3::timestamptz
       FROM statement_match m ORDER BY m.ord`,
    [statement.accountNumber, statement.date, now.toISOString()],
  );
  if ((items ?? 0) > ITEMS_WITHOUT_ANALYZE_MAX) await client.query('ANALYZE reconciliation_item');
  await resolveLedgerOnly(client, statement.date, now);
  await rollForward(client, statement, 'EARLIER', now);
  await findLedgerOnly(client, statement, now);
  await escalate(client, statement, escalateAfterDays, now);
}

/** Ledger activity the lines just matched (in `statement_match`) explain is no longer ledger-only. */
async function resolveLedgerOnly(client: pg.ClientBase, date: IsoDate, now: Date): Promise<void> {
  await client.query(
    `UPDATE reconciliation_item i SET status = 'RESOLVED', resolved_at = $1::timestamptz, updated_at = $1::timestamptz, last_checked_date = $2::date, detail = $3
      WHERE i.outcome = 'LEDGER_ONLY' AND i.status <> 'RESOLVED'
        AND (i.inbound_credit_id IN (SELECT m.inbound_credit_id FROM statement_match m WHERE m.outcome = 'MATCHED' AND m.inbound_credit_id IS NOT NULL)
             OR (i.payout_id, i.kind) IN (SELECT m.payout_id, m.kind FROM statement_match m WHERE m.outcome = 'MATCHED' AND m.inbound_credit_id IS NULL AND m.payout_id IS NOT NULL))`,
    [now.toISOString(), date, `shown by the bank on the statement of ${date}`],
  );
}

/**
 * Items matched only on loan from rule 2 to a credit that the lines just matched (in
 * `statement_match`) took back by rule 1 for its own bank line are sent back to the roll-forward,
 * open and bank-only again, before the lines' matches are written: the credit is never matched
 * twice (the partial unique index of matched credits would refuse it). The roll-forward of this
 * import, or of the next when the roll-forward itself took the credit back, matches each again,
 * usually to its own credit by rule 1 once the feed has reported it; the reports of its earlier
 * days show it as a line matched by a later import.
 */
async function sendBackItemsOnLoan(client: pg.ClientBase, date: IsoDate, now: Date): Promise<void> {
  await client.query(
    `UPDATE reconciliation_item i
        SET outcome = 'BANK_ONLY', status = 'OPEN', rule = NULL, inbound_credit_id = NULL, resolved_at = NULL, last_checked_date = $2::date, updated_at = $1::timestamptz,
            detail = left('credit ' || c.bank_reference || ' had been matched to this line by virtual account, amount and value date; its own bank line '
                          || c.bank_reference || ' took it back at the import of ' || $2::date::text || ': to be matched again', 500)
       FROM statement_match m JOIN inbound_credit c ON c.id = m.inbound_credit_id
      WHERE m.rule = 'BANK_REFERENCE' AND i.inbound_credit_id = m.inbound_credit_id AND i.outcome = 'MATCHED'
        AND i.id IS DISTINCT FROM m.item_id AND ${matchedOnLoanSql('i')}`,
    [now.toISOString(), date],
  );
}

/**
 * Which unresolved items a roll-forward matches again: an import those of earlier statements (its
 * own lines it has just matched); a statement reconciled again at its day's cut-off its own too.
 */
type RollForwardScope = 'EARLIER' | 'THROUGH_OWN';

/** Unresolved lines of earlier days are matched again: the feed or the workflow may have booked them since. */
async function rollForward(client: pg.ClientBase, statement: StoredStatement, scope: RollForwardScope, now: Date): Promise<void> {
  const { date } = statement;
  // Oldest first; the items of one statement share their first day and creation time, so their
  // lines' positions keep them in the statement's order.
  const { subjects } = await matchStatementLines(
    client,
    `SELECT (row_number() OVER (ORDER BY i.first_statement_date, i.created_at, l.position))::int, l.id, i.id, l.kind, l.bank_reference, l.reference, l.amount, l.currency,
            l.value_date, ${LINE_VALUE_DAY}
       FROM reconciliation_item i JOIN bank_statement_line l ON l.id = i.statement_line_id
      WHERE i.account_number = $1 AND i.currency = $2 AND i.status <> 'RESOLVED' AND i.outcome = 'BANK_ONLY' AND i.first_statement_date ${scope === 'EARLIER' ? '<' : '<='} $3::date
      ORDER BY i.first_statement_date, i.created_at, l.position
      LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`,
    [statement.accountNumber, statement.currency, date],
  );
  if (subjects === 0) return;
  await sendBackItemsOnLoan(client, date, now);
  await client.query(
    `UPDATE reconciliation_item i
        SET outcome = m.outcome, rule = m.rule, inbound_credit_id = m.inbound_credit_id, payout_id = m.payout_id, offline_repayment_id = m.offline_repayment_id,
            detail = CASE WHEN m.outcome = 'MATCHED' THEN m.detail || $3 ELSE m.detail END,
            status = CASE WHEN m.outcome = 'MATCHED' THEN 'RESOLVED'::reconciliation_status ELSE i.status END,
            resolved_at = CASE WHEN m.outcome = 'MATCHED' THEN $1::timestamptz ELSE i.resolved_at END,
            last_checked_date = $2::date, updated_at = $1::timestamptz
       FROM statement_match m
      WHERE i.id = m.item_id`,
    [now.toISOString(), date, ` (matched at the ${scope === 'EARLIER' ? 'import' : 'cut-off'} of ${date})`],
  );
  await resolveLedgerOnly(client, date, now);
}

/**
 * A statement imported while its day was still open was matched against a ledger the day could
 * still add to until its cut-off: the feed books a credit of the day at the bank's receipt, a
 * payout's answer settles it. So before the closed day's report is made from it, what its import
 * decided from the ledger is decided again against the closed day, under the import's lock: its
 * own unresolved lines and those of earlier days matched again, ledger-only activity found. A
 * line the feed booked meanwhile is then matched, not left bank-only beside the money the day's
 * ledger holds.
 */
export async function reconcileStatementAgain(prisma: PrismaClient, statementId: string, now = new Date()): Promise<void> {
  await inImportTransaction(prisma, async (client) => {
    const {
      rows: [statement],
    } = await client.query<StoredStatement>(
      `SELECT id::text AS id, account_number AS "accountNumber", currency, statement_date::text AS date FROM bank_statement WHERE id = $1::uuid`,
      [statementId],
    );
    if (!statement) throw new Error(`bank statement ${statementId} is not stored`);
    // One import per account and currency at a time, and this with them: both read and write its items.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bank_statement:${statement.accountNumber}:${statement.currency}`]);
    await rollForward(client, statement, 'THROUGH_OWN', now);
    await findLedgerOnly(client, statement, now);
  });
}

/**
 * Ledger activity of the days statements cover that no statement line explains: a payout the
 * ledger settled that the bank never executed (shortage, 短款, or in transit over the day's end),
 * a payout return the ledger booked from the bank's answer that no statement shows coming back
 * (yet), a credit the ledger booked that the bank never showed.
 */
async function findLedgerOnly(client: pg.ClientBase, statement: StoredStatement, now: Date): Promise<void> {
  const {
    rows: [first],
  } = await client.query<{ first: IsoDate }>(`SELECT min(statement_date)::text AS first FROM bank_statement WHERE account_number = $1 AND currency = $2`, [statement.accountNumber, statement.currency]);
  const from = startOfBusinessDate(first!.first).toISOString();
  const to = startOfBusinessDate(addDays(statement.date, 1)).toISOString();
  // "Does an item match or list this payout (credit)?" is asked once per outcome, so that each
  // question is answered by that outcome's partial unique index: no index of every item naming a
  // payout or a credit has to be written with each of a busy day's 100,000 items.
  const { rows: payouts } = await client.query<{ id: string; amount: string; payout_reference: string; settled_at: Date }>(
    `SELECT p.id::text AS id, p.amount::text AS amount, p.payout_reference, p.settled_at FROM payout p
      WHERE p.currency = $1 AND p.status IN ('SETTLED', 'RETURNED') AND p.settled_at >= $2::timestamptz AND p.settled_at < $3::timestamptz
        AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.payout_id = p.id AND i.kind = 'PAYOUT' AND i.outcome = 'MATCHED' AND i.status = 'RESOLVED')
        AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.payout_id = p.id AND i.kind = 'PAYOUT' AND i.outcome = 'LEDGER_ONLY')
      ORDER BY p.settled_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`,
    [statement.currency, from, to],
  );
  // A return is dated by its posting, as the report dates it: the day whose ledger holds the money
  // back in its source account. What came back is the returned amount (a return may be partial),
  // and a return line matched to it, or booked from a statement (RETURN_BOOKED), explains it.
  const { rows: returns } = await client.query<{ id: string; amount: string; payout_reference: string; returned_at: Date }>(
    `SELECT p.id::text AS id, coalesce(p.returned_amount, p.amount)::text AS amount, p.payout_reference, rt.effective_at AS returned_at
       FROM payout p JOIN ledger_transaction rt ON rt.id = p.reversal_transaction_id
      WHERE p.currency = $1 AND p.status = 'RETURNED' AND rt.effective_at >= $2::timestamptz AND rt.effective_at < $3::timestamptz
        AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.payout_id = p.id AND i.kind = 'PAYOUT_RETURN' AND i.status = 'RESOLVED' AND (i.outcome = 'MATCHED' OR i.rule = 'RETURN_BOOKED'))
        AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.payout_id = p.id AND i.kind = 'PAYOUT_RETURN' AND i.outcome = 'LEDGER_ONLY')
      ORDER BY rt.effective_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`,
    [statement.currency, from, to],
  );
  const { rows: credits } = await client.query<{ id: string; amount: string; bank_reference: string; received_at: Date }>(
    `SELECT c.id::text AS id, c.amount::text AS amount, c.bank_reference, c.received_at FROM inbound_credit c
      WHERE c.currency = $1 AND c.received_at >= $2::timestamptz AND c.received_at < $3::timestamptz
        AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome = 'MATCHED')
        AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome = 'LEDGER_ONLY')
      ORDER BY c.received_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`,
    [statement.currency, from, to],
  );
  const items = [
    ...payouts.map((payout) => ({
      kind: 'PAYOUT',
      amount: payout.amount,
      payoutId: payout.id,
      inboundCreditId: null as string | null,
      detail: `the ledger settled payout ${payout.payout_reference} on ${businessDateOf(payout.settled_at)}; no statement shows the bank paying it`,
    })),
    ...returns.map((returned) => ({
      kind: 'PAYOUT_RETURN',
      amount: returned.amount,
      payoutId: returned.id,
      inboundCreditId: null as string | null,
      detail: `the ledger booked ${money(returned.amount, statement.currency)} of payout ${returned.payout_reference} returned on ${businessDateOf(returned.returned_at)}; no statement shows it coming back`,
    })),
    ...credits.map((credit) => ({
      kind: 'INBOUND_CREDIT',
      amount: credit.amount,
      payoutId: null as string | null,
      inboundCreditId: credit.id,
      detail: `the ledger booked credit ${credit.bank_reference} received on ${businessDateOf(credit.received_at)}; no statement shows it`,
    })),
  ];
  if (items.length > 0) {
    await client.query(
      `INSERT INTO reconciliation_item (outcome, status, kind, account_number, currency, amount, payout_id, inbound_credit_id, detail, first_statement_date, last_checked_date, created_at, updated_at)
       SELECT 'LEDGER_ONLY', 'OPEN', u.kind::statement_line_kind, $1, $2, u.amount, u.payout_id, u.inbound_credit_id, u.detail, $3::date, $3::date, $4::timestamptz, $4::timestamptz
         FROM unnest($5::text[], $6::numeric[], $7::uuid[], $8::uuid[], $9::text[]) WITH ORDINALITY AS u(kind, amount, payout_id, inbound_credit_id, detail, ord)
        ORDER BY u.ord`,
      [
        statement.accountNumber, statement.currency, statement.date, now.toISOString(), items.map((item) => item.kind), items.map((item) => item.amount),
        items.map((item) => item.payoutId), items.map((item) => item.inboundCreditId), items.map((item) => item.detail),
      ],
    );
  }
  await client.query(
    `UPDATE reconciliation_item SET last_checked_date = $3::date WHERE account_number = $1 AND currency = $2 AND outcome = 'LEDGER_ONLY' AND status <> 'RESOLVED'`,
    [statement.accountNumber, statement.currency, statement.date],
  );
}

/** Items unresolved for `escalateAfterDays` days NEED_ATTENTION; every operator party is told once per item. */
async function escalate(client: pg.ClientBase, statement: StoredStatement, escalateAfterDays: number, now: Date): Promise<void> {
  const { rows: due } = await client.query<{ id: string; outcome: string; kind: string; amount: string; currency: string; first_statement_date: IsoDate; detail: string }>(
    `SELECT id::text AS id, outcome::text AS outcome, kind::text AS kind, amount::text AS amount, currency::text AS currency, first_statement_date::text AS first_statement_date, detail
       FROM reconciliation_item WHERE account_number = $1 AND currency = $2 AND status = 'OPEN' AND first_statement_date <= $3::date
      ORDER BY first_statement_date LIMIT ${RECONCILIATION_ESCALATIONS_MAX}`,
    [statement.accountNumber, statement.currency, addDays(statement.date, -escalateAfterDays)],
  );
  if (due.length === 0) return;
  await client.query(`UPDATE reconciliation_item SET status = 'NEEDS_ATTENTION', escalated_at = $1::timestamptz, updated_at = $1::timestamptz WHERE id = ANY($2::uuid[])`, [
    now.toISOString(),
    due.map((item) => item.id),
  ]);
  const { rows: operators } = await client.query<{ id: string }>(`SELECT id::text AS id FROM party WHERE 'PLATFORM' = ANY(roles)`);
  const notices = due.flatMap((item) => {
    const amount = money(item.amount, item.currency);
    const side = item.outcome === 'BANK_ONLY' ? '银行有账、平台无账（长款）/ the bank has it, the ledger does not' : '平台有账、银行无账（短款或在途）/ the ledger has it, the bank does not';
    const subject = `对账差异未解决 ${amount} / Reconciliation difference unresolved ${amount}`;
    const body = `${side}: ${amount} (${item.kind}) since the statement of ${item.first_statement_date}, unresolved after ${escalateAfterDays} days. ${item.detail}`.slice(0, 2000);
    // Each operator party's copy is keyed by the item and the party: told once, whatever retries the import sees.
    return operators.map((operator) => ({ partyId: operator.id, subject, body, dedupeKey: `reconciliation:${item.id}:attention:${operator.id}` }));
  });
  if (notices.length === 0) return;
  await client.query(
    `INSERT INTO notification (party_id, kind, subject, body, dedupe_key)
     SELECT u.party_id, 'RECONCILIATION_ITEM_UNRESOLVED', u.subject, u.body, u.dedupe_key FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(party_id, subject, body, dedupe_key)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [notices.map((notice) => notice.partyId), notices.map((notice) => notice.subject), notices.map((notice) => notice.body), notices.map((notice) => notice.dedupeKey)],
  );
}

/**
 * Returns on statements for payouts the ledger shows settled (come back after the workflow
 * stopped watching): each booked through the payout's own return path, which puts the money
 * back in the source account for a person to pay again (retryPayout), then marked resolved.
 * Each booking is its own transaction keyed by the payout, so a crash between the two steps
 * books nothing twice: the next import finds the payout returned and matches the line.
 *
 * A payout comes back once: of several return lines of one payout the first is booked, and the
 * next import finds the others' payout returned and leaves them BANK_ONLY (matchStatementLines).
 * A payout the bank paid more than once (a PAYOUT line of its reference that the ledger's payout
 * does not explain, 重复出款) is not returned automatically: booking the return would tell the
 * ledger that whoever it paid was never paid, when the money that came back may be the second
 * payment. Its return line stays BANK_ONLY, saying so, for a person who can ask the bank which
 * payment came back.
 */
export async function bookFoundReturns(prisma: PrismaClient, accountNumber: string, currency: string, now = new Date()): Promise<number> {
  const foundReturn = (item: string) => Prisma.raw(returnFoundAfterWatchSql('p', { kind: `${item}.kind`, amount: `${item}.amount`, currency: `${item}.currency` }));
  const paidTwice = Prisma.raw(paidTwiceSql('p'));
  await prisma.$executeRaw`
    UPDATE reconciliation_item i SET detail = d.detail, updated_at = ${now}
      FROM (SELECT r.id, 'payout ' || p.payout_reference || ' came back after the ledger settled it, but the bank paid it more than once (line '
                         || (SELECT xl.bank_reference FROM reconciliation_item x JOIN bank_statement_line xl ON xl.id = x.statement_line_id
                              WHERE x.payout_id = p.id AND x.kind = 'PAYOUT' AND x.outcome = 'BANK_ONLY' ORDER BY x.first_statement_date, xl.position LIMIT 1)
                         || '): which payment came back is for a person to find out with the bank; the return is not booked' AS detail
              FROM reconciliation_item r JOIN payout p ON p.id = r.payout_id
             WHERE r.account_number = ${accountNumber} AND r.currency = ${currency} AND r.outcome = 'BANK_ONLY' AND r.status <> 'RESOLVED'
               AND ${foundReturn('r')} AND ${paidTwice}) d
     WHERE i.id = d.id AND i.detail IS DISTINCT FROM d.detail`;
  const items = await prisma.$queryRaw<{ id: string; payout_id: string; amount: Prisma.Decimal; bank_reference: string; returned_at: Date }[]>`
    SELECT * FROM (
      SELECT DISTINCT ON (i.payout_id) i.id::text AS id, i.payout_id::text AS payout_id, i.amount, l.bank_reference, ${Prisma.raw(LINE_VALUE_DAY)} AS returned_at, i.created_at
        FROM reconciliation_item i JOIN bank_statement_line l ON l.id = i.statement_line_id JOIN payout p ON p.id = i.payout_id
       WHERE i.account_number = ${accountNumber} AND i.currency = ${currency} AND i.outcome = 'BANK_ONLY' AND i.status <> 'RESOLVED'
         AND ${foundReturn('i')} AND NOT ${paidTwice}
       ORDER BY i.payout_id, i.first_statement_date, l.position) first_return
     ORDER BY created_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
  let booked = 0;
  for (const item of items) {
    const payout = await prisma.payout.findUniqueOrThrow({ where: { id: item.payout_id } });
    const returnedAmount = formatAmount(toDecimal(item.amount), payout.currency as Currency);
    const view: PayoutView = {
      payoutReference: payout.payoutReference,
      status: 'RETURNED',
      amount: formatAmount(toDecimal(payout.amount), payout.currency as Currency),
      currency: payout.currency,
      bankReference: payout.bankReference,
      failureReason: null,
      settledAt: payout.settledAt,
      failedAt: null,
      // The bank's value date of the return line: when the payout came back, whenever the import runs.
      returnedAt: item.returned_at,
      returnReason: `returned after settlement; found on the bank statement (line ${item.bank_reference})`,
      returnedAmount,
    };
    // The return, its notice and the line's resolution are one transaction: an import that fails
    // after booking the return would otherwise leave the line open and the payee never told, since
    // a payout no longer SETTLED is not found again.
    const recorded = await recordPayoutOutcome(prisma, payout.id, { kind: 'STATEMENT', view }, now, async (tx, outcome) => {
      if (outcome.status !== 'RETURNED') return;
      // The payout's workflow had stopped watching: whoever it paid learns here that it came back (once).
      await tellOfLateReturn(tx, outcome, returnedAmount);
      await tx.reconciliationItem.update({
        where: { id: item.id },
        data: { status: 'RESOLVED', resolvedAt: now, updatedAt: now, rule: 'RETURN_BOOKED', bookedTransactionId: outcome.reversalTransactionId, detail: `payout ${payout.payoutReference} came back after the ledger settled it: ${returnedAmount} ${payout.currency} booked back to its source account, waiting to be paid again` },
      });
    });
    if (recorded.status !== 'RETURNED') continue;
    booked += 1;
  }
  return booked;
}

/** The party a payout paid (a disbursement's supplier, a withdrawal's party) is told its payout came back after the watch and can be paid again. */
async function tellOfLateReturn(prisma: PrismaClient | Tx, payout: Payout, returnedAmount: string): Promise<void> {
  const financing = payout.financingId ? await prisma.financing.findUnique({ where: { id: payout.financingId }, select: { supplierPartyId: true, financingNumber: true } }) : null;
  const partyId = financing?.supplierPartyId ?? payout.partyId;
  // A refund's payer is not a party: its exception is open again for the operators.
  if (!partyId || payout.purpose === 'REFUND') return;
  const amount = `${returnedAmount} ${payout.currency}`;
  const retry = financing ? `retryPayout(${financing.financingNumber})` : 'a new request';
  await prisma.notification.createMany({
    data: [{
      partyId,
      kind: 'PAYOUT_RETURNED',
      subject: `汇款退回 ${payout.payoutReference} / Payout ${payout.payoutReference} came back`,
      body: `汇款 ${payout.payoutReference} 已被收款行退回 ${amount}，款项已回到贵司结算户，可核对收款账户后重新发起。The payout ${payout.payoutReference} was returned by the beneficiary's bank after it had settled: ${amount} is back in your settlement account; check your payout account, then pay it again (${retry}).`,
      ...(payout.financingId ? { financingId: payout.financingId } : {}),
      dedupeKey: `payout:${payout.id}:returned-after-watch`,
    }],
    skipDuplicates: true,
  });
}

/** Rows per page of statements, their lines and reconciliation items. */
export const STATEMENT_PAGE_SIZE_MAX = 100;

/** Statements and their reconciliation are the platform's books: operators see them, no other party does. */
export function visibleToOperators<Where extends { id?: unknown }>(actor: Actor): Where | { id: { in: string[] } } {
  return isOperator(actor) ? ({} as Where) : { id: { in: [] } };
}
