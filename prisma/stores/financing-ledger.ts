import { canMoveMoney, type FinancingStatus } from '../../domain/financing-rules';
import type { Currency } from '../../domain/money';
import type { Financing, Prisma, PrismaClient } from '../client';
import { collectionAccountCode, partyAccountCode, platformAccountCode } from './chart-of-accounts';
import { findAccountByCode, openAccount } from './ledger/accounts';
import { lockAccounts } from './ledger/locks';
import type { Tx } from './run-transaction';

// What the money-moving stores share: the financing under its row lock, the accounts its
// postings touch, and the recorded move from one state to the next.

export const MONEY_TRANSACTION_TIMEOUT_MS = 20_000;

/** Locks the financing row for the rest of the transaction and reads it. */
export async function lockFinancing(tx: Tx, financingId: string): Promise<Financing> {
  await tx.$queryRaw`SELECT id FROM financing WHERE id = ${financingId}::uuid FOR UPDATE`;
  return tx.financing.findUniqueOrThrow({ where: { id: financingId } });
}

export interface FinancingAccounts {
  funderFunding: string;
  supplierSettlement: string;
  coreRepayment: string;
  collection: string;
  feeIncome: string;
  payoutInTransit: string;
  escrowBank: string;
  inboundClearing: string;
  accrualControl: string;
  limitControl: string;
}

async function accountId(tx: Tx | PrismaClient, code: string): Promise<string> {
  const account = await findAccountByCode(tx, code);
  if (!account) throw new Error(`ledger account ${code} is missing`);
  return account.id;
}

/** The accounts a financing's money moves through (docs/ledger.md has the chart). */
export async function financingAccounts(tx: Tx | PrismaClient, financing: Financing): Promise<FinancingAccounts> {
  const currency = financing.currency as Currency;
  return {
    funderFunding: await accountId(tx, partyAccountCode(financing.funderPartyId, 'FUNDER_FUNDING', currency)),
    supplierSettlement: await accountId(tx, partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', currency)),
    coreRepayment: await accountId(tx, partyAccountCode(financing.obligorPartyId, 'CORE_REPAYMENT', currency)),
    collection: await accountId(tx, collectionAccountCode(financing.id, currency)),
    feeIncome: await accountId(tx, platformAccountCode('FEE_INCOME', currency)),
    payoutInTransit: await accountId(tx, platformAccountCode('PAYOUT_IN_TRANSIT', currency)),
    escrowBank: await accountId(tx, platformAccountCode('ESCROW_BANK', currency)),
    inboundClearing: await accountId(tx, platformAccountCode('INBOUND_CLEARING', currency)),
    accrualControl: await accountId(tx, platformAccountCode('ACCRUAL_CONTROL', currency)),
    limitControl: await accountId(tx, platformAccountCode('LIMIT_CONTROL', currency)),
  };
}

/**
 * The financing's accounts, locked for the rest of the transaction in the ledger's one global
 * order (ledger/locks.ts), together with its penalty account, the credit limits its holds
 * reserve and any `extra` account: a step that makes several ledger calls takes all its locks
 * here, at once, so that it never holds one account while it waits for another (no deadlock
 * between disbursement, returns, allocation and inbound booking).
 */
export async function lockFinancingAccounts(tx: Tx, financing: Financing, extra: readonly string[] = []): Promise<FinancingAccounts> {
  const accounts = await financingAccounts(tx, financing);
  const holds = await tx.ledgerHold.findMany({ where: { id: { in: financing.limitHoldIds } }, select: { debitAccountId: true, creditAccountId: true } });
  const limits = holds.flatMap((hold) => [hold.debitAccountId, hold.creditAccountId]);
  const roles = Object.keys(accounts) as (keyof FinancingAccounts)[];
  await lockAccounts(tx, [...roles.map((role) => accounts[role]), ...limits, ...(financing.penaltyAccountId ? [financing.penaltyAccountId] : []), ...extra]);
  return accounts;
}

/** Opens (or finds) the memo account where a financing's penalty interest accrues until it is collected. */
export async function openPenaltyAccount(tx: Tx, financing: Financing): Promise<string> {
  const currency = financing.currency as Currency;
  const account = await openAccount(tx, {
    code: `financing:${financing.id}:PENALTY_RECEIVABLE:${currency}`,
    name: `应收罚息 Penalty receivable ${financing.financingNumber} ${currency}`,
    type: 'ASSET',
    purpose: 'PENALTY_RECEIVABLE',
    book: 'MEMO',
    currency,
    // The funder's claim; owned by the funder, so a silent assignment stays silent to the obligor.
    ownerPartyId: financing.funderPartyId,
  });
  return account.id;
}

/**
 * Moves the financing to `to` when the money allows it (MONEY_TRANSITIONS) and records the
 * transition; does nothing when it is already there. Returns whether it moved.
 */
export async function moveFinancing(
  tx: Tx,
  financing: Financing,
  to: FinancingStatus,
  reason: string,
  now: Date,
  extra: Prisma.FinancingUpdateInput = {},
  actor: { userId: string; partyId: string } | null = null,
): Promise<boolean> {
  if (financing.status === to || !canMoveMoney(financing.status, to)) {
    if (Object.keys(extra).length > 0) await tx.financing.update({ where: { id: financing.id }, data: { ...extra, updatedAt: now } });
    return false;
  }
  await tx.financing.update({ where: { id: financing.id }, data: { ...extra, status: to, updatedAt: now } });
  await tx.financingTransition.create({
    // Reasons can carry a bank's text of any length; the column holds 500 characters.
    data: { financingId: financing.id, fromStatus: financing.status, toStatus: to, actorUserId: actor?.userId ?? null, actorPartyId: actor?.partyId ?? null, reason: reason.slice(0, 500), occurredAt: now },
  });
  financing.status = to;
  return true;
}
