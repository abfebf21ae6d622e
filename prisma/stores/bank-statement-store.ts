import { randomUUID } from 'node:crypto';
import type { PayoutView } from '../../bank/bank-adapter';
import type { StatementDocument, StatementEntry, StatementFileFormat } from '../../bank/statement/statement-document';
import { addDays, businessDateOf, dateColumn, isoDateOfColumn, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { isOperator, type Actor } from '../../domain/actor';
import { ConflictError, StatementContinuityError } from '../../domain/errors';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import type { BankStatement, Payout, Prisma, PrismaClient } from '../client';
import { matchStatementLines, money, type Match, type MatchSubject } from './match-statement-lines';
import { recordPayoutOutcome } from './payout-store';
import { runTransaction, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';
import { notifyParties, operatorPartyIds } from './operator-notices';

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
 * Rows written by one INSERT of lines or items: a statement of the largest day is a few such
 * round trips, and no single statement carries more than some megabytes of parameters.
 */
const STATEMENT_LINES_PER_INSERT_MAX = 20_000;
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

function signed(value: Prisma.Decimal, currency: string): string {
  const amount = toDecimal(value);
  return amount.isNeg() ? `-${formatAmount(amount.abs(), currency as Currency)}` : formatAmount(amount, currency as Currency);
}

/**
 * Imports one day's statement and reconciles it. Importing the same statement again changes
 * nothing and answers the stored one; another statement of a day already imported, or one whose
 * balances break the chain of days, is refused and nothing is stored.
 */
export async function importStatement(prisma: PrismaClient, document: StatementDocument, options: ImportStatementOptions): Promise<ImportedStatement> {
  const now = options.now ?? new Date();
  const digest = statementDigest(document);
  const imported = await runTransaction(
    prisma,
    async (tx) => {
      // One import per account and currency at a time: the chain of balances and the
      // roll-forward read what the previous import wrote (two at once would both miss it).
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`bank_statement:${document.accountNumber}:${document.currency}`}))`;
      const date = dateColumn(document.date);
      const existing = await tx.bankStatement.findUnique({ where: { accountNumber_currency_statementDate: { accountNumber: document.accountNumber, currency: document.currency, statementDate: date } } });
      if (existing) {
        if (existing.contentSha256 === digest) return { statement: existing, created: false };
        throw new ConflictError('STATEMENT_ALREADY_IMPORTED', `a different statement of ${document.date} for account ${document.accountNumber} (${document.currency}) was imported on ${existing.importedAt.toISOString()}; a day is imported once`);
      }
      await assertContinuity(tx, document);
      const statement = await storeStatement(tx, document, digest, options, now);
      await reconcile(tx, statement, options.escalateAfterDays, now);
      return { statement, created: true };
    },
    { timeoutMs: IMPORT_TRANSACTION_TIMEOUT_MS },
  );
  const returnsBooked = await bookFoundReturns(prisma, document.accountNumber, document.currency, now);
  return { ...imported, returnsBooked };
}

async function assertContinuity(tx: Tx, document: StatementDocument): Promise<void> {
  const key = { accountNumber: document.accountNumber, currency: document.currency };
  const date = dateColumn(document.date);
  const before = await tx.bankStatement.findFirst({ where: { ...key, statementDate: { lt: date } }, orderBy: { statementDate: 'desc' } });
  if (before && !toDecimal(before.closingBalance).eq(document.openingBalance)) {
    throw new StatementContinuityError(document.date, document.openingBalance, isoDateOfColumn(before.statementDate), signed(before.closingBalance, document.currency), document.currency, 'OPENING');
  }
  const after = await tx.bankStatement.findFirst({ where: { ...key, statementDate: { gt: date } }, orderBy: { statementDate: 'asc' } });
  if (after && !toDecimal(after.openingBalance).eq(document.closingBalance)) {
    throw new StatementContinuityError(document.date, document.closingBalance, isoDateOfColumn(after.statementDate), signed(after.openingBalance, document.currency), document.currency, 'CLOSING');
  }
}

async function storeStatement(tx: Tx, document: StatementDocument, digest: string, options: ImportStatementOptions, now: Date): Promise<BankStatement> {
  const references = [...new Set(document.entries.map((entry) => entry.bankReference))];
  const [seenBefore] = await tx.$queryRaw<{ bank_reference: string; statement_date: Date }[]>`
    SELECT l.bank_reference, s.statement_date FROM bank_statement_line l JOIN bank_statement s ON s.id = l.statement_id
     WHERE l.bank_reference = ANY(${references}::text[]) AND l.duplicate_of_id IS NULL
     LIMIT 1`;
  if (seenBefore) {
    throw new ConflictError('STATEMENT_LINE_ALREADY_IMPORTED', `bank reference ${seenBefore.bank_reference} was already on the statement of ${isoDateOfColumn(seenBefore.statement_date)}: one movement is counted once`);
  }
  const firstOf = new Map<string, number>();
  document.entries.forEach((entry, index) => {
    if (!firstOf.has(entry.bankReference)) firstOf.set(entry.bankReference, index);
  });
  const duplicateCount = document.entries.length - firstOf.size;
  const statement = await tx.bankStatement.create({
    data: {
      accountNumber: document.accountNumber,
      currency: document.currency,
      statementDate: dateColumn(document.date),
      bankStatementId: document.statementId,
      bankCreatedAt: document.createdAt,
      format: options.format,
      contentSha256: digest,
      openingBalance: document.openingBalance,
      closingBalance: document.closingBalance,
      entryCount: document.entries.length,
      duplicateCount,
      importedByUserId: options.importedByUserId,
      importedAt: now,
    },
  });
  // The lines in slices of one statement each (not one row per round trip: a busy day has
  // 100,000 of them). Ids are chosen here so that a repeated entry can point at its first.
  const ids = document.entries.map(() => randomUUID());
  for (let start = 0; start < document.entries.length; start += STATEMENT_LINES_PER_INSERT_MAX) {
    const slice = document.entries.slice(start, start + STATEMENT_LINES_PER_INSERT_MAX);
    // One JSON parameter rather than an array per column: one value to bind, read by PostgreSQL's own parser.
    const rows = JSON.stringify(
      slice.map((entry, offset) => {
        const index = start + offset;
        const first = firstOf.get(entry.bankReference)!;
        return [ids[index], index + 1, entry.bankReference, entry.kind, entry.direction, entry.amount, entry.reference, entry.bookingDate, entry.valueDate, entry.endToEndId, entry.debtorName, entry.debtorAccountNumber, entry.creditorName, entry.creditorAccountNumber, entry.remittanceInformation, first === index ? null : ids[first]];
      }),
    );
    await tx.$executeRaw`
      INSERT INTO bank_statement_line (id, statement_id, position, bank_reference, kind, direction, amount, currency, reference, booking_date, value_date,
                                       end_to_end_id, debtor_name, debtor_account_number, creditor_name, creditor_account_number, remittance_information, duplicate_of_id)
      SELECT (r->>0)::uuid, ${statement.id}::uuid, (r->>1)::int, r->>2, (r->>3)::statement_line_kind, (r->>4)::statement_line_direction, (r->>5)::numeric, ${document.currency},
             r->>6, (r->>7)::date, (r->>8)::date, r->>9, r->>10, r->>11, r->>12, r->>13, r->>14, (r->>15)::uuid
        FROM jsonb_array_elements(${rows}::jsonb) AS r`;
  }
  return statement;
}

interface LineRow {
  id: string;
  kind: StatementEntry['kind'];
  bank_reference: string;
  reference: string;
  amount: string;
  currency: string;
  value_date: Date;
}

function subjectOf(line: LineRow, itemId: string | null): MatchSubject {
  return { itemId, kind: line.kind, bankReference: line.bank_reference, reference: line.reference, amount: new Decimal(line.amount), currency: line.currency, valueDate: isoDateOfColumn(line.value_date) };
}

/** Every counted line of the new statement matched, earlier unresolved items tried again, ledger-only activity found, overdue items escalated. */
async function reconcile(tx: Tx, statement: BankStatement, escalateAfterDays: number, now: Date): Promise<void> {
  const date = isoDateOfColumn(statement.statementDate);
  const lines = await tx.$queryRaw<LineRow[]>`
    SELECT l.id::text AS id, l.kind::text AS kind, l.bank_reference, l.reference, l.amount::text AS amount, l.currency::text AS currency, l.value_date
      FROM bank_statement_line l WHERE l.statement_id = ${statement.id}::uuid AND l.duplicate_of_id IS NULL ORDER BY l.position`;
  const matches = await matchStatementLines(tx, lines.map((line) => subjectOf(line, null)));
  // Each line's kind and amount travel with its outcome (just read above): joining every item
  // back to its line by id costs an index probe per row for values already at hand.
  for (let start = 0; start < lines.length; start += STATEMENT_LINES_PER_INSERT_MAX) {
    const rows = JSON.stringify(
      lines.slice(start, start + STATEMENT_LINES_PER_INSERT_MAX).map((line, offset) => {
        const match = matches[start + offset]!;
        return [line.id, match.outcome, match.rule, match.inboundCreditId, match.payoutId, match.offlineRepaymentId, match.detail, line.kind, line.amount];
      }),
    );
    await tx.$executeRaw`
      INSERT INTO reconciliation_item (outcome, status, resolved_at, kind, account_number, currency, amount, statement_line_id, inbound_credit_id, payout_id,
                                       offline_repayment_id, rule, detail, first_statement_date, last_checked_date, created_at, updated_at)
      SELECT (r->>1)::reconciliation_outcome, CASE WHEN r->>1 = 'MATCHED' THEN 'RESOLVED' ELSE 'OPEN' END::reconciliation_status,
             CASE WHEN r->>1 = 'MATCHED' THEN ${now}::timestamptz END, (r->>7)::statement_line_kind, ${statement.accountNumber}, ${statement.currency}, (r->>8)::numeric, (r->>0)::uuid,
             (r->>3)::uuid, (r->>4)::uuid, (r->>5)::uuid, (r->>2)::reconciliation_rule, r->>6, ${isoDateOfColumn(statement.statementDate)}::date, ${isoDateOfColumn(statement.statementDate)}::date,
             ${now}::timestamptz, ${now}::timestamptz
        FROM jsonb_array_elements(${rows}::jsonb) WITH ORDINALITY AS u(r, ord)
       ORDER BY u.ord`;
  }
  if (lines.length > ITEMS_WITHOUT_ANALYZE_MAX) await tx.$executeRaw`ANALYZE reconciliation_item`;
  await resolveLedgerOnly(tx, lines.map((line, index) => ({ kind: line.kind, match: matches[index]! })), date, now);
  await rollForward(tx, statement, now);
  await findLedgerOnly(tx, statement, now);
  await escalate(tx, statement, escalateAfterDays, now);
}

/** Ledger activity lines now explain is no longer ledger-only. */
async function resolveLedgerOnly(tx: Tx, matched: { kind: StatementEntry['kind']; match: Match }[], date: IsoDate, now: Date): Promise<void> {
  const found = matched.filter(({ match }) => match.outcome === 'MATCHED');
  const creditIds = found.flatMap(({ match }) => (match.inboundCreditId ? [match.inboundCreditId] : []));
  const payouts = found.filter(({ match }) => !match.inboundCreditId && match.payoutId);
  if (creditIds.length === 0 && payouts.length === 0) return;
  const detail = `shown by the bank on the statement of ${date}`;
  await tx.$executeRaw`
    UPDATE reconciliation_item i SET status = 'RESOLVED', resolved_at = ${now}::timestamptz, updated_at = ${now}::timestamptz, last_checked_date = ${date}::date, detail = ${detail}
     WHERE i.outcome = 'LEDGER_ONLY' AND i.status <> 'RESOLVED'
       AND (i.inbound_credit_id = ANY(${creditIds}::uuid[])
            OR (i.payout_id, i.kind::text) IN (SELECT * FROM unnest(${payouts.map(({ match }) => match.payoutId)}::uuid[], ${payouts.map(({ kind }) => kind)}::text[])))`;
}

/** Unresolved lines of earlier days are matched again: the feed or the workflow may have booked them since. */
async function rollForward(tx: Tx, statement: BankStatement, now: Date): Promise<void> {
  const date = isoDateOfColumn(statement.statementDate);
  const open = await tx.$queryRaw<(LineRow & { item_id: string })[]>`
    SELECT i.id::text AS item_id, l.id::text AS id, l.kind::text AS kind, l.bank_reference, l.reference, l.amount::text AS amount, l.currency::text AS currency, l.value_date
      FROM reconciliation_item i JOIN bank_statement_line l ON l.id = i.statement_line_id
     WHERE i.account_number = ${statement.accountNumber} AND i.currency = ${statement.currency} AND i.status <> 'RESOLVED' AND i.outcome = 'BANK_ONLY'
       AND i.first_statement_date < ${isoDateOfColumn(statement.statementDate)}::date
     ORDER BY i.first_statement_date, i.created_at
     LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
  if (open.length === 0) return;
  const matches = await matchStatementLines(tx, open.map((row) => subjectOf(row, row.item_id)));
  const rows = open.map((row, index) => {
    const match = matches[index]!;
    return { id: row.item_id, match, detail: match.outcome === 'MATCHED' ? `${match.detail} (matched at the import of ${date})` : match.detail };
  });
  await tx.$executeRaw`
    UPDATE reconciliation_item i
       SET outcome = u.outcome::reconciliation_outcome, rule = u.rule::reconciliation_rule, inbound_credit_id = u.inbound_credit_id, payout_id = u.payout_id,
           offline_repayment_id = u.offline_repayment_id, detail = u.detail,
           status = CASE WHEN u.outcome = 'MATCHED' THEN 'RESOLVED'::reconciliation_status ELSE i.status END,
           resolved_at = CASE WHEN u.outcome = 'MATCHED' THEN ${now}::timestamptz ELSE i.resolved_at END,
           last_checked_date = ${isoDateOfColumn(statement.statementDate)}::date, updated_at = ${now}::timestamptz
      FROM unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.match.outcome)}::text[], ${rows.map((row) => row.match.rule)}::text[],
                  ${rows.map((row) => row.match.inboundCreditId)}::uuid[], ${rows.map((row) => row.match.payoutId)}::uuid[],
                  ${rows.map((row) => row.match.offlineRepaymentId)}::uuid[], ${rows.map((row) => row.detail)}::text[])
           AS u(id, outcome, rule, inbound_credit_id, payout_id, offline_repayment_id, detail)
     WHERE i.id = u.id`;
  await resolveLedgerOnly(tx, open.map((row, index) => ({ kind: row.kind, match: matches[index]! })), date, now);
}

/**
 * Ledger activity of the days statements cover that no statement line explains: a payout the
 * ledger settled that the bank never executed (shortage, 短款, or in transit over the day's end),
 * a credit the ledger booked that the bank never showed.
 */
async function findLedgerOnly(tx: Tx, statement: BankStatement, now: Date): Promise<void> {
  const first = await tx.bankStatement.findFirst({ where: { accountNumber: statement.accountNumber, currency: statement.currency }, orderBy: { statementDate: 'asc' }, select: { statementDate: true } });
  const from = startOfBusinessDate(isoDateOfColumn(first!.statementDate));
  const to = startOfBusinessDate(addDays(isoDateOfColumn(statement.statementDate), 1));
  const payouts = await tx.$queryRaw<{ id: string; amount: string; payout_reference: string; settled_at: Date }[]>`
    SELECT p.id::text AS id, p.amount::text AS amount, p.payout_reference, p.settled_at FROM payout p
     WHERE p.currency = ${statement.currency} AND p.status IN ('SETTLED', 'RETURNED') AND p.settled_at >= ${from} AND p.settled_at < ${to}
       AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.payout_id = p.id AND i.kind = 'PAYOUT' AND i.outcome IN ('MATCHED', 'LEDGER_ONLY'))
     ORDER BY p.settled_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
  const credits = await tx.$queryRaw<{ id: string; amount: string; bank_reference: string; received_at: Date }[]>`
    SELECT c.id::text AS id, c.amount::text AS amount, c.bank_reference, c.received_at FROM inbound_credit c
     WHERE c.currency = ${statement.currency} AND c.received_at >= ${from} AND c.received_at < ${to}
       AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome IN ('MATCHED', 'LEDGER_ONLY'))
     ORDER BY c.received_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
  const items = [
    ...payouts.map((payout) => ({
      kind: 'PAYOUT',
      amount: payout.amount,
      payoutId: payout.id,
      inboundCreditId: null as string | null,
      detail: `the ledger settled payout ${payout.payout_reference} on ${businessDateOf(payout.settled_at)}; no statement shows the bank paying it`,
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
    await tx.$executeRaw`
      INSERT INTO reconciliation_item (outcome, status, kind, account_number, currency, amount, payout_id, inbound_credit_id, detail, first_statement_date, last_checked_date, created_at, updated_at)
      SELECT 'LEDGER_ONLY', 'OPEN', u.kind::statement_line_kind, ${statement.accountNumber}, ${statement.currency}, u.amount, u.payout_id, u.inbound_credit_id, u.detail,
             ${isoDateOfColumn(statement.statementDate)}::date, ${isoDateOfColumn(statement.statementDate)}::date, ${now}::timestamptz, ${now}::timestamptz
        FROM unnest(${items.map((item) => item.kind)}::text[], ${items.map((item) => item.amount)}::numeric[], ${items.map((item) => item.payoutId)}::uuid[],
                    ${items.map((item) => item.inboundCreditId)}::uuid[], ${items.map((item) => item.detail)}::text[]) WITH ORDINALITY AS u(kind, amount, payout_id, inbound_credit_id, detail, ord)
       ORDER BY u.ord`;
  }
  await tx.reconciliationItem.updateMany({
    where: { accountNumber: statement.accountNumber, currency: statement.currency, outcome: 'LEDGER_ONLY', status: { not: 'RESOLVED' } },
    data: { lastCheckedDate: statement.statementDate },
  });
}

/** Items unresolved for `escalateAfterDays` days NEED_ATTENTION; every operator party is told once per item. */
async function escalate(tx: Tx, statement: BankStatement, escalateAfterDays: number, now: Date): Promise<void> {
  const date = isoDateOfColumn(statement.statementDate);
  const due = await tx.reconciliationItem.findMany({
    where: { accountNumber: statement.accountNumber, currency: statement.currency, status: 'OPEN', firstStatementDate: { lte: dateColumn(addDays(date, -escalateAfterDays)) } },
    orderBy: { firstStatementDate: 'asc' },
    take: RECONCILIATION_ESCALATIONS_MAX,
  });
  if (due.length === 0) return;
  const operators = await operatorPartyIds(tx);
  for (const item of due) {
    await tx.reconciliationItem.update({ where: { id: item.id }, data: { status: 'NEEDS_ATTENTION', escalatedAt: now, updatedAt: now } });
    const amount = money(item.amount, item.currency);
    const side = item.outcome === 'BANK_ONLY' ? '银行有账、平台无账（长款）/ the bank has it, the ledger does not' : '平台有账、银行无账（短款或在途）/ the ledger has it, the bank does not';
    await notifyParties(
      tx,
      operators,
      {
        kind: 'RECONCILIATION_ITEM_UNRESOLVED',
        subject: `对账差异未解决 ${amount} / Reconciliation difference unresolved ${amount}`,
        body: `${side}: ${amount} (${item.kind}) since the statement of ${isoDateOfColumn(item.firstStatementDate)}, unresolved after ${escalateAfterDays} days. ${item.detail}`.slice(0, 2000),
      },
      `reconciliation:${item.id}:attention`,
    );
  }
}

/**
 * Returns on statements for payouts the ledger shows settled (come back after the workflow
 * stopped watching): each booked through the payout's own return path, which puts the money
 * back in the source account for a person to pay again (retryPayout), then marked resolved.
 * Each booking is its own transaction keyed by the payout, so a crash between the two steps
 * books nothing twice: the next import finds the payout returned and matches the line.
 */
export async function bookFoundReturns(prisma: PrismaClient, accountNumber: string, currency: string, now = new Date()): Promise<number> {
  const items = await prisma.$queryRaw<{ id: string; payout_id: string; amount: Prisma.Decimal; bank_reference: string; booked_at: Date }[]>`
    SELECT i.id::text AS id, i.payout_id::text AS payout_id, i.amount, l.bank_reference, l.booking_date AS booked_at
      FROM reconciliation_item i JOIN bank_statement_line l ON l.id = i.statement_line_id JOIN payout p ON p.id = i.payout_id
     WHERE i.account_number = ${accountNumber} AND i.currency = ${currency} AND i.kind = 'PAYOUT_RETURN' AND i.outcome = 'BANK_ONLY'
       AND i.status <> 'RESOLVED' AND p.status = 'SETTLED' AND i.amount <= p.amount
     ORDER BY i.created_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
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
      returnedAt: now,
      returnReason: `returned after settlement; found on the bank statement (line ${item.bank_reference})`,
      returnedAmount,
    };
    const recorded = await recordPayoutOutcome(prisma, payout.id, { kind: 'BANK', view }, now);
    if (recorded.status !== 'RETURNED') continue;
    // The payout's workflow had stopped watching: whoever it paid learns here that it came back (once).
    await tellOfLateReturn(prisma, recorded, returnedAmount);
    await prisma.reconciliationItem.update({
      where: { id: item.id },
      data: { status: 'RESOLVED', resolvedAt: now, updatedAt: now, rule: 'RETURN_BOOKED', bookedTransactionId: recorded.reversalTransactionId, detail: `payout ${payout.payoutReference} came back after the ledger settled it: ${returnedAmount} ${payout.currency} booked back to its source account, waiting to be paid again` },
    });
    booked += 1;
  }
  return booked;
}

/** The party a payout paid (a disbursement's supplier, a withdrawal's party) is told its payout came back after the watch and can be paid again. */
async function tellOfLateReturn(prisma: PrismaClient, payout: Payout, returnedAmount: string): Promise<void> {
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
