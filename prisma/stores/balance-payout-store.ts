import type { Actor } from '../../domain/actor';
import { assertOwnName, balancePayoutReference, validateBalancePayoutRequest, withdrawable, type BalancePayoutPurpose } from '../../domain/balance-payout-rules';
import { businessYearOf } from '../../domain/business-date';
import { ConflictError, LimitExceededError, ValidationError } from '../../domain/errors';
import { postingEntries } from '../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import type { Payout, PrismaClient } from '../client';
import { partyAccountCode, platformAccountCode } from './chart-of-accounts';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { postTransaction } from './ledger/postings';
import { currentPayoutAccount } from './payout-account-store';
import { proceedsAwaitingRetry } from './payout-store';
import { runTransaction, type Tx } from './run-transaction';
import { drawPayoutReference } from './drawn-numbers';
import { sha256Hex } from './sha256-hex';
import { isUniqueViolation } from './unique-violation';

// A balance paid out to its owner's own bank account (docs/ledger.md, "Payouts of a balance"):
// a supplier's settlement account withdrawn (WITHDRAWAL), or the platform's fee income swept to
// the platform's bank account (FEE_SWEEP). The request is checked, the money put in transit and
// the payout row written in one transaction; the payout's workflow then sends it to the bank and
// follows it exactly as a disbursement's payout (payout-store.ts records what the bank says).

/** The client's idempotency key: with the purpose and the party it must fit the payout's request_key column (200). */
export const BALANCE_PAYOUT_KEY_LENGTH_MAX = 150;

export interface BalancePayoutInput {
  /** A decimal string; null for a sweep of all the fee income there is. */
  amount: string | null;
  currency: string;
  idempotencyKey: string;
}

export interface BalancePayoutRequest extends BalancePayoutInput {
  purpose: BalancePayoutPurpose;
  /** The id the payout's workflow was started with. */
  payoutId?: string;
}

interface CheckedRequest {
  purpose: BalancePayoutPurpose;
  amount: Decimal | null;
  currency: Currency;
  requestKey: string;
  requestHash: string;
}

function checkRequest(actor: Pick<Actor, 'partyId'>, request: BalancePayoutRequest): CheckedRequest {
  const key = request.idempotencyKey.trim();
  if (key.length === 0 || key.length > BALANCE_PAYOUT_KEY_LENGTH_MAX) throw ValidationError.field(['input', 'idempotencyKey'], `must be 1 to ${BALANCE_PAYOUT_KEY_LENGTH_MAX} characters`);
  const { amount, currency } = validateBalancePayoutRequest(request);
  return {
    purpose: request.purpose,
    amount,
    currency,
    requestKey: `${request.purpose.toLowerCase()}:${actor.partyId}:${key}`,
    requestHash: sha256Hex(JSON.stringify([request.purpose, currency, amount === null ? 'ALL' : formatAmount(amount, currency)])),
  };
}

/** The same request key again: the first payout, or a conflict when it asked for something else. */
function replayOf(existing: Payout | null, checked: CheckedRequest, idempotencyKey: string): Payout | undefined {
  if (!existing) return undefined;
  if (existing.requestHash !== checked.requestHash) {
    throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(idempotencyKey.trim())} was used for a different request (${existing.payoutReference})`);
  }
  return existing;
}

/** The payout an earlier request with the same idempotency key made, if any (checked first: a repeat is answered without a workflow). */
export async function findBalancePayoutReplay(prisma: PrismaClient, actor: Pick<Actor, 'partyId'>, request: BalancePayoutRequest): Promise<Payout | undefined> {
  const checked = checkRequest(actor, request);
  return replayOf(await prisma.payout.findUnique({ where: { requestKey: checked.requestKey } }), checked, request.idempotencyKey);
}

/**
 * Money in a supplier's settlement account that failed or returned disbursement payouts left
 * there, waiting for a person to pay it again (retryPayout), less what recourse netted of it
 * (proceedsAwaitingRetry, payout-store.ts). The financings' workflows wait for those retries,
 * so the money is not withdrawable.
 */
export async function awaitingPayoutRetry(db: Tx | PrismaClient, supplierPartyId: string, currency: Currency): Promise<Decimal> {
  return (await proceedsAwaitingRetry(db, { supplierPartyId, currency })).reduce((sum, row) => sum.plus(row.awaiting), new Decimal(0));
}

/**
 * What can leave an account now: its available balance, less, for a supplier's settlement
 * account, the proceeds waiting there for a payout's retry (spoken for). Asked under the
 * account's lock by a caller that moves the money.
 */
export async function spendableOf(db: Tx | PrismaClient, accountId: string, currency: Currency): Promise<{ available: Decimal; awaiting: Decimal; room: Decimal }> {
  const account = await db.ledgerAccount.findUniqueOrThrow({ where: { id: accountId }, select: { purpose: true, ownerPartyId: true } });
  const available = (await getBalance(db, accountId)).available;
  const awaiting = account.purpose === 'SUPPLIER_SETTLEMENT' && account.ownerPartyId ? await awaitingPayoutRetry(db, account.ownerPartyId, currency) : new Decimal(0);
  return { available, awaiting, room: withdrawable(available, awaiting) };
}

export interface WithdrawableBalance {
  currency: Currency;
  available: Decimal;
  awaitingPayoutRetry: Decimal;
  withdrawable: Decimal;
}

/** What the supplier could withdraw now, and why the rest cannot be. */
export async function withdrawableBalance(prisma: PrismaClient, partyId: string, currency: Currency): Promise<WithdrawableBalance | null> {
  const account = await findAccountByCode(prisma, partyAccountCode(partyId, 'SUPPLIER_SETTLEMENT', currency));
  if (!account) return null;
  const { available, awaiting, room } = await spendableOf(prisma, account.id, currency);
  return { currency, available, awaitingPayoutRetry: awaiting, withdrawable: room };
}

async function accountIdOf(tx: Tx, code: string): Promise<string | null> {
  return (await findAccountByCode(tx, code))?.id ?? null;
}

/**
 * A withdrawal (the supplier's settlement account) or a sweep (the platform's fee income) to
 * the caller's party's registered payout account, in one transaction: the party's row lock
 * orders its requests and its account registrations; the source account and the in-transit
 * account are locked in the ledger's order (by id) before the balance is read, so what is
 * checked is what is posted against (no double spend between two requests, or between a
 * request and a failed payout coming back); then the amount is put in transit (posting rule
 * PAYOUT, code WITHDRAWAL or FEE_SWEEP) and the payout written as SUBMITTED. Repeating the
 * request with the same key returns the first payout.
 */
export async function requestBalancePayout(prisma: PrismaClient, actor: Actor, request: BalancePayoutRequest, now = new Date()): Promise<{ payout: Payout; replayed: boolean }> {
  const checked = checkRequest(actor, request);
  const earlier = replayOf(await prisma.payout.findUnique({ where: { requestKey: checked.requestKey } }), checked, request.idempotencyKey);
  if (earlier) return { payout: earlier, replayed: true };
  try {
    return await runTransaction(prisma, (tx) => openBalancePayout(tx, actor, request, checked, now), { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A twin request committed first.
    const raced = replayOf(await prisma.payout.findUnique({ where: { requestKey: checked.requestKey } }), checked, request.idempotencyKey);
    if (raced) return { payout: raced, replayed: true };
    throw error;
  }
}

async function openBalancePayout(tx: Tx, actor: Actor, request: BalancePayoutRequest, checked: CheckedRequest, now: Date): Promise<{ payout: Payout; replayed: boolean }> {
  const { purpose, currency } = checked;
  await tx.$queryRaw`SELECT id FROM party WHERE id = ${actor.partyId}::uuid FOR UPDATE`;
  const again = replayOf(await tx.payout.findUnique({ where: { requestKey: checked.requestKey } }), checked, request.idempotencyKey);
  if (again) return { payout: again, replayed: true };
  const party = await tx.party.findUniqueOrThrow({ where: { id: actor.partyId } });

  const sourceCode = purpose === 'WITHDRAWAL' ? partyAccountCode(party.id, 'SUPPLIER_SETTLEMENT', currency) : platformAccountCode('FEE_INCOME', currency);
  const source = await accountIdOf(tx, sourceCode);
  const inTransit = await accountIdOf(tx, platformAccountCode('PAYOUT_IN_TRANSIT', currency));
  if (!source || !inTransit) {
    const whose = purpose === 'WITHDRAWAL' ? 'the party has no settlement account' : 'the platform has no fee income account';
    throw ValidationError.field(['input', 'currency'], `${whose} in ${currency}`, 'CURRENCY_MISMATCH');
  }
  const beneficiary = await currentPayoutAccount(tx, party.id, now);
  if (!beneficiary) throw ValidationError.field(['payoutAccount'], 'no payout bank account is registered: register one first (registerPayoutAccount)', 'BANK_ACCOUNT_MISSING');
  assertOwnName(party.legalName, beneficiary.accountName);

  // The ledger's global order (by id), before the balance is read: what is checked is what the posting meets.
  await tx.$queryRaw`SELECT id FROM ledger_account WHERE id IN (${source}::uuid, ${inTransit}::uuid) ORDER BY id FOR UPDATE`;
  const { available, awaiting, room } = await spendableOf(tx, source, currency);
  const amount = checked.amount ?? room;
  if (amount.lte(0)) throw new LimitExceededError('EXCEEDS_AVAILABLE_BALANCE', `there is nothing to ${purpose === 'WITHDRAWAL' ? 'withdraw' : 'sweep'} in ${currency}`);
  if (amount.gt(room)) {
    const held = awaiting.gt(0) ? `, of which ${formatAmount(awaiting, currency)} waits to be paid out again for a failed or returned disbursement (retryPayout)` : '';
    throw new LimitExceededError('EXCEEDS_AVAILABLE_BALANCE', `${formatAmount(amount, currency)} ${currency} is more than the ${formatAmount(room, currency)} ${currency} that can leave: the account has ${formatAmount(available, currency)} available${held}`);
  }

  const year = businessYearOf(now);
  const reference = await drawPayoutReference(tx, (serial) => balancePayoutReference(purpose, year, serial));
  const metadata = { payoutId: request.payoutId ?? null, purpose, partyId: party.id, payoutReference: reference };
  const posted = await postTransaction(tx, {
    idempotencyKey: `payout:${reference}:in-transit`,
    code: purpose,
    description: `${purpose === 'WITHDRAWAL' ? '提现 withdrawal' : '服务费归集 fee sweep'} ${reference}`,
    // Dated at the request's business time, as its settlement is: otherwise the money leaves the
    // fee income on one accounting day and arrives in transit on another.
    effectiveAt: now,
    inOpenDay: true,
    metadata,
    entries: postingEntries('PAYOUT', amount, currency, { source, payoutInTransit: inTransit }),
  });
  const payout = await tx.payout.create({
    data: {
      id: request.payoutId,
      purpose,
      partyId: party.id,
      sourceAccountId: source,
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
      requestKey: checked.requestKey,
      requestHash: checked.requestHash,
      createdAt: now,
      updatedAt: now,
    },
  });
  return { payout, replayed: false };
}
