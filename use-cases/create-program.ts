import { assertPermitted, type Actor } from '../domain/actor';
import { proposeProgramCreation } from '../prisma/stores/program-change-store';
import type { CreateProgramInput } from '../prisma/stores/program-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/**
 * A platform administrator proposes a program between a funder and a core enterprise, with its
 * first terms and limits. Nothing exists until an operator checker and the funder approve it.
 */
export async function createProgram(ctx: UseCaseContext, actor: Actor, input: CreateProgramInput): Promise<{ changeId: string }> {
  assertPermitted(actor, 'MANAGE_PROGRAMS');
  const change = await proposeProgramCreation(ctx.prisma, actor, input, requestKey('create-program', 'program', actor, ctx.requestId));
  ctx.logger.info({ programChangeId: change.id }, 'program proposed');
  return { changeId: change.id };
}
