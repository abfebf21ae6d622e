import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import { findVisibleReceivable } from '../prisma/stores/receivable-store';
import { sendResumeReceivable } from '../workflows/client/receivable-client';
import { actorOf } from './actor-of';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * An operator resumes a receivable whose confirmation workflow waits at a step that reached its
 * bound (docs/workflows/receivable.md, "Bounds"): the mark is cleared and the step runs again.
 * Refused with WRONG_STATE when nothing waits.
 */
export async function resumeReceivable(ctx: UseCaseContext, actor: Actor, receivableId: string): Promise<{ step: string }> {
  assertPermitted(actor, 'RESUME_WORKFLOW');
  const receivable = await findVisibleReceivable(ctx.prisma, actor, receivableId);
  const resumed = await sendResumeReceivable(ctx.temporal, receivable.id, { actor: actorOf(actor) }, requestKey('resume', receivable.id, actor, ctx.requestId));
  if (!resumed) throw new WrongStateError(`the receivable's workflow has ended: no step is waiting for an operator`, receivable.status);
  ctx.logger.info({ receivableId: receivable.id, step: resumed.step }, 'receivable resumed');
  return resumed;
}
