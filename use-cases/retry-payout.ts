import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import { assertMayRetryPayout } from '../domain/financing-rules';
import { latestPayout } from '../prisma/stores/disbursement-store';
import { findVisibleFinancing } from '../prisma/stores/financing-store';
import { assertProceedsLeftToPayAgain, proceedsOfFinancingAwaitingRetry } from '../prisma/stores/payout-store';
import { originationOf, type FinancingOrigination } from '../workflows/contracts/financing';
import { retryPayoutWithStart, sendRetryPayout } from '../workflows/client/financing-client';
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
  const args = { actor: actorOf(actor) };
  const updateId = requestKey('retry-payout', financing.id, actor, ctx.requestId);
  let retried = await sendRetryPayout(ctx.temporal, financing.id, args, updateId);
  if (!retried) {
    // The workflow ended (the financing settled) before the bank's statement showed its payout
    // returned: a new run of the workflow pays the next attempt. Asked only when the last payout
    // failed or came back and the recourse claim left something of it, so no run is started to
    // wait for a retry that cannot come.
    const latest = await latestPayout(ctx.prisma, financing.id);
    if (latest?.status !== 'FAILED' && latest?.status !== 'RETURNED') throw new WrongStateError(`the financing is ${financing.status}: no payout is waiting for a retry`, financing.status);
    assertProceedsLeftToPayAgain(financing, await proceedsOfFinancingAwaitingRetry(ctx.prisma, financing.id), latest);
    retried = await retryPayoutWithStart(ctx.temporal, { taskQueue: ctx.taskQueue, financingId: financing.id, settings: ctx.financingSettings, origination: await storedOriginationOf(ctx, financing.id), args, updateId });
  }
  ctx.logger.info({ financingId: financing.id, payoutId: retried.payoutId }, 'payout retried');
  return retried;
}

/** What the financing's application fixed, as its workflow carries it from run to run. */
async function storedOriginationOf(ctx: UseCaseContext, financingId: string): Promise<FinancingOrigination> {
  const financing = await ctx.prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
  return originationOf(financing, await ctx.prisma.programTerms.findUniqueOrThrow({ where: { id: financing.programTermsId } }));
}
