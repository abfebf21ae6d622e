import { assertPermitted, type Actor } from '../domain/actor';
import { createProgram as insertProgram, type CreateProgramInput } from '../prisma/stores/program-store';
import type { UseCaseContext } from './use-case-context';

/** A platform administrator sets up a program between a funder and a core enterprise, with its first terms and limits. */
export async function createProgram(ctx: UseCaseContext, actor: Actor, input: CreateProgramInput): Promise<{ programId: string }> {
  assertPermitted(actor, 'MANAGE_PROGRAMS');
  const program = await insertProgram(ctx.prisma, actor, input);
  ctx.logger.info({ programId: program.id, code: program.code }, 'program created');
  return { programId: program.id };
}
