import { assertPermitted, type Actor } from '../domain/actor';
import { payOutBalance } from './pay-out-balance';
import type { UseCaseContext } from './use-case-context';

/**
 * A supplier withdraws (提现) part or all of its settlement account to its registered bank
 * account in its own name: a payout under the same rules as a disbursement's
 * (docs/workflows/balance-payout.md). Money a failed or returned disbursement payout left there
 * waits for that payout's retry and cannot be withdrawn.
 */
export function requestWithdrawal(ctx: UseCaseContext, actor: Actor, input: { amount: string; currency: string; idempotencyKey: string }): Promise<{ payoutId: string; replayed: boolean }> {
  assertPermitted(actor, 'WITHDRAW_SETTLEMENT_BALANCE');
  return payOutBalance(ctx, actor, 'WITHDRAWAL', input);
}
