import { assertPermitted, type Actor } from '../domain/actor';
import type { ProgramTermsInput } from '../domain/program-rules';
import { amendProgram as insertTermsVersion } from '../prisma/stores/program-store';
import type { UseCaseContext } from './use-case-context';

/** A platform administrator adds a version of a program's terms; financings already priced keep theirs. */
export async function amendProgram(ctx: UseCaseContext, actor: Actor, programId: string, terms: ProgramTermsInput): Promise<{ programId: string }> {
  assertPermitted(actor, 'MANAGE_PROGRAMS');
  const amended = await insertTermsVersion(ctx.prisma, actor, programId, terms);
  ctx.logger.info({ programId: amended.programId, version: amended.version }, 'program amended');
  return { programId: amended.programId };
}
