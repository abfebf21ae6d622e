import type { Actor } from '../domain/actor';
import { approveProgramChange, rejectProgramChange } from '../prisma/stores/program-change-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

export type ProgramChangeDecision = { approve: true } | { approve: false; reason: string };

/**
 * An operator checker (for the platform) or the program's funder (for its money) approves a
 * program change, which applies it once both have, or rejects it. Which side the caller speaks
 * for, and whether its role may, is decided by the store under the change's row lock.
 */
export async function decideProgramChange(ctx: UseCaseContext, actor: Actor, changeId: string, decision: ProgramChangeDecision): Promise<{ changeId: string }> {
  if (decision.approve) {
    const change = await approveProgramChange(ctx.prisma, actor, changeId, requestKey('approve-program-change', changeId, actor, ctx.requestId));
    ctx.logger.info({ programChangeId: change.id, status: change.status, programId: change.programId }, 'program change approved');
    return { changeId: change.id };
  }
  const change = await rejectProgramChange(ctx.prisma, actor, changeId, decision.reason, requestKey('reject-program-change', changeId, actor, ctx.requestId));
  ctx.logger.info({ programChangeId: change.id }, 'program change rejected');
  return { changeId: change.id };
}
