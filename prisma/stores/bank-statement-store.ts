import type { PayoutView } from '../../bank/bank-adapter';
import type { StatementDocument, StatementEntry, StatementFileFormat } from '../../bank/statement/statement-document';
import { addDays, businessDateOf, dateColumn, isoDateOfColumn, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import { isOperator, type Actor } from '../../domain/actor';
import { ConflictError, StatementContinuityError } from '../../domain/errors';
import { type Decimal, formatAmount, type Currency } from '../../domain/money';
import type { BankStatement, Payout, Prisma, PrismaClient, ReconciliationRule } from '../client';
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

/** A value date within this many days of the ledger's receipt still matches by account and amount. */
export const STATEMENT_MATCH_WINDOW_DAYS = 2;
/** Unresolved items re-tried at one import; more are left for the next (oldest first). */
export const RECONCILIATION_ROLL_FORWARD_MAX = 5_000;
/** Items escalated at one import, each telling the operators once. */
export const RECONCILIATION_ESCALATIONS_MAX = 500;
/** An import of a full day reads and writes up to some 20,000 rows. */
const IMPORT_TRANSACTION_TIMEOUT_MS = 120_000;
const DAY_MS = 24 * 60 * 60 * 1000;

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

/** What a line was matched to, or why not. */
interface Match {
  outcome: 'MATCHED' | 'BANK_ONLY';
  rule: ReconciliationRule | null;
  inboundCreditId: string | null;
  payoutId: string | null;
  offlineRepaymentId: string | null;
  detail: string;
}

interface LineFacts {
  kind: StatementEntry['kind'];
  bankReference: string;
  reference: string;
  amount: Decimal;
  currency: string;
  valueDate: IsoDate;
}

/** The statement's identity for "imported twice": its content, not its file's bytes or production time. */
function statementDigest(document: StatementDocument): string {
  const entries = document.entries.map((entry) => [entry.bankReference, entry.kind, entry.direction, entry.amount, entry.reference, entry.bookingDate, entry.valueDate]);
  return sha256Hex(JSON.stringify([document.accountNumber, document.currency, document.date, document.openingBalance, document.closingBalance, entries]));
}

function money(value: Decimal | Prisma.Decimal, currency: string): string {
  return `${formatAmount(toDecimal(value), currency as Currency)} ${currency}`;
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
  const seenBefore = await tx.bankStatementLine.findFirst({ where: { bankReference: { in: references }, duplicateOfId: null }, include: { statement: true } });
  if (seenBefore) {
    throw new ConflictError('STATEMENT_LINE_ALREADY_IMPORTED', `bank reference ${seenBefore.bankReference} was already on the statement of ${isoDateOfColumn(seenBefore.statement.statementDate)}: one movement is counted once`);
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
  const ids = new Map<number, string>();
  for (const [index, entry] of document.entries.entries()) {
    const first = firstOf.get(entry.bankReference)!;
    const line = await tx.bankStatementLine.create({
      data: {
        statementId: statement.id,
        position: index + 1,
        bankReference: entry.bankReference,
        kind: entry.kind,
        direction: entry.direction,
        amount: entry.amount,
        currency: entry.currency,
        reference: entry.reference,
        bookingDate: dateColumn(entry.bookingDate),
        valueDate: dateColumn(entry.valueDate),
        endToEndId: entry.endToEndId,
        debtorName: entry.debtorName,
        debtorAccountNumber: entry.debtorAccountNumber,
        creditorName: entry.creditorName,
        creditorAccountNumber: entry.creditorAccountNumber,
        remittanceInformation: entry.remittanceInformation,
        duplicateOfId: first === index ? null : ids.get(first)!,
      },
    });
    ids.set(index, line.id);
  }
  return statement;
}

/** Every counted line of the new statement matched, earlier unresolved items tried again, ledger-only activity found, overdue items escalated. */
async function reconcile(tx: Tx, statement: BankStatement, escalateAfterDays: number, now: Date): Promise<void> {
  const date = isoDateOfColumn(statement.statementDate);
  const lines = await tx.bankStatementLine.findMany({ where: { statementId: statement.id, duplicateOfId: null }, orderBy: { position: 'asc' } });
  for (const line of lines) {
    const facts: LineFacts = { kind: line.kind, bankReference: line.bankReference, reference: line.reference, amount: toDecimal(line.amount), currency: line.currency, valueDate: isoDateOfColumn(line.valueDate) };
    const match = await matchLine(tx, facts, null);
    await tx.reconciliationItem.create({
      data: {
        ...match,
        status: match.outcome === 'MATCHED' ? 'RESOLVED' : 'OPEN',
        resolvedAt: match.outcome === 'MATCHED' ? now : null,
        kind: line.kind,
        accountNumber: statement.accountNumber,
        currency: statement.currency,
        amount: line.amount,
        statementLineId: line.id,
        firstStatementDate: statement.statementDate,
        lastCheckedDate: statement.statementDate,
        createdAt: now,
        updatedAt: now,
      },
    });
    if (match.outcome === 'MATCHED') await resolveLedgerOnly(tx, line.kind, match, date, now);
  }
  await rollForward(tx, statement, now);
  await findLedgerOnly(tx, statement, now);
  await escalate(tx, statement, escalateAfterDays, now);
}

/**
 * The matching rules, in order (docs/reconciliation.md, "Matching"). `itemId` is the line's own
 * item when it is tried again, so what it already holds does not count as taken by another line.
 */
async function matchLine(tx: Tx, line: LineFacts, itemId: string | null): Promise<Match> {
  const none = { inboundCreditId: null, payoutId: null, offlineRepaymentId: null, rule: null };
  const amount = money(line.amount, line.currency);
  if (line.kind === 'INBOUND_CREDIT') {
    // 1. The bank's reference, the key the feed booked the credit under.
    const byReference = await tx.inboundCredit.findUnique({ where: { bankReference: line.bankReference } });
    if (byReference) {
      if (byReference.currency === line.currency && toDecimal(byReference.amount).eq(line.amount) && !(await creditTaken(tx, byReference.id, itemId))) {
        return { ...none, outcome: 'MATCHED', rule: 'BANK_REFERENCE', inboundCreditId: byReference.id, detail: `booked by the feed under ${line.bankReference}` };
      }
      return { ...none, outcome: 'BANK_ONLY', detail: `the ledger booked ${money(byReference.amount, byReference.currency)} under ${line.bankReference}; the bank shows ${amount}` };
    }
    // 2. The virtual account credited, the amount, and a receipt within the value-date window: a
    // bank whose statement references differ from its feed's, or a memo that named the wrong thing.
    const from = startOfBusinessDate(addDays(line.valueDate, -STATEMENT_MATCH_WINDOW_DAYS));
    const to = startOfBusinessDate(addDays(line.valueDate, STATEMENT_MATCH_WINDOW_DAYS + 1));
    const valueDay = startOfBusinessDate(line.valueDate);
    const [byAccount] = await tx.$queryRaw<{ id: string }[]>`
      SELECT c.id::text AS id FROM inbound_credit c
       WHERE c.virtual_account_number = ${line.reference} AND c.amount = ${line.amount.toFixed()}::numeric AND c.currency = ${line.currency}
         AND c.received_at >= ${from} AND c.received_at < ${to}
         AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND i.outcome = 'MATCHED' AND i.id IS DISTINCT FROM ${itemId}::uuid)
         AND NOT EXISTS (SELECT 1 FROM bank_statement_line l WHERE l.bank_reference = c.bank_reference AND l.duplicate_of_id IS NULL)
       ORDER BY abs(extract(epoch FROM c.received_at - ${valueDay})), c.received_at, c.id
       LIMIT 1`;
    if (byAccount) {
      return { ...none, outcome: 'MATCHED', rule: 'ACCOUNT_AMOUNT_VALUE_DATE', inboundCreditId: byAccount.id, detail: `matched by virtual account ${line.reference}, ${amount} and a receipt within ${STATEMENT_MATCH_WINDOW_DAYS} days of value date ${line.valueDate}` };
    }
    // 3. An expected payment: an approved offline receipt the feed has not yet brought. The money is
    // still not in the ledger, so the line stays BANK_ONLY (in transit) until the feed books it.
    const windowMs = STATEMENT_MATCH_WINDOW_DAYS * DAY_MS;
    const [expected] = await tx.$queryRaw<{ id: string; bank_reference: string }[]>`
      SELECT o.id::text AS id, o.bank_reference FROM offline_repayment o
        JOIN financing f ON f.id = o.financing_id
        JOIN ledger_account a ON a.id = f.collection_account_id
       WHERE o.status = 'APPROVED' AND o.currency = ${line.currency}
         AND (o.bank_reference = ${line.bankReference}
              OR (a.virtual_account_number = ${line.reference} AND o.amount = ${line.amount.toFixed()}::numeric
                  AND o.created_at BETWEEN ${new Date(valueDay.getTime() - windowMs)} AND ${new Date(valueDay.getTime() + windowMs + DAY_MS)}))
       ORDER BY (o.bank_reference = ${line.bankReference}) DESC, o.created_at, o.id
       LIMIT 1`;
    if (expected) {
      return { ...none, outcome: 'BANK_ONLY', rule: 'EXPECTED_PAYMENT', offlineRepaymentId: expected.id, detail: `expected: the approved offline receipt ${expected.bank_reference}; the feed has not booked the money yet` };
    }
    return { ...none, outcome: 'BANK_ONLY', detail: `the ledger has no credit of ${amount} to virtual account ${line.reference}: surplus (长款) until the feed books it` };
  }

  // Payouts and their returns carry the payout reference the platform chose.
  const payout = await tx.payout.findUnique({ where: { payoutReference: line.reference } });
  if (!payout) return { ...none, outcome: 'BANK_ONLY', detail: `the ledger has no payout ${line.reference}` };
  const withPayout = { ...none, payoutId: payout.id };
  if (payout.currency !== line.currency) return { ...withPayout, outcome: 'BANK_ONLY', detail: `payout ${line.reference} is in ${payout.currency}, the line in ${line.currency}` };
  if (line.kind === 'PAYOUT') {
    if (!toDecimal(payout.amount).eq(line.amount)) return { ...withPayout, outcome: 'BANK_ONLY', detail: `payout ${line.reference} is ${money(payout.amount, payout.currency)}; the bank paid ${amount}` };
    if (payout.status === 'SETTLED' || payout.status === 'RETURNED') return { ...withPayout, outcome: 'MATCHED', rule: 'PAYOUT_REFERENCE', detail: `payout ${line.reference} ${payout.status.toLowerCase()}` };
    if (payout.status === 'FAILED') return { ...withPayout, outcome: 'BANK_ONLY', detail: `the ledger booked payout ${line.reference} as failed, but the bank paid it` };
    return { ...withPayout, outcome: 'BANK_ONLY', detail: `the bank paid payout ${line.reference}; the ledger still has it in transit (${payout.status})` };
  }
  // PAYOUT_RETURN
  if (payout.status === 'RETURNED') {
    if (toDecimal(payout.returnedAmount ?? payout.amount).eq(line.amount)) return { ...withPayout, outcome: 'MATCHED', rule: 'PAYOUT_REFERENCE', detail: `return of payout ${line.reference} booked` };
    return { ...withPayout, outcome: 'BANK_ONLY', detail: `the ledger booked ${money(payout.returnedAmount ?? payout.amount, payout.currency)} returned of payout ${line.reference}; the bank shows ${amount}` };
  }
  if (payout.status === 'SETTLED') {
    if (line.amount.gt(toDecimal(payout.amount))) return { ...withPayout, outcome: 'BANK_ONLY', detail: `the bank returned ${amount} of payout ${line.reference}, more than its ${money(payout.amount, payout.currency)}` };
    return { ...withPayout, outcome: 'BANK_ONLY', detail: `payout ${line.reference} came back after the ledger settled it: its return is booked to the source account` };
  }
  return { ...withPayout, outcome: 'BANK_ONLY', detail: `the bank returned payout ${line.reference}; the ledger has it ${payout.status}` };
}

async function creditTaken(tx: Tx, creditId: string, itemId: string | null): Promise<boolean> {
  const taken = await tx.reconciliationItem.findFirst({ where: { inboundCreditId: creditId, outcome: 'MATCHED', ...(itemId ? { id: { not: itemId } } : {}) }, select: { id: true } });
  return taken !== null;
}

/** Ledger activity a line now explains is no longer ledger-only. */
async function resolveLedgerOnly(tx: Tx, kind: StatementEntry['kind'], match: Match, date: IsoDate, now: Date): Promise<void> {
  const subject = match.inboundCreditId ? { inboundCreditId: match.inboundCreditId } : match.payoutId ? { payoutId: match.payoutId, kind } : null;
  if (!subject) return;
  await tx.reconciliationItem.updateMany({
    where: { ...subject, outcome: 'LEDGER_ONLY', status: { not: 'RESOLVED' } },
    data: { status: 'RESOLVED', resolvedAt: now, updatedAt: now, lastCheckedDate: dateColumn(date), detail: `shown by the bank on the statement of ${date}` },
  });
}

/** Unresolved lines of earlier days are matched again: the feed or the workflow may have booked them since. */
async function rollForward(tx: Tx, statement: BankStatement, now: Date): Promise<void> {
  const date = isoDateOfColumn(statement.statementDate);
  const open = await tx.reconciliationItem.findMany({
    where: { accountNumber: statement.accountNumber, currency: statement.currency, status: { not: 'RESOLVED' }, outcome: 'BANK_ONLY', firstStatementDate: { lt: statement.statementDate } },
    orderBy: [{ firstStatementDate: 'asc' }, { createdAt: 'asc' }],
    take: RECONCILIATION_ROLL_FORWARD_MAX,
  });
  for (const item of open) {
    const line = await tx.bankStatementLine.findUniqueOrThrow({ where: { id: item.statementLineId! } });
    const match = await matchLine(tx, { kind: line.kind, bankReference: line.bankReference, reference: line.reference, amount: toDecimal(line.amount), currency: line.currency, valueDate: isoDateOfColumn(line.valueDate) }, item.id);
    const matched = match.outcome === 'MATCHED';
    await tx.reconciliationItem.update({
      where: { id: item.id },
      data: {
        ...match,
        ...(matched ? { status: 'RESOLVED', resolvedAt: now } : {}),
        detail: matched ? `${match.detail} (matched at the import of ${date})` : match.detail,
        lastCheckedDate: statement.statementDate,
        updatedAt: now,
      },
    });
    if (matched) await resolveLedgerOnly(tx, line.kind, match, date, now);
  }
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
  const payouts = await tx.$queryRaw<{ id: string; amount: Prisma.Decimal; payout_reference: string; settled_at: Date }[]>`
    SELECT p.id::text AS id, p.amount, p.payout_reference, p.settled_at FROM payout p
     WHERE p.currency = ${statement.currency} AND p.status IN ('SETTLED', 'RETURNED') AND p.settled_at >= ${from} AND p.settled_at < ${to}
       AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.payout_id = p.id AND i.kind = 'PAYOUT' AND (i.outcome = 'MATCHED' OR i.outcome = 'LEDGER_ONLY'))
     ORDER BY p.settled_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
  for (const payout of payouts) {
    await tx.reconciliationItem.create({
      data: {
        outcome: 'LEDGER_ONLY',
        status: 'OPEN',
        kind: 'PAYOUT',
        accountNumber: statement.accountNumber,
        currency: statement.currency,
        amount: payout.amount,
        payoutId: payout.id,
        detail: `the ledger settled payout ${payout.payout_reference} on ${businessDateOf(payout.settled_at)}; no statement shows the bank paying it`,
        firstStatementDate: statement.statementDate,
        lastCheckedDate: statement.statementDate,
        createdAt: now,
        updatedAt: now,
      },
    });
  }
  const credits = await tx.$queryRaw<{ id: string; amount: Prisma.Decimal; bank_reference: string; received_at: Date }[]>`
    SELECT c.id::text AS id, c.amount, c.bank_reference, c.received_at FROM inbound_credit c
     WHERE c.currency = ${statement.currency} AND c.received_at >= ${from} AND c.received_at < ${to}
       AND NOT EXISTS (SELECT 1 FROM reconciliation_item i WHERE i.inbound_credit_id = c.id AND (i.outcome = 'MATCHED' OR i.outcome = 'LEDGER_ONLY'))
     ORDER BY c.received_at LIMIT ${RECONCILIATION_ROLL_FORWARD_MAX}`;
  for (const credit of credits) {
    await tx.reconciliationItem.create({
      data: {
        outcome: 'LEDGER_ONLY',
        status: 'OPEN',
        kind: 'INBOUND_CREDIT',
        accountNumber: statement.accountNumber,
        currency: statement.currency,
        amount: credit.amount,
        inboundCreditId: credit.id,
        detail: `the ledger booked credit ${credit.bank_reference} received on ${businessDateOf(credit.received_at)}; no statement shows it`,
        firstStatementDate: statement.statementDate,
        lastCheckedDate: statement.statementDate,
        createdAt: now,
        updatedAt: now,
      },
    });
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
