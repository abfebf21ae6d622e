import type { Actor } from '../../domain/actor';
import { NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { validateAmount } from '../../domain/ledger-rules';
import { formatAmount, type Currency } from '../../domain/money';
import { validateReason } from '../../domain/receivable-rules';
import type { InboundCredit, OfflineRepayment, PrismaClient } from '../client';
import { assertMakerActive } from './maker-active';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { isUniqueViolation } from './unique-violation';
import { notifyOperators } from './operator-notices';

// Offline receipts (docs/ledger.md, "Offline receipts"): the core enterprise says it paid, the
// bank feed has not reported it yet, and an operator records the receipt for another to approve.
// An approved receipt is an expected payment, not money: it posts nothing. The bank line that
// brings the money is booked as every bank line is, once per bank reference, and the receipt is
// matched to it, whichever was seen first. So the ledger's escrow account never holds money the
// bank does not, and one bank line is never booked twice. A receipt the bank has not brought
// after OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS is escalated to every operator.

/** A bank line under another reference matches a receipt of the same collection account and amount whose value date is this close to the receipt's recording. */
export const OFFLINE_RECEIPT_MATCH_WINDOW_DAYS = 5;
/** An approved receipt no bank line matched after this many days is escalated to the operators. */
export const OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS = 2;
/** Receipts one escalation pass looks at; the rest wait for the next pass. */
export const OFFLINE_RECEIPTS_PER_PASS_MAX = 100;

const DAY_MS = 24 * 60 * 60 * 1000;

/** An operator records money the core enterprise says it paid outside the bank feed (the maker). Nothing moves. */
export async function proposeOfflineRepayment(
  prisma: PrismaClient,
  actor: Actor,
  input: { financingId: string; amount: string; bankReference: string; note: string },
  requestKey: string | null = null,
): Promise<OfflineRepayment> {
  // A copy of the request that recorded it (a retry, a copy delivered at once): the first answer.
  const replayed = requestKey === null ? null : await prisma.offlineRepayment.findUnique({ where: { requestKey } });
  if (replayed) return replayed;
  const financing = await prisma.financing.findUnique({ where: { id: input.financingId } });
  if (!financing) throw new NotFoundError('Financing', input.financingId);
  if (!financing.disbursementTransactionId) throw new WrongStateError(`the financing is ${financing.status}: nothing is owed yet`, financing.status);
  const currency = financing.currency as Currency;
  const { amount } = validateAmount(input.amount, currency, ['input', 'amount']);
  const bankReference = input.bankReference.trim();
  if (!/^[A-Za-z0-9:_-]{1,56}$/.test(bankReference)) throw ValidationError.field(['input', 'bankReference'], 'must be 1 to 56 letters, digits, ":", "_" or "-"');
  const note = validateReason(input.note, ['input', 'note']);
  try {
    return await prisma.offlineRepayment.create({ data: { financingId: financing.id, amount: formatAmount(amount, currency), currency, bankReference, note, makerUserId: actor.userId, requestKey } });
  } catch (error) {
    // The bank reference taken by a concurrent copy of this very request is its record, not a
    // duplicate: the copy's answer is the first copy's.
    const first = requestKey !== null && isUniqueViolation(error) ? await prisma.offlineRepayment.findUnique({ where: { requestKey } }) : null;
    if (first) return first;
    if (isUniqueViolation(error)) throw ValidationError.field(['input', 'bankReference'], `a repayment with bank reference ${bankReference} was already recorded`, 'DUPLICATE_BANK_REFERENCE');
    throw error;
  }
}

/**
 * Another operator (the checker) decides. Approved, the receipt is expected: matched at once to
 * the bank line the feed already booked, if there is one, else left APPROVED for the bank line
 * to come. Rejected, it is REJECTED. Nothing is posted either way.
 */
export async function decideOfflineRepayment(prisma: PrismaClient, actor: Actor, id: string, approve: boolean, now = new Date(), requestKey: string | null = null): Promise<OfflineRepayment> {
  return runTransaction(prisma, async (tx) => {
    const pending = await lockReceipt(tx, id);
    // A copy of the request that decided (served after the first under the lock): the first answer, not WRONG_STATE.
    if (requestKey !== null && pending.decisionRequestKey === requestKey) return pending;
    if (pending.status !== 'PENDING') throw new WrongStateError(`the offline repayment is already ${pending.status}`, pending.status);
    assertFourEyes(pending.makerUserId, actor, 'the operator who recorded a repayment cannot decide it: another operator must check it');
    if (approve) await assertMakerActive(tx, pending.makerUserId, pending.status);
    const decided = await tx.offlineRepayment.update({ where: { id }, data: { status: approve ? 'APPROVED' : 'REJECTED', checkerUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey } });
    if (!approve) return decided;
    const line = await bookedLineFor(tx, decided);
    return line ? match(tx, decided, line, now) : decided;
  });
}

async function lockReceipt(tx: Tx, id: string): Promise<OfflineRepayment> {
  // The record's lock orders two checkers deciding at once, and a decision against a match.
  await tx.$queryRaw`SELECT id FROM offline_repayment WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.offlineRepayment.findUnique({ where: { id } });
  if (!row) throw new NotFoundError('OfflineRepayment', id);
  return row;
}

function match(tx: Tx, receipt: OfflineRepayment, credit: Pick<InboundCredit, 'id'>, now: Date): Promise<OfflineRepayment> {
  return tx.offlineRepayment.update({ where: { id: receipt.id }, data: { status: 'MATCHED', matchedCreditId: credit.id, matchedAt: now } });
}

/**
 * A bank line already booked to the receipt's collection account that no other receipt took:
 * the one under the receipt's own reference first, else one of the same amount whose value date
 * is inside the window around the receipt's recording, oldest first.
 */
async function bookedLineFor(tx: Tx, receipt: OfflineRepayment): Promise<{ id: string } | null> {
  const from = new Date(receipt.createdAt.getTime() - OFFLINE_RECEIPT_MATCH_WINDOW_DAYS * DAY_MS);
  const to = new Date(receipt.createdAt.getTime() + OFFLINE_RECEIPT_MATCH_WINDOW_DAYS * DAY_MS);
  const [line] = await tx.$queryRaw<{ id: string }[]>`
    SELECT c.id::text AS id
      FROM inbound_credit c
     WHERE c.financing_id = ${receipt.financingId}::uuid AND c.outcome = 'MATCHED'
       AND NOT EXISTS (SELECT 1 FROM offline_repayment o WHERE o.matched_credit_id = c.id)
       AND (c.bank_reference = ${receipt.bankReference} OR (c.amount = ${receipt.amount}::numeric AND c.received_at BETWEEN ${from} AND ${to}))
     ORDER BY (c.bank_reference = ${receipt.bankReference}) DESC, c.received_at, c.id
     LIMIT 1`;
  return line ?? null;
}

/**
 * Inside the booking of a bank line to a financing's collection account: the approved receipt it
 * brings the money of, if any (its own reference first, else the same amount inside the window),
 * is matched to it. A receipt a checker is deciding at this moment is skipped, not waited for:
 * the decision looks for the line itself, and the escalation pass looks again.
 */
export async function matchExpectedReceipt(tx: Tx, credit: InboundCredit): Promise<OfflineRepayment | null> {
  if (!credit.financingId || credit.outcome !== 'MATCHED') return null;
  const windowMs = OFFLINE_RECEIPT_MATCH_WINDOW_DAYS * DAY_MS;
  const [receipt] = await tx.$queryRaw<{ id: string }[]>`
    SELECT o.id::text AS id
      FROM offline_repayment o
     WHERE o.financing_id = ${credit.financingId}::uuid AND o.status = 'APPROVED'
       AND (o.bank_reference = ${credit.bankReference}
            OR (o.amount = ${credit.amount}::numeric AND o.created_at BETWEEN ${new Date(credit.receivedAt.getTime() - windowMs)} AND ${new Date(credit.receivedAt.getTime() + windowMs)}))
     ORDER BY (o.bank_reference = ${credit.bankReference}) DESC, o.created_at, o.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED`;
  if (!receipt) return null;
  const row = await tx.offlineRepayment.findUniqueOrThrow({ where: { id: receipt.id } });
  return match(tx, row, credit, credit.createdAt);
}

/**
 * Approved receipts no bank line has brought after OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS: each is
 * looked for once more among the booked lines (a decision and a booking that crossed), and if
 * still unmatched escalated: marked, and every operator party told once. Returns how many were
 * escalated.
 */
export async function escalateOverdueReceipts(prisma: PrismaClient, now = new Date()): Promise<number> {
  const due = await prisma.offlineRepayment.findMany({
    where: { status: 'APPROVED', escalatedAt: null, decidedAt: { lte: new Date(now.getTime() - OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS * DAY_MS) } },
    orderBy: { decidedAt: 'asc' },
    take: OFFLINE_RECEIPTS_PER_PASS_MAX,
    select: { id: true },
  });
  let escalated = 0;
  for (const { id } of due) {
    const done = await runTransaction(prisma, async (tx) => {
      const receipt = await lockReceipt(tx, id);
      if (receipt.status !== 'APPROVED' || receipt.escalatedAt) return false;
      const line = await bookedLineFor(tx, receipt);
      if (line) {
        await match(tx, receipt, line, now);
        return false;
      }
      await tx.offlineRepayment.update({ where: { id }, data: { escalatedAt: now } });
      const financing = await tx.financing.findUniqueOrThrow({ where: { id: receipt.financingId }, select: { financingNumber: true } });
      const amount = `${formatAmount(toDecimal(receipt.amount), receipt.currency as Currency)} ${receipt.currency}`;
      await notifyOperators(
        tx,
        {
          kind: 'OFFLINE_RECEIPT_UNMATCHED',
          subject: `线下回款未到账 ${financing.financingNumber} / Offline receipt not at the bank ${financing.financingNumber}`,
          body: `线下回款 ${receipt.bankReference}（${amount}）已于 ${receipt.decidedAt!.toISOString()} 批准，但 ${OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS} 天内银行流水未见该款项，未入账。The offline receipt ${receipt.bankReference} of ${amount} for financing ${financing.financingNumber} was approved on ${receipt.decidedAt!.toISOString()}, but no bank line has brought the money in ${OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS} days: nothing is booked until one does.`,
          financingId: receipt.financingId,
        },
        `offline-receipt:${id}:unmatched`,
      );
      return true;
    });
    if (done) escalated += 1;
  }
  return escalated;
}
