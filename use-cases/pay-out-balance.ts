import type { Actor } from '../domain/actor';
import type { BalancePayoutPurpose } from '../domain/balance-payout-rules';
import { validateBalancePayoutRequest } from '../domain/balance-payout-rules';
import { findBalancePayoutReplay } from '../prisma/stores/balance-payout-store';
import { requestBalancePayoutWithStart } from '../workflows/client/balance-payout-client';
import { actorOf } from './actor-of';
import { derivedId } from './derived-id';
import type { UseCaseContext } from './use-case-context';

/**
 * A balance paid out to the caller's party's own bank account (a withdrawal or a fee sweep):
 * the request is the first Update of the payout's workflow, started in the same call, so money
 * in transit never exists without the workflow that follows it to the bank. A repeat of an
 * earlier request is answered from the database without touching Temporal; input that cannot
 * be valid is refused before anything starts. The caller has checked the permission.
 */
export async function payOutBalance(
  ctx: UseCaseContext,
  actor: Actor,
  purpose: BalancePayoutPurpose,
  input: { amount: string | null; currency: string; idempotencyKey: string },
): Promise<{ payoutId: string; replayed: boolean }> {
  const earlier = await findBalancePayoutReplay(ctx.prisma, actor, { ...input, purpose });
  if (earlier) return { payoutId: earlier.id, replayed: true };
  validateBalancePayoutRequest(input);
  const requested = await requestBalancePayoutWithStart(ctx.temporal, {
    taskQueue: ctx.taskQueue,
    payoutId: derivedId('balance-payout', purpose, actor.partyId, input.idempotencyKey.trim()),
    args: { actor: actorOf(actor), purpose, input },
    updateId: `request-payout:${ctx.requestId}`,
  });
  ctx.logger.info({ payoutId: requested.payoutId, payoutReference: requested.payoutReference, purpose, replayed: requested.replayed }, 'balance payout requested');
  return { payoutId: requested.payoutId, replayed: requested.replayed };
}
