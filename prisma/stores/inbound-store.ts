import type { BankAdapter, InboundCredit } from '../../bank/bank-adapter';
import { ForbiddenError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { postingEntries, validateAmount } from '../../domain/ledger-rules';
import { formatAmount, isCurrency, type Currency } from '../../domain/money';
import { validateReason } from '../../domain/receivable-rules';
import type { InboundCredit as InboundCreditRow, OfflineRepayment, PrismaClient } from '../client';
import { platformAccountCode } from './chart-of-accounts';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { postTransaction } from './ledger/postings';
import type { Actor } from '../../domain/actor';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';
import { isUniqueViolation } from './unique-violation';

// Money arriving from outside. The bank reports a credit to the escrow account addressed to a
// virtual account number; it is booked into clearing and matched to that virtual account in
// the same database transaction, or parked in suspense (长款挂账) when the number is unknown
// or the currency is not the account's. The bank reference makes a credit count once.

export interface MatchedCredit {
  credit: InboundCreditRow;
  /** Set when the money reached a financing's collection account: its workflow allocates it. */
  financingId: string | null;
  /** Set when the money topped up a funder's funding account: its financings waiting for funding can go on. */
  fundedPartyId: string | null;
  replayed: boolean;
}

async function matchedOf(tx: Tx | PrismaClient, credit: InboundCreditRow, replayed: boolean): Promise<MatchedCredit> {
  const account = await tx.ledgerAccount.findUniqueOrThrow({ where: { id: credit.accountId } });
  return { credit, financingId: credit.financingId, fundedPartyId: account.purpose === 'FUNDER_FUNDING' ? account.ownerPartyId : null, replayed };
}

/** Books and matches one inbound credit, once per bank reference. */
export async function recordInboundCredit(
  prisma: PrismaClient,
  credit: InboundCredit,
  people: { recordedByUserId?: string; approvedByUserId?: string } = {},
): Promise<MatchedCredit> {
  const existing = await prisma.inboundCredit.findUnique({ where: { bankReference: credit.bankReference } });
  if (existing) return matchedOf(prisma, existing, true);
  try {
    return await runTransaction(prisma, (tx) => bookInboundCredit(tx, credit, people), { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS });
  } catch (error) {
    // Two pollers raced on the same credit: the other one booked it.
    if (isUniqueViolation(error)) return matchedOf(prisma, await prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: credit.bankReference } }), true);
    throw error;
  }
}

/** The booking itself, inside the caller's transaction: receipt into clearing, then the match (or suspense). */
async function bookInboundCredit(tx: Tx, credit: InboundCredit, people: { recordedByUserId?: string; approvedByUserId?: string }): Promise<MatchedCredit> {
  // Pollers racing for the same bank line queue here, and the later ones find the first one's
  // booking instead of all posting to the same hot accounts only to lose on the keys.
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`inbound-credit:${credit.bankReference}`}, 0))::text`;
  const booked = await tx.inboundCredit.findUnique({ where: { bankReference: credit.bankReference } });
  if (booked) return matchedOf(tx, booked, true);
  if (!isCurrency(credit.currency)) throw ValidationError.field(['currency'], `currency ${credit.currency} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  const currency: Currency = credit.currency;
  const { amount } = validateAmount(credit.amount, currency);
  const escrowBank = await findAccountByCode(tx, platformAccountCode('ESCROW_BANK', currency));
  const clearing = await findAccountByCode(tx, platformAccountCode('INBOUND_CLEARING', currency));
  const suspense = await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency));
  if (!escrowBank || !clearing || !suspense) throw new Error(`the platform has no ${currency} accounts`);
  const target = await tx.ledgerAccount.findFirst({ where: { virtualAccountNumber: credit.virtualAccountNumber, currency, closedAt: null } });
  const matched = target !== null && target.book === 'MONEY';
  const metadata: Record<string, unknown> = { bankReference: credit.bankReference, virtualAccountNumber: credit.virtualAccountNumber };
  const financing = matched && target.purpose === 'COLLECTION' ? await tx.financing.findUnique({ where: { collectionAccountId: target.id } }) : null;
  if (financing) metadata.financingId = financing.id;
  await postTransaction(tx, {
    idempotencyKey: `inbound:${credit.bankReference}:receipt`,
    code: 'INBOUND_RECEIPT',
    description: `来账 ${credit.payerName}`,
    metadata,
    entries: postingEntries('INBOUND_RECEIPT', amount, currency, { escrowBank: escrowBank.id, inboundClearing: clearing.id }),
  });
  const match = await postTransaction(tx, {
    idempotencyKey: `inbound:${credit.bankReference}:match`,
    code: matched ? 'INBOUND_MATCH' : 'INBOUND_SUSPENSE',
    description: matched ? `入账 ${credit.virtualAccountNumber}` : `挂账 unknown virtual account ${credit.virtualAccountNumber}`,
    metadata,
    entries: postingEntries('INBOUND_MATCH', amount, currency, { inboundClearing: clearing.id, target: matched ? target.id : suspense.id }),
  });
  const row = await tx.inboundCredit.create({
    data: {
      bankReference: credit.bankReference,
      virtualAccountNumber: credit.virtualAccountNumber,
      amount: formatAmount(amount, currency),
      currency,
      payerName: credit.payerName.slice(0, 200),
      payerAccountNumber: credit.payerAccountNumber.slice(0, 32),
      remittanceInformation: credit.remittanceInformation.slice(0, 200),
      receivedAt: credit.receivedAt,
      outcome: matched ? 'MATCHED' : 'SUSPENSE',
      accountId: matched ? target.id : suspense.id,
      financingId: financing?.id ?? null,
      transactionId: match.transactionId,
      recordedByUserId: people.recordedByUserId ?? null,
      approvedByUserId: people.approvedByUserId ?? null,
    },
  });
  return matchedOf(tx, row, false);
}

const INBOUND_CURSOR = 'inbound-credits';

/**
 * Reads the bank's new inbound credits from where the last poll stopped and books each one.
 * The cursor is saved after the page is booked: a crash in between re-reads the page, and the
 * bank references make that harmless.
 */
export async function pollInboundCredits(prisma: PrismaClient, bank: BankAdapter, pageSize = 100): Promise<MatchedCredit[]> {
  const saved = await prisma.bankCursor.findUnique({ where: { name: INBOUND_CURSOR } });
  const page = await bank.listInboundCredits(saved?.cursor ?? null, pageSize);
  const results: MatchedCredit[] = [];
  for (const credit of page.credits) results.push(await recordInboundCredit(prisma, credit));
  if (page.cursor !== (saved?.cursor ?? null)) {
    await prisma.bankCursor.upsert({ where: { name: INBOUND_CURSOR }, update: { cursor: page.cursor, updatedAt: new Date() }, create: { name: INBOUND_CURSOR, cursor: page.cursor } });
  }
  return results;
}

/** An operator records money the core enterprise paid outside the bank feed (the maker). Nothing moves yet. */
export async function proposeOfflineRepayment(
  prisma: PrismaClient,
  actor: Actor,
  input: { financingId: string; amount: string; bankReference: string; note: string },
): Promise<OfflineRepayment> {
  const financing = await prisma.financing.findUnique({ where: { id: input.financingId } });
  if (!financing) throw new NotFoundError('Financing', input.financingId);
  if (!financing.disbursementTransactionId) throw new WrongStateError(`the financing is ${financing.status}: nothing is owed yet`, financing.status);
  const currency = financing.currency as Currency;
  const { amount } = validateAmount(input.amount, currency, ['input', 'amount']);
  const bankReference = input.bankReference.trim();
  if (!/^[A-Za-z0-9:_-]{1,56}$/.test(bankReference)) throw ValidationError.field(['input', 'bankReference'], 'must be 1 to 56 letters, digits, ":", "_" or "-"');
  const note = validateReason(input.note, ['input', 'note']);
  try {
    return await prisma.offlineRepayment.create({ data: { financingId: financing.id, amount: formatAmount(amount, currency), currency, bankReference, note, makerUserId: actor.userId } });
  } catch (error) {
    if (isUniqueViolation(error)) throw ValidationError.field(['input', 'bankReference'], `a repayment with bank reference ${bankReference} was already recorded`, 'DUPLICATE_BANK_REFERENCE');
    throw error;
  }
}

/**
 * Another operator approves (the checker): the money is booked as an inbound credit to the
 * financing's collection account, exactly as if the bank had reported it.
 */
export async function decideOfflineRepayment(prisma: PrismaClient, actor: Actor, id: string, approve: boolean): Promise<{ repayment: OfflineRepayment; matched: MatchedCredit | null }> {
  // One transaction under the record's lock: the money is booked if and only if the record
  // says APPROVED, whatever a second checker does at the same moment.
  return runTransaction(
    prisma,
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM offline_repayment WHERE id = ${id}::uuid FOR UPDATE`;
      const pending = await tx.offlineRepayment.findUnique({ where: { id } });
      if (!pending) throw new NotFoundError('OfflineRepayment', id);
      if (pending.status !== 'PENDING') throw new WrongStateError(`the offline repayment is already ${pending.status}`, pending.status);
      if (pending.makerUserId === actor.userId) throw new ForbiddenError('the operator who recorded a repayment cannot decide it: another operator must check it', 'MAKER_CANNOT_CHECK');
      let matched: MatchedCredit | null = null;
      if (approve) {
        const financing = await tx.financing.findUniqueOrThrow({ where: { id: pending.financingId }, include: { collectionAccount: true } });
        matched = await bookInboundCredit(
          tx,
          {
            bankReference: `OFFLINE:${pending.bankReference}`,
            virtualAccountNumber: financing.collectionAccount!.virtualAccountNumber!,
            amount: toDecimal(pending.amount).toFixed(),
            currency: pending.currency,
            payerName: 'offline receipt',
            payerAccountNumber: '',
            remittanceInformation: pending.note,
            receivedAt: pending.createdAt,
          },
          { recordedByUserId: pending.makerUserId, approvedByUserId: actor.userId },
        );
      }
      const repayment = await tx.offlineRepayment.update({ where: { id }, data: { status: approve ? 'APPROVED' : 'REJECTED', checkerUserId: actor.userId, decidedAt: new Date() } });
      return { repayment, matched };
    },
    { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
  );
}
