import { assertPermitted, type Actor } from '../domain/actor';
import type { ProgramTermsInput } from '../domain/program-rules';
import { proposeTermsAmendment } from '../prisma/stores/program-change-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/**
 * A platform administrator proposes a version of a program's terms and limits. It takes effect
 * when an operator checker and the funder have approved it; financings already priced keep theirs.
 */
export async function amendProgram(ctx: UseCaseContext, actor: Actor, programId: string, terms: ProgramTermsInput): Promise<{ changeId: string }> {
  assertPermitted(actor, 'MANAGE_PROGRAMS');
  const change = await proposeTermsAmendment(ctx.prisma, actor, programId, terms, requestKey('amend-program', programId, actor, ctx.requestId));
  ctx.logger.info({ programChangeId: change.id, programId }, 'program amendment proposed');
  return { changeId: change.id };
}
