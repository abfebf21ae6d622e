import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import { assertMayRetryPayout } from '../domain/financing-rules';
import { findVisibleFinancing } from '../prisma/stores/financing-store';
import { sendRetryPayout } from '../workflows/client/financing-client';
import { actorOf } from './actor-of';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * A person asks for a new payout after a failed or returned one (never automatic: the
 * costliest bug in this domain is paying twice). The financing's workflow opens the attempt,
 * to the supplier's payout account as it is now, and pays it out.
 */
export async function retryPayout(ctx: UseCaseContext, actor: Actor, financingId: string): Promise<{ payoutId: string }> {
  const financing = await findVisibleFinancing(ctx.prisma, actor, financingId);
  assertMayRetryPayout(financing, actor);
  assertPermitted(actor, 'RETRY_PAYOUT');
  const retried = await sendRetryPayout(ctx.temporal, financing.id, { actor: actorOf(actor) }, requestKey('retry-payout', financing.id, actor, ctx.requestId));
  if (!retried) throw new WrongStateError(`the financing is ${financing.status}: no payout is waiting for a retry`, financing.status);
  ctx.logger.info({ financingId: financing.id, payoutId: retried.payoutId }, 'payout retried');
  return retried;
}
