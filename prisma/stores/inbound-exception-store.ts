import { randomUUID } from 'node:crypto';
import { isOperator, type Actor } from '../../domain/actor';
import { businessYearOf, isoDateOfColumn } from '../../domain/business-date';
import { NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { CLOSED_BEFORE_APPROVAL } from '../../domain/financing-rules';
import { isUuid, postingEntries, transfer } from '../../domain/ledger-rules';
import { formatAmount, type Currency, type Decimal } from '../../domain/money';
import { validateReason } from '../../domain/receivable-rules';
import { refundBeneficiary, refundReference, resolutionChoiceOf } from '../../domain/refund-rules';
import { VOUCHER_STATUSES_PAID_INTO } from '../../domain/voucher-rules';
import { Prisma, type InboundException, type LedgerAccount, type Payout, type PrismaClient } from '../client';
import { ensureReconciliationAccounts, platformAccountCode } from './chart-of-accounts';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { lockAccounts } from './ledger/locks';
import { postTransaction } from './ledger/postings';
import { runTransaction, type Tx } from './run-transaction';
import { drawPayoutReference } from './drawn-numbers';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';
import { recordMoneyWakeUps } from './inbound-store';
import { assertMakerActive } from './maker-active';

// What operators do with an inbound exception (docs/ledger.md, "Exceptions"): one operator (the
// maker) proposes the virtual account the parked money belongs to, or a refund to the payer;
// another (the checker) approves, which moves it out of suspense in the same database
// transaction (to the account, or into transit for the refund's payout), or rejects, which leaves
// it parked. Until a checker approves, nothing moves. What a payer paid beyond a receivable's
// confirmed amount is parked the same way (OVERPAID), by the allocation that found it.

/** Rows per page of the operators' list of inbound exceptions. */
export const INBOUND_EXCEPTION_PAGE_SIZE_MAX = 100;

/** Inbound exceptions are the platform's work queue: operators see them, no other party does. */
export function visibleInboundExceptionsWhere(actor: Actor): Prisma.InboundExceptionWhereInput {
  return isOperator(actor) ? {} : { id: { in: [] } };
}

/** Accounts money from outside may be applied to: the ones payers pay into. */
const APPLICABLE_PURPOSES: readonly LedgerAccount['purpose'][] = ['SUPPLIER_SETTLEMENT', 'FUNDER_FUNDING', 'CORE_REPAYMENT', 'COLLECTION'];

/** Locks the exception's row and reads it: two operators acting on it at once are served one after the other. */
async function lockException(tx: Tx, id: string): Promise<InboundException> {
  if (!isUuid(id)) throw new NotFoundError('InboundException', id);
  await tx.$queryRaw`SELECT id FROM inbound_exception WHERE id = ${id}::uuid FOR UPDATE`;
  const exception = await tx.inboundException.findUnique({ where: { id } });
  if (!exception) throw new NotFoundError('InboundException', id);
  return exception;
}

/**
 * Bank credits with the account their money reached (id, amount, received_at, account_id): booked
 * there by the feed, or parked in suspense and applied there by operators (APPLY resolved). A
 * voucher's payments are these credits into its collection account, each shared out as itself on
 * the day the bank received it (voucher-distribution-store.ts, voucher-default-store.ts).
 */
export const CREDITS_INTO_ACCOUNTS = Prisma.sql`(
  SELECT c.id, c.amount, c.received_at, c.account_id FROM inbound_credit c WHERE c.outcome = 'MATCHED'
  UNION ALL
  SELECT c.id, c.amount, c.received_at, x.apply_to_account_id FROM inbound_exception x JOIN inbound_credit c ON c.id = x.inbound_credit_id
   WHERE x.status = 'RESOLVED' AND x.resolution_kind = 'APPLY')`;

/**
 * Whether the parked money may go to `accountId`: an open virtual account in the money's
 * currency, and for a collection account a financing that still takes money (not settled, not
 * ended). Asked at the proposal, and again under the locks at the approval.
 */
async function applicableAccount(tx: Tx, exception: InboundException, accountId: string): Promise<LedgerAccount> {
  const account = isUuid(accountId) ? await tx.ledgerAccount.findUnique({ where: { id: accountId } }) : null;
  if (!account) throw new NotFoundError('LedgerAccount', accountId);
  const path = ['input', 'accountId'];
  if (!APPLICABLE_PURPOSES.includes(account.purpose) || account.book !== 'MONEY') throw ValidationError.field(path, `money from outside goes to a virtual account (${APPLICABLE_PURPOSES.join(', ')}), not to ${account.code}`);
  if (account.currency !== exception.currency) throw ValidationError.field(path, `the money is ${exception.currency}; ${account.code} is a ${account.currency} account`, 'CURRENCY_MISMATCH');
  if (account.closedAt) throw new WrongStateError(`${account.code} is closed`, 'CLOSED');
  if (account.purpose === 'COLLECTION') {
    // A voucher's money is shared out to its parts as the bank's credit it came with, on that
    // credit's value date (voucher-distribution-store.ts): only a whole credit the feed parked
    // can be applied there.
    const voucher = await tx.voucher.findUnique({ where: { collectionAccountId: account.id }, select: { voucherNumber: true, status: true } });
    if (voucher) {
      const credit = exception.inboundCreditId ? await tx.inboundCredit.findUnique({ where: { id: exception.inboundCreditId }, select: { amount: true } }) : null;
      if (!credit || exception.heldAmount === null || !toDecimal(exception.heldAmount).eq(toDecimal(credit.amount))) {
        throw ValidationError.field(path, `voucher ${voucher.voucherNumber} is paid by whole bank credits, shared out to its parts: this money is not one (refund it to the payer)`, 'VOUCHER_TAKES_WHOLE_CREDITS');
      }
      if (!VOUCHER_STATUSES_PAID_INTO.includes(voucher.status)) throw new WrongStateError(`voucher ${voucher.voucherNumber} is ${voucher.status}: it takes no money`, voucher.status);
    }
    const financing = await tx.financing.findUnique({ where: { collectionAccountId: account.id } });
    if (financing) {
      await tx.$queryRaw`SELECT id FROM financing WHERE id = ${financing.id}::uuid FOR SHARE`;
      const current = await tx.financing.findUniqueOrThrow({ where: { id: financing.id } });
      if (current.status === 'SETTLED' || CLOSED_BEFORE_APPROVAL.includes(current.status)) {
        throw new WrongStateError(`financing ${current.financingNumber} is ${current.status}: it takes no more money`, current.status);
      }
    }
  }
  return account;
}

/**
 * The maker names the virtual account the parked money belongs to, or a refund to the payer
 * (exactly one), and why. Nothing moves yet. A refund proposal chooses the id its payout will
 * have, so that however often it is approved there is one payout.
 */
export async function proposeExceptionResolution(
  prisma: PrismaClient,
  actor: Actor,
  id: string,
  input: { accountId?: string | null; refund?: boolean | null; writeOff?: boolean | null; note: string },
  now = new Date(),
  requestKey: string | null = null,
): Promise<InboundException> {
  const choice = resolutionChoiceOf(input);
  const note = validateReason(input.note, ['input', 'note']);
  return runTransaction(prisma, async (tx) => {
    const exception = await lockException(tx, id);
    // A copy of the request that proposed (a retry, a copy delivered at once, served after the
    // first under the row lock): the first answer, not WRONG_STATE and not a second proposal.
    if (requestKey !== null && exception.proposalRequestKey === requestKey) return exception;
    if (exception.status !== 'OPEN') throw new WrongStateError(`the exception is already ${exception.status}`, exception.status);
    if (exception.heldAmount === null) throw new WrongStateError(`the ledger holds nothing for this bank line (NOT_BOOKABLE): there is no money to ${WHAT_IS_DONE[choice.kind]}`, exception.status);
    await assertNotReversed(tx, exception);
    const proposal = { status: 'PROPOSED' as const, resolutionKind: choice.kind, proposalNote: note, makerUserId: actor.userId, proposedAt: now, proposalRequestKey: requestKey, decisionRequestKey: null };
    if (choice.kind === 'REFUND') {
      refundBeneficiary(exception);
      return tx.inboundException.update({ where: { id }, data: { ...proposal, refundPayoutId: randomUUID() } });
    }
    if (choice.kind === 'WRITE_OFF') return tx.inboundException.update({ where: { id }, data: proposal });
    const account = await applicableAccount(tx, exception, choice.accountId);
    return tx.inboundException.update({ where: { id }, data: { ...proposal, applyToAccountId: account.id } });
  });
}

const WHAT_IS_DONE = { APPLY: 'apply', REFUND: 'refund', WRITE_OFF: 'write off' } as const;

/** A proposal withdrawn by its rejection: the exception is OPEN again and names nothing. */
const NO_PROPOSAL = { status: 'OPEN', resolutionKind: null, applyToAccountId: null, refundPayoutId: null, proposalNote: null, makerUserId: null, proposedAt: null } as const;

/**
 * Another operator (the checker) decides the proposal. Approved, the money moves from
 * suspense to the named account (keyed by the exception, so once), the exception is RESOLVED,
 * and the wake-ups the money calls for are recorded, all in one database transaction; rejected,
 * the exception is OPEN again and the money stays parked.
 */
export async function decideExceptionResolution(prisma: PrismaClient, actor: Actor, id: string, approve: boolean, now = new Date(), requestKey: string | null = null): Promise<InboundException> {
  return runTransaction(
    prisma,
    async (tx) => {
      const exception = await lockException(tx, id);
      // A copy of the request that decided (served after the first under the row lock): the
      // first answer, not WRONG_STATE; the money moved once, by the first.
      if (requestKey !== null && exception.decisionRequestKey === requestKey) return exception;
      if (exception.status !== 'PROPOSED') throw new WrongStateError(`the exception is ${exception.status}: there is no proposal to decide`, exception.status);
      assertNotMaker(exception, actor);
      if (!approve) return tx.inboundException.update({ where: { id }, data: { ...NO_PROPOSAL, decisionRequestKey: requestKey } });
      await assertMakerActive(tx, exception.makerUserId, exception.status);
      await assertNotReversed(tx, exception);
      // A refund is approved by its payout's workflow (approveExceptionRefund), never here.
      if (exception.resolutionKind === 'REFUND') throw new Error(`inbound exception ${id} proposes a ${exception.resolutionKind}: it is approved through its payout's workflow`);
      if (exception.resolutionKind === 'WRITE_OFF') return writeOffException(tx, exception, actor, now, requestKey);
      const account = await applicableAccount(tx, exception, exception.applyToAccountId!);
      const currency = exception.currency as Currency;
      const bankReference = exception.bankReference;
      const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
      if (!suspense) throw new Error(`the platform has no ${currency} suspense account`);
      const financing = account.purpose === 'COLLECTION' ? await tx.financing.findUnique({ where: { collectionAccountId: account.id } }) : null;
      await lockAccounts(tx, [suspense.id, account.id]);
      const posted = await postTransaction(tx, {
        idempotencyKey: `inbound-exception:${exception.id}:apply`,
        code: 'SUSPENSE_APPLIED',
        description: `挂账转入 ${bankReference} → ${account.code}`,
        effectiveAt: now,
        inOpenDay: true,
        metadata: { bankReference, exceptionId: exception.id, makerUserId: exception.makerUserId, checkerUserId: actor.userId, ...(financing ? { financingId: financing.id } : {}) },
        // The exception's own amount: a bank credit's, an over-payment's, or what came back of a refund.
        entries: transfer(suspense.id, account.id, toDecimal(exception.heldAmount!), currency),
      });
      await recordMoneyWakeUps(tx, `inbound-exception:${exception.id}`, { financingId: financing?.id ?? null, account, currency });
      return tx.inboundException.update({ where: { id }, data: { status: 'RESOLVED', checkerUserId: actor.userId, resolvedAt: now, resolutionTransactionId: posted.transactionId, decisionRequestKey: requestKey } });
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * The approval of a write-off: the money nobody can claim leaves suspense for the platform's
 * reconciliation gains (对账收益), once (keyed by the exception), and the exception is RESOLVED.
 * The caller holds the exception's row lock.
 */
async function writeOffException(tx: Tx, exception: InboundException, actor: Actor, now: Date, requestKey: string | null): Promise<InboundException> {
  const currency = exception.currency as Currency;
  const { gain } = await ensureReconciliationAccounts(tx, currency);
  const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
  if (!suspense) throw new Error(`the platform has no ${currency} suspense account`);
  await lockAccounts(tx, [suspense.id, gain.id]);
  const posted = await postTransaction(tx, {
    idempotencyKey: `inbound-exception:${exception.id}:write-off`,
    code: 'WRITE_OFF',
    description: `挂账核销 write-off ${exception.bankReference} → ${gain.code}`,
    effectiveAt: now,
    inOpenDay: true,
    metadata: { bankReference: exception.bankReference, exceptionId: exception.id, makerUserId: exception.makerUserId, checkerUserId: actor.userId },
    entries: postingEntries('WRITE_OFF_GAIN', toDecimal(exception.heldAmount!), currency, { suspense: suspense.id, reconciliationGain: gain.id }),
  });
  return tx.inboundException.update({ where: { id: exception.id }, data: { status: 'RESOLVED', checkerUserId: actor.userId, resolvedAt: now, resolutionTransactionId: posted.transactionId, decisionRequestKey: requestKey } });
}

/**
 * Money the bank has taken back (a reversal, 冲正, on its statement, linked to the credit this
 * exception parked) is not there to apply, refund or write off: the reversal's own resolution
 * (RECOVER) settles this exception, or a write-off of the shortage leaves it to be decided again.
 */
async function assertNotReversed(tx: Tx, exception: InboundException): Promise<void> {
  if (!exception.inboundCreditId) return;
  const reversal = await tx.reconciliationItem.findFirst({
    where: { inboundCreditId: exception.inboundCreditId, kind: 'INBOUND_CREDIT_REVERSAL', status: { not: 'RESOLVED' } },
    select: { id: true, firstStatementDate: true },
  });
  if (reversal) {
    throw new WrongStateError(
      `the bank reversed (冲正) credit ${exception.bankReference} on its statement of ${isoDateOfColumn(reversal.firstStatementDate)}: the money is no longer there; resolve reconciliation item ${reversal.id} (RECOVER) first`,
      exception.status,
    );
  }
}

function assertNotMaker(exception: InboundException, actor: Actor): void {
  assertFourEyes(exception.makerUserId, actor, 'the operator who proposed where the money goes cannot decide it: another operator must check it');
}

/**
 * Whether `payoutId` is an approval already made: the refund payout it opened (the exception
 * RESOLVED by it, or OPEN again after the bank failed or returned it). The checker's fast answer
 * before a workflow is started, and the approval's own first question under the row lock.
 */
export async function findRefundApproval(db: Tx | PrismaClient, exceptionId: string, payoutId: string): Promise<Payout | null> {
  if (!isUuid(payoutId)) return null;
  return db.payout.findFirst({ where: { id: payoutId, purpose: 'REFUND', inboundExceptionId: exceptionId } });
}

/**
 * The checker approves a refund proposal, run by the first Update of the refund payout's
 * workflow under the id the proposal chose: in one transaction, under the exception's row lock
 * (two checkers at once are served one after the other), the held amount moves from suspense
 * into transit (posting rule REFUND), the payout to the payer's account is written SUBMITTED with
 * the exception linked, and the exception is RESOLVED. The same approval again finds the payout
 * and moves nothing.
 */
export async function approveExceptionRefund(prisma: PrismaClient, actor: Actor, id: string, payoutId: string, now = new Date()): Promise<{ payout: Payout; replayed: boolean }> {
  return runTransaction(
    prisma,
    async (tx) => {
      const exception = await lockException(tx, id);
      const earlier = await findRefundApproval(tx, id, payoutId);
      if (earlier) return { payout: earlier, replayed: true };
      if (exception.status !== 'PROPOSED' || exception.resolutionKind !== 'REFUND') throw new WrongStateError(`the exception is ${exception.status}: there is no refund proposal to approve`, exception.status);
      // A stale approval (of a proposal rejected and proposed again) must not approve the new one.
      if (exception.refundPayoutId !== payoutId) throw new WrongStateError('the refund proposal was replaced since: approve the current one', exception.status);
      assertNotMaker(exception, actor);
      await assertMakerActive(tx, exception.makerUserId, exception.status);
      await assertNotReversed(tx, exception);
      const beneficiary = refundBeneficiary(exception);
      const currency = exception.currency as Currency;
      const amount = toDecimal(exception.heldAmount!);
      const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
      const inTransit = await findAccountByCode(tx, platformAccountCode('PAYOUT_IN_TRANSIT', currency));
      if (!suspense || !inTransit) throw new Error(`the platform has no ${currency} suspense or payout-in-transit account`);
      await lockAccounts(tx, [suspense.id, inTransit.id]);

      const year = businessYearOf(now);
      const reference = await drawPayoutReference(tx, (serial) => refundReference(year, serial));
      const posted = await postTransaction(tx, {
        idempotencyKey: `inbound-exception:${id}:refund:${payoutId}`,
        code: 'REFUND',
        description: `退款 refund ${reference} of ${exception.bankReference}`,
        effectiveAt: now,
        inOpenDay: true,
        metadata: { payoutId, purpose: 'REFUND', payoutReference: reference, exceptionId: id, bankReference: exception.bankReference, makerUserId: exception.makerUserId, checkerUserId: actor.userId },
        entries: postingEntries('REFUND', amount, currency, { suspense: suspense.id, payoutInTransit: inTransit.id }),
      });
      const payout = await tx.payout.create({
        data: {
          id: payoutId,
          purpose: 'REFUND',
          inboundExceptionId: id,
          sourceAccountId: suspense.id,
          attempt: 1,
          payoutReference: reference,
          amount: formatAmount(amount, currency),
          currency,
          beneficiaryName: beneficiary.accountName,
          beneficiaryAccountNumber: beneficiary.accountNumber,
          beneficiaryBank: beneficiary.bankName,
          status: 'SUBMITTED',
          inTransitTransactionId: posted.transactionId,
          requestedByUserId: actor.userId,
          requestKey: `refund:${id}:${payoutId}`,
          requestHash: sha256Hex(JSON.stringify(['REFUND', currency, formatAmount(amount, currency), beneficiary.accountNumber])),
          createdAt: now,
          updatedAt: now,
        },
      });
      await tx.inboundException.update({ where: { id }, data: { status: 'RESOLVED', checkerUserId: actor.userId, resolvedAt: now, resolutionTransactionId: posted.transactionId, reopenReason: null } });
      return { payout, replayed: false };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * A refund the bank failed, or the payer's bank returned (all or part): what came back is in
 * suspense again (the payout's source), so the exception is OPEN again holding it, with why, for
 * an operator to act on again. Called in the transaction that books the money back, after the
 * payout's row lock and before the accounts' (the exception's row comes before the ledger's).
 */
export async function reopenRefundedException(tx: Tx, payout: Payout, heldAmount: Decimal, reason: string): Promise<void> {
  if (payout.purpose !== 'REFUND' || !payout.inboundExceptionId) throw new Error(`payout ${payout.payoutReference} is not a refund of an inbound exception`);
  const exception = await lockException(tx, payout.inboundExceptionId);
  if (exception.status !== 'RESOLVED' || exception.refundPayoutId !== payout.id) {
    throw new Error(`inbound exception ${exception.id} is not resolved by refund ${payout.payoutReference} (${exception.status}): its money cannot come back to it`);
  }
  await tx.inboundException.update({
    where: { id: exception.id },
    data: { ...NO_PROPOSAL, checkerUserId: null, resolvedAt: null, resolutionTransactionId: null, heldAmount: formatAmount(heldAmount, payout.currency as Currency), reopenReason: reason.slice(0, 500) },
  });
}

/**
 * What a payer paid beyond the receivable's confirmed amount, posted to suspense by the
 * allocation that found it, is the payer's: it is parked as an OVERPAID exception, in the
 * allocation's transaction, for an operator to refund (or apply). Its reference is derived from
 * the allocation, which is made once. The payer is the bank line's that brought the money: the
 * inbound credit's, or, for parked money an operator applied to the collection account, the
 * exception's (which kept the payer's line); money that came another way has no payer bank line,
 * and its refund is refused.
 */
export async function recordOverpaidException(
  tx: Tx,
  overpaid: {
    allocationId: string;
    financingId: string;
    financingNumber: string;
    collectionAccountId: string;
    amount: Decimal;
    currency: Currency;
    inboundCreditId: string | null;
    inboundExceptionId?: string | null;
    at: Date;
    /** Why the payer is owed it, when not for paying beyond the receivable, and the reference that goes with it. */
    cause?: { reference: string; detail: string };
  },
): Promise<InboundException> {
  const line = overpaid.inboundCreditId
    ? await tx.inboundCredit.findUniqueOrThrow({ where: { id: overpaid.inboundCreditId } })
    : overpaid.inboundExceptionId
      ? await tx.inboundException.findUniqueOrThrow({ where: { id: overpaid.inboundExceptionId } })
      : null;
  const collection = await tx.ledgerAccount.findUniqueOrThrow({ where: { id: overpaid.collectionAccountId } });
  const amount = formatAmount(overpaid.amount, overpaid.currency);
  const payer = line ? '' : ' It came without a payer bank line (an offline repayment or a recourse claim): it can be applied, not refunded.';
  return tx.inboundException.create({
    data: {
      bankReference: overpaid.cause?.reference ?? `overpaid:${overpaid.allocationId}`,
      reason: 'OVERPAID',
      detail: `${overpaid.cause?.detail ?? `paid beyond the receivable's confirmed amount of financing ${overpaid.financingNumber}`}: the payer's, for a refund.${payer}`.slice(0, 500),
      virtualAccountNumber: line?.virtualAccountNumber ?? collection.virtualAccountNumber ?? collection.code.slice(0, 64),
      amount,
      currency: overpaid.currency,
      payerName: line?.payerName ?? '',
      payerAccountNumber: line?.payerAccountNumber ?? '',
      remittanceInformation: line?.remittanceInformation ?? '',
      receivedAt: line?.receivedAt ?? overpaid.at,
      financingId: overpaid.financingId,
      heldAmount: amount,
      createdAt: overpaid.at,
    },
  });
}
