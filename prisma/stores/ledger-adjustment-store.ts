import { NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { DESCRIPTION_LENGTH_MAX, isUuid, validateEntries, type LedgerEntryInput } from '../../domain/ledger-rules';
import { formatAmount } from '../../domain/money';
import type { LedgerAdjustment, LedgerAdjustmentStatus, PrismaClient } from '../client';
import type { Actor } from '../../domain/actor';
import { assertMakerActive } from './maker-active';
import { runTransaction, type Tx } from './run-transaction';
import { closedDayHolding } from './ledger/accounting-days';
import { postTransaction } from './ledger/postings';
import { isUniqueViolation } from './unique-violation';

// Manual adjustments, the only way a person moves money in the ledger: one operator (a MAKER)
// proposes the entries and the reason, a different operator (a CHECKER) approves them, and
// only then are they posted, as a MANUAL_ADJUSTMENT transaction that names both. The
// database refuses an adjustment decided by the user who proposed it, whatever the code does.

export const ADJUSTMENT_REASON_LENGTH_MAX = DESCRIPTION_LENGTH_MAX;
export const ADJUSTMENT_PAGE_SIZE_MAX = 100;

export interface ProposeAdjustmentInput {
  reason: string;
  entries: LedgerEntryInput[];
  effectiveAt?: Date | null;
}

function validateReason(reason: string, path: string[]): string {
  const trimmed = reason.normalize('NFC').trim();
  if (trimmed.length === 0 || [...trimmed].length > ADJUSTMENT_REASON_LENGTH_MAX) throw ValidationError.field(path, `must be 1 to ${ADJUSTMENT_REASON_LENGTH_MAX} characters`);
  return trimmed;
}

/**
 * Records the maker's proposal. With a request key, a copy of the same request (a retry, a copy
 * delivered twice at once) is answered with the proposal the first copy made: the unique key
 * lets one copy insert, and the others read what it inserted.
 */
export async function proposeAdjustment(prisma: PrismaClient, actor: Actor, input: ProposeAdjustmentInput, now = new Date(), requestKey: string | null = null): Promise<LedgerAdjustment> {
  const replayed = requestKey === null ? null : await prisma.ledgerAdjustment.findUnique({ where: { requestKey } });
  if (replayed) return replayed;
  const reason = validateReason(input.reason, ['input', 'reason']);
  const entries = validateEntries(input.entries, ['input', 'entries']);
  if (input.effectiveAt && input.effectiveAt.getTime() > now.getTime()) throw ValidationError.field(['input', 'effectiveAt'], 'must not be in the future', 'EFFECTIVE_AT_IN_FUTURE');
  // Checked now so the checker reviews something that can be posted; posting checks again.
  // A closed accounting day is corrected by entries dated in an open day, never reopened: an
  // adjustment is not moved to another day for its maker, it is refused (the database refuses
  // it again at approval, should the day close in between).
  if (input.effectiveAt) {
    const closedDay = await closedDayHolding(prisma, input.effectiveAt);
    if (closedDay) throw new WrongStateError(`accounting day ${closedDay} is closed: date the adjustment in an open day (a reversing entry) instead`, 'CLOSED', 'ACCOUNTING_DAY_CLOSED');
  }
  const accounts = await prisma.ledgerAccount.findMany({ where: { id: { in: [...new Set(entries.map((entry) => entry.accountId))] } }, select: { id: true, code: true, currency: true, closedAt: true, book: true } });
  const byId = new Map(accounts.map((account) => [account.id, account]));
  const issues = [];
  for (const [index, entry] of entries.entries()) {
    const account = byId.get(entry.accountId);
    if (!account) throw new NotFoundError('LedgerAccount', entry.accountId);
    // The database refuses any posting to a closed account: an adjustment naming one could never be approved.
    if (account.closedAt) throw new WrongStateError(`${account.code} is closed: no entry can be posted to it`, 'CLOSED');
    if (account.currency !== entry.currency) issues.push({ path: ['input', 'entries', String(index), 'currency'], message: `account ${entry.accountId} is kept in ${account.currency}` });
  }
  if (issues.length) throw new ValidationError(issues, 'CURRENCY_MISMATCH');
  // The money book and the memo book (limits) never share a transaction: the database refuses it at the approval.
  if (new Set(accounts.map((account) => account.book)).size > 1) {
    throw new ValidationError([{ path: ['input', 'entries'], message: 'the entries name accounts of the money book and of the memo book: one transaction keeps to one book' }], 'BOOKS_MIXED');
  }
  await assertAdjustable(prisma, entries, ['input', 'entries']);
  try {
    return await prisma.ledgerAdjustment.create({
      data: {
        reason,
        entries: entries.map((entry) => ({ accountId: entry.accountId, direction: entry.direction, amount: formatAmount(entry.amount, entry.currency), currency: entry.currency })),
        effectiveAt: input.effectiveAt ?? null,
        makerUserId: actor.userId,
        requestKey,
      },
    });
  } catch (error) {
    // A concurrent copy of this request inserted first: its proposal is the answer.
    if (requestKey !== null && isUniqueViolation(error)) {
      const first = await prisma.ledgerAdjustment.findUnique({ where: { requestKey } });
      if (first) return first;
    }
    throw error;
  }
}

/**
 * The memo book is not adjusted by hand: each of its balances mirrors a record that decides it
 * (a credit limit its program's terms, agreed by the funder and the platform; a penalty claim the
 * financing's servicing; a voucher claim its transfers and distributions), and an entry there
 * would change what the record allows without the record, or its parties, knowing.
 */
async function assertAdjustable(db: PrismaClient | Tx, entries: ReadonlyArray<{ accountId: string }>, path: string[]): Promise<void> {
  const memo = await db.ledgerAccount.findMany({ where: { id: { in: [...new Set(entries.map((entry) => entry.accountId))] }, book: 'MEMO' }, select: { id: true, code: true } });
  if (memo.length === 0) return;
  const issues = entries.flatMap((entry, index) => {
    const account = memo.find((row) => row.id === entry.accountId);
    return account ? [{ path: [...path, String(index), 'accountId'], message: `${account.code} is in the memo book, which follows the records it mirrors (limits, penalty claims, voucher claims): it changes through them, not by hand` }] : [];
  });
  throw new ValidationError(issues, 'MEMO_BOOK_NOT_ADJUSTABLE');
}

/**
 * The adjustment to decide, locked; or, when this very request decided it already (a copy of
 * the request that committed first), `{ decided }`, the first answer.
 */
async function lockPending(tx: Tx, actor: Actor, adjustmentId: string, requestKey: string | null): Promise<{ pending: LedgerAdjustment } | { decided: LedgerAdjustment }> {
  if (!isUuid(adjustmentId)) throw new NotFoundError('LedgerAdjustment', adjustmentId);
  // Locks the row: two checkers deciding at once, or two copies of one decision, are served one
  // after the other, so the second sees the first's decision and its request key.
  const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT "id"::text AS "id" FROM "ledger_adjustment" WHERE "id" = $1::uuid FOR UPDATE`, adjustmentId);
  if (locked.length === 0) throw new NotFoundError('LedgerAdjustment', adjustmentId);
  const adjustment = await tx.ledgerAdjustment.findUniqueOrThrow({ where: { id: adjustmentId } });
  if (requestKey !== null && adjustment.decisionRequestKey === requestKey) return { decided: adjustment };
  if (adjustment.status !== 'PENDING') throw new WrongStateError(`adjustment ${adjustmentId} is already ${adjustment.status}`, adjustment.status);
  assertFourEyes(adjustment.makerUserId, actor, 'the operator who proposed an adjustment cannot decide it: another operator must check it');
  return { pending: adjustment };
}

/**
 * Approves and posts an adjustment, in one database transaction: either it is APPROVED with
 * its posted transaction, or (the posting failed, e.g. an overdraft) it stays PENDING.
 */
export async function approveAdjustment(prisma: PrismaClient, actor: Actor, adjustmentId: string, note?: string | null, requestKey: string | null = null): Promise<LedgerAdjustment> {
  const decisionNote = note == null ? null : validateReason(note, ['note']);
  return runTransaction(prisma, async (tx) => {
    const locked = await lockPending(tx, actor, adjustmentId, requestKey);
    if ('decided' in locked) return locked.decided;
    const adjustment = locked.pending;
    await assertMakerActive(tx, adjustment.makerUserId, adjustment.status);
    await assertAdjustable(tx, adjustment.entries as unknown as LedgerEntryInput[], ['entries']);
    const posted = await postTransaction(tx, {
      idempotencyKey: `ledger-adjustment:${adjustment.id}`,
      code: 'MANUAL_ADJUSTMENT',
      description: adjustment.reason.slice(0, DESCRIPTION_LENGTH_MAX),
      effectiveAt: adjustment.effectiveAt,
      metadata: { adjustmentId: adjustment.id, makerUserId: adjustment.makerUserId, checkerUserId: actor.userId },
      entries: adjustment.entries as unknown as LedgerEntryInput[],
    });
    return tx.ledgerAdjustment.update({
      where: { id: adjustment.id },
      data: { status: 'APPROVED', checkerUserId: actor.userId, decidedAt: new Date(), decisionNote, transactionId: posted.transactionId, decisionRequestKey: requestKey },
    });
  });
}

export async function rejectAdjustment(prisma: PrismaClient, actor: Actor, adjustmentId: string, note: string, requestKey: string | null = null): Promise<LedgerAdjustment> {
  const decisionNote = validateReason(note, ['note']);
  return runTransaction(prisma, async (tx) => {
    const locked = await lockPending(tx, actor, adjustmentId, requestKey);
    if ('decided' in locked) return locked.decided;
    const adjustment = locked.pending;
    return tx.ledgerAdjustment.update({ where: { id: adjustment.id }, data: { status: 'REJECTED', checkerUserId: actor.userId, decidedAt: new Date(), decisionNote, decisionRequestKey: requestKey } });
  });
}

export function adjustmentsWhere(status?: LedgerAdjustmentStatus | null) {
  return status ? { status } : {};
}
