import { assertPermitted, PERMISSIONS, type Actor } from '../domain/actor';
import { ForbiddenError } from '../domain/errors';
import { payOutBalance } from './pay-out-balance';
import type { UseCaseContext } from './use-case-context';

/**
 * A supplier, or a voucher holder of any role, withdraws (提现) part or all of its settlement
 * account to its registered bank account in its own name: a payout under the same rules as a
 * disbursement's (docs/workflows/balance-payout.md). Money a failed or returned disbursement
 * payout left there waits for that payout's retry and cannot be withdrawn. A party with no
 * settlement account in any currency has nothing it may withdraw: forbidden, as before it asks.
 */
export async function requestWithdrawal(ctx: UseCaseContext, actor: Actor, input: { amount: string; currency: string; idempotencyKey: string }): Promise<{ payoutId: string; replayed: boolean }> {
  assertPermitted(actor, 'WITHDRAW_SETTLEMENT_BALANCE');
  const settlement = await ctx.prisma.ledgerAccount.findFirst({ where: { ownerPartyId: actor.partyId, purpose: 'SUPPLIER_SETTLEMENT' }, select: { id: true } });
  if (!settlement) {
    const { who, doing } = PERMISSIONS.WITHDRAW_SETTLEMENT_BALANCE;
    throw new ForbiddenError(`only ${who} can ${doing}`);
  }
  return payOutBalance(ctx, actor, 'WITHDRAWAL', input);
}
