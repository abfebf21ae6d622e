import Decimal from 'decimal.js';
import type { Pool } from 'pg';
import type { PrismaClient } from '../../prisma/client';
import { platformAccountCode } from '../../prisma/stores/chart-of-accounts';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { getBalance } from '../../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../../prisma/stores/ledger/invariants';
import { trialBalance } from '../../prisma/stores/ledger/trial-balance';

// What every resilience scenario must find at its end, whatever was killed on the way: every
// financing settled, the books balanced, the escrow bank account in the ledger equal to the
// bank's own balance of it, and exactly one payout executed at the bank per financing.

export interface MoneyFindings {
  financings: number;
  settled: number;
  /** Financings whose payouts the bank executed a number of times other than one. */
  payoutsNotOnce: Array<{ financingId: string; executedAtBank: number }>;
  trialBalanceMoney: boolean;
  trialBalanceMemo: boolean;
  invariantViolations: number;
  escrowInLedger: string;
  escrowAtBank: string;
}

export async function checkMoney(prisma: PrismaClient, pool: Pool, financingIds: string[]): Promise<MoneyFindings> {
  const settled = await prisma.financing.count({ where: { id: { in: financingIds }, status: 'SETTLED' } });
  const executed = await pool.query<{ financing_id: string; executed: string }>(
    `SELECT p.financing_id::text AS financing_id, count(b.id) FILTER (WHERE b.status::text = 'SETTLED')::text AS executed
       FROM payout p LEFT JOIN bank_simulator.payout b ON b.payout_reference = p.payout_reference
      WHERE p.financing_id = ANY($1::uuid[]) AND p.purpose = 'DISBURSEMENT'
      GROUP BY p.financing_id`,
    [financingIds],
  );
  const byFinancing = new Map(executed.rows.map((row) => [row.financing_id, Number(row.executed)]));
  const payoutsNotOnce = financingIds.map((financingId) => ({ financingId, executedAtBank: byFinancing.get(financingId) ?? 0 })).filter((row) => row.executedAtBank !== 1);
  const escrow = await findAccountByCode(prisma, platformAccountCode('ESCROW_BANK', 'CNY'));
  const escrowInLedger = (await getBalance(prisma, escrow!.id)).posted;
  // The bank's own books: what it was opened with, plus every line it booked on the account.
  const bank = await pool.query<{ balance: string }>(
    `SELECT (COALESCE((SELECT sum(amount) FROM bank_simulator.opening_balance WHERE currency = 'CNY'), 0)
           + COALESCE((SELECT sum(CASE WHEN direction = 'CREDIT' THEN amount ELSE -amount END) FROM bank_simulator.booking_line WHERE currency = 'CNY'), 0))::text AS balance`,
  );
  return {
    financings: financingIds.length,
    settled,
    payoutsNotOnce,
    trialBalanceMoney: (await trialBalance(prisma, 'CNY')).balanced,
    trialBalanceMemo: (await trialBalance(prisma, 'CNY', 'MEMO')).balanced,
    invariantViolations: (await verifyLedgerInvariants(prisma)).length,
    escrowInLedger: escrowInLedger.toFixed(2),
    escrowAtBank: new Decimal(bank.rows[0]!.balance).toFixed(2),
  };
}
