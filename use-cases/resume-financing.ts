import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import { findVisibleFinancing } from '../prisma/stores/financing-store';
import { sendResumeFinancing } from '../workflows/client/financing-client';
import { actorOf } from './actor-of';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * An operator resumes a financing whose workflow waits at a step that reached its bound
 * (docs/workflows/financing.md, "Bounds"): the mark is cleared and the step runs again with the
 * same arguments and idempotency keys, so a step that had in fact completed is not done twice.
 * Refused with WRONG_STATE when nothing waits.
 */
export async function resumeFinancing(ctx: UseCaseContext, actor: Actor, financingId: string): Promise<{ step: string }> {
  assertPermitted(actor, 'RESUME_WORKFLOW');
  const financing = await findVisibleFinancing(ctx.prisma, actor, financingId);
  const resumed = await sendResumeFinancing(ctx.temporal, financing.id, { actor: actorOf(actor) }, requestKey('resume', financing.id, actor, ctx.requestId));
  if (!resumed) throw new WrongStateError(`the financing's workflow has ended: no step is waiting for an operator`, financing.status);
  ctx.logger.info({ financingId: financing.id, step: resumed.step }, 'financing resumed');
  return resumed;
}
