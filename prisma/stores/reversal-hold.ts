import { Decimal, formatAmount, type Currency } from '../../domain/money';
import type { PrismaClient } from '../client';
import { spendableOf } from './balance-payout-store';
import { platformAccountCode } from './chart-of-accounts';
import { MONEY_TRANSACTION_TIMEOUT_MS } from './financing-ledger';
import { findAccountByCode } from './ledger/accounts';
import { reserveHold, voidHold } from './ledger/holds';
import { lockAccounts } from './ledger/locks';
import { runTransaction, type Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

// A bank's reversal (冲正) of a credit the ledger booked to an account freezes (冻结) the reversed
// amount there as soon as a statement shows it (docs/reconciliation.md, "A bank's reversal"): a
// hold from the credited account to the escrow bank account, the direction of the recovery, so
// that its owner can no longer reserve, allocate or withdraw money the bank no longer holds while
// operators decide. The recovery's approval releases it and takes the money back in the same
// database transaction; any other resolution of the item releases it; so does a financing that
// ends and parks its collection account in suspense (the recovery then takes it from there).

/** The hold's code: what an owner sees as pending on its account. */
export const REVERSAL_HOLD_CODE = 'RECONCILIATION_REVERSAL_HOLD';

const holdKeyOf = (itemId: string) => `reconciliation-item:${itemId}:reversal-hold`;

/**
 * Freezes what each reversal first shown on statement `statementId` takes back, in the account
 * its linked credit reached: all of it when the account still holds it, else what is left there
 * (above a supplier's proceeds waiting for a payout retry, which stay payable). A credit the
 * ledger parked in suspense is not frozen: its exception is held by its reversal instead
 * (assertNotReversed). Once per item (the hold's idempotency key): a day imported again, or the
 * item rolling forward, freezes nothing more. Returns how many holds were placed.
 */
export async function holdReversedCredits(prisma: PrismaClient, statementId: string, now: Date): Promise<number> {
  const reversals = await prisma.$queryRaw<{ id: string; amount: string; currency: string; accountId: string; bankReference: string }[]>`
    SELECT i.id::text AS id, i.amount::text AS amount, i.currency, c.account_id::text AS "accountId", c.bank_reference AS "bankReference"
      FROM reconciliation_item i
      JOIN bank_statement_line l ON l.id = i.statement_line_id
      JOIN inbound_credit c ON c.id = i.inbound_credit_id
     WHERE l.statement_id = ${statementId}::uuid AND i.kind = 'INBOUND_CREDIT_REVERSAL' AND i.status <> 'RESOLVED' AND c.outcome = 'MATCHED'
       AND NOT EXISTS (SELECT 1 FROM inbound_exception e WHERE e.inbound_credit_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM ledger_hold h WHERE h.idempotency_key = 'reconciliation-item:' || i.id::text || ':reversal-hold')
     ORDER BY l.position`;
  let placed = 0;
  for (const reversal of reversals) {
    const currency = reversal.currency as Currency;
    const held = await runTransaction(
      prisma,
      async (tx) => {
        // Under the item's lock, as its resolution takes it: one resolved meanwhile is not frozen (nothing would release it).
        const [item] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM reconciliation_item WHERE id = ${reversal.id}::uuid FOR UPDATE`;
        if (!item || item.status === 'RESOLVED') return false;
        const escrow = await findAccountByCode(tx, platformAccountCode('ESCROW_BANK', currency));
        if (!escrow) throw new Error(`the platform has no ${currency} escrow bank account`);
        const account = await tx.ledgerAccount.findUniqueOrThrow({ where: { id: reversal.accountId }, select: { closedAt: true } });
        if (account.closedAt) return false;
        await lockAccounts(tx, [reversal.accountId, escrow.id]);
        const amount = Decimal.min(toDecimal(reversal.amount), (await spendableOf(tx, reversal.accountId, currency)).room);
        if (amount.lte(0)) return false;
        await reserveHold(
          tx,
          {
            idempotencyKey: holdKeyOf(reversal.id),
            code: REVERSAL_HOLD_CODE,
            debitAccountId: reversal.accountId,
            creditAccountId: escrow.id,
            amount: formatAmount(amount, currency),
            currency,
            metadata: { reconciliationItemId: reversal.id, bankReference: reversal.bankReference },
          },
          now,
        );
        return true;
      },
      { timeoutMs: MONEY_TRANSACTION_TIMEOUT_MS },
    );
    if (held) placed += 1;
  }
  return placed;
}

/** Releases the reversal's hold on the credited account, if one is pending: the item is being resolved. */
export async function releaseReversalHold(tx: Tx, itemId: string, now: Date): Promise<void> {
  const key = holdKeyOf(itemId);
  const [hold] = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM ledger_hold WHERE idempotency_key = ${key} AND status = 'PENDING'`;
  if (hold) await voidHold(tx, { holdId: hold.id, idempotencyKey: `${key}:void` }, now);
}

/** Releases every reversal's hold pending on an account whose money is being moved whole (a collection account parked in suspense). */
export async function releaseReversalHoldsOn(tx: Tx, accountId: string, now: Date): Promise<void> {
  const holds = await tx.$queryRaw<{ id: string; key: string }[]>`
    SELECT id::text AS id, idempotency_key AS key FROM ledger_hold WHERE debit_account_id = ${accountId}::uuid AND code = ${REVERSAL_HOLD_CODE} AND status = 'PENDING' ORDER BY created_at, id`;
  for (const hold of holds) await voidHold(tx, { holdId: hold.id, idempotencyKey: `${hold.key}:void` }, now);
}
