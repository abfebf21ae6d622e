import { assertPermitted, type Actor } from '../domain/actor';
import { payOutBalance } from './pay-out-balance';
import type { UseCaseContext } from './use-case-context';

/**
 * A platform operator sweeps the platform's fee income out of the escrow bank account to the
 * platform's own registered bank account, so customer money and platform money are never mixed
 * at the bank (docs/workflows/balance-payout.md). Without an amount, all the fee income there is.
 */
export function sweepFeeIncome(ctx: UseCaseContext, actor: Actor, input: { amount: string | null; currency: string; idempotencyKey: string }): Promise<{ payoutId: string; replayed: boolean }> {
  assertPermitted(actor, 'SWEEP_FEE_INCOME');
  return payOutBalance(ctx, actor, 'FEE_SWEEP', input);
}
