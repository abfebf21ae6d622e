import { isOperator, type Actor } from '../../domain/actor';
import { ForbiddenError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { CLOSED_BEFORE_APPROVAL } from '../../domain/financing-rules';
import { isUuid, transfer } from '../../domain/ledger-rules';
import type { Currency } from '../../domain/money';
import { validateReason } from '../../domain/receivable-rules';
import type { InboundException, LedgerAccount, Prisma, PrismaClient } from '../client';
import { platformAccountCode } from './chart-of-accounts';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { lockAccounts } from './ledger/locks';
import { postTransaction } from './ledger/postings';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { fundingWakeUpsFor, recordWakeUps } from './wake-up-store';

// What operators do with an inbound exception (docs/ledger.md, "Exceptions"): one operator (the
// maker) proposes the virtual account the parked money belongs to, another (the checker)
// approves, which moves it out of suspense there in the same database transaction, or rejects,
// which leaves it parked. Until a checker approves, nothing moves.

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

/** The maker names the virtual account the parked money belongs to, and why. Nothing moves yet. */
export async function proposeExceptionResolution(prisma: PrismaClient, actor: Actor, id: string, input: { accountId: string; note: string }, now = new Date()): Promise<InboundException> {
  const note = validateReason(input.note, ['input', 'note']);
  return runTransaction(prisma, async (tx) => {
    const exception = await lockException(tx, id);
    if (exception.status !== 'OPEN') throw new WrongStateError(`the exception is already ${exception.status}`, exception.status);
    if (!exception.inboundCreditId) throw new WrongStateError('the ledger holds nothing for this bank line (NOT_BOOKABLE): there is no money to apply', exception.status);
    const account = await applicableAccount(tx, exception, input.accountId);
    return tx.inboundException.update({ where: { id }, data: { status: 'PROPOSED', applyToAccountId: account.id, proposalNote: note, makerUserId: actor.userId, proposedAt: now } });
  });
}

/**
 * Another operator (the checker) decides the proposal. Approved, the money moves from
 * suspense to the named account (keyed by the exception, so once), the exception is RESOLVED,
 * and the wake-ups the money calls for are recorded, all in one database transaction; rejected,
 * the exception is OPEN again and the money stays parked.
 */
export async function decideExceptionResolution(prisma: PrismaClient, actor: Actor, id: string, approve: boolean, now = new Date()): Promise<InboundException> {
  return runTransaction(
    prisma,
    async (tx) => {
      const exception = await lockException(tx, id);
      if (exception.status !== 'PROPOSED') throw new WrongStateError(`the exception is ${exception.status}: there is no proposal to decide`, exception.status);
      if (exception.makerUserId === actor.userId) throw new ForbiddenError('the operator who proposed where the money goes cannot decide it: another operator must check it', 'MAKER_CANNOT_CHECK');
      if (!approve) {
        return tx.inboundException.update({ where: { id }, data: { status: 'OPEN', applyToAccountId: null, proposalNote: null, makerUserId: null, proposedAt: null } });
      }
      const account = await applicableAccount(tx, exception, exception.applyToAccountId!);
      const credit = await tx.inboundCredit.findUniqueOrThrow({ where: { id: exception.inboundCreditId! } });
      const currency = credit.currency as Currency;
      const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
      if (!suspense) throw new Error(`the platform has no ${currency} suspense account`);
      const financing = account.purpose === 'COLLECTION' ? await tx.financing.findUnique({ where: { collectionAccountId: account.id } }) : null;
      await lockAccounts(tx, [suspense.id, account.id]);
      const posted = await postTransaction(tx, {
        idempotencyKey: `inbound-exception:${exception.id}:apply`,
        code: 'SUSPENSE_APPLIED',
        description: `挂账转入 ${credit.bankReference} → ${account.code}`,
        effectiveAt: now,
        inOpenDay: true,
        metadata: { bankReference: credit.bankReference, exceptionId: exception.id, makerUserId: exception.makerUserId, checkerUserId: actor.userId, ...(financing ? { financingId: financing.id } : {}) },
        entries: transfer(suspense.id, account.id, toDecimal(credit.amount), currency),
      });
      const cause = `inbound-exception:${exception.id}`;
      if (financing) await recordWakeUps(tx, [{ financingId: financing.id, signal: 'REPAYMENT_RECEIVED', cause }]);
      if (account.purpose === 'FUNDER_FUNDING' && account.ownerPartyId) await recordWakeUps(tx, await fundingWakeUpsFor(tx, account.ownerPartyId, currency, cause));
      return tx.inboundException.update({ where: { id }, data: { status: 'RESOLVED', checkerUserId: actor.userId, resolvedAt: now, resolutionTransactionId: posted.transactionId } });
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}
