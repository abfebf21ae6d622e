import { assertPermitted, type Actor } from '../domain/actor';
import { NotFoundError, WrongStateError } from '../domain/errors';
import { visiblePayoutsWhere } from '../prisma/stores/visibility';
import { sendResumeBalancePayout } from '../workflows/client/balance-payout-client';
import { actorOf } from './actor-of';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * An operator resumes a withdrawal's or fee sweep's workflow waiting at a step that reached its
 * bound (a bank call): the mark is cleared and the step runs again under the same payout
 * reference, so a payout the bank did take is not sent twice. WRONG_STATE when nothing waits.
 */
export async function resumePayout(ctx: UseCaseContext, actor: Actor, payoutId: string): Promise<{ step: string }> {
  assertPermitted(actor, 'RESUME_WORKFLOW');
  const payout = await ctx.prisma.payout.findFirst({ where: { AND: [{ id: payoutId }, visiblePayoutsWhere(actor)] } });
  if (!payout) throw new NotFoundError('Payout', payoutId);
  if (payout.purpose === 'DISBURSEMENT') throw new WrongStateError(`payout ${payout.payoutReference} is a financing's: resume the financing (resumeFinancing)`, payout.status);
  const resumed = await sendResumeBalancePayout(ctx.temporal, payout.id, { actor: actorOf(actor) }, requestKey('resume', payout.id, actor, ctx.requestId));
  if (!resumed) throw new WrongStateError(`the payout's workflow has ended: no step is waiting for an operator`, payout.status);
  ctx.logger.info({ payoutId: payout.id, step: resumed.step }, 'payout resumed');
  return resumed;
}
