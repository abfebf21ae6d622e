import { assertPermitted, type Actor } from '../domain/actor';
import { enrollSupplier as insertEnrollment } from '../prisma/stores/program-store';
import type { UseCaseContext } from './use-case-context';

/** A platform administrator enrols a supplier in a program, opening its supplier limit. */
export async function enrollSupplier(ctx: UseCaseContext, actor: Actor, programId: string, supplierCreditCode: string): Promise<{ programId: string }> {
  assertPermitted(actor, 'MANAGE_PROGRAMS');
  const program = await insertEnrollment(ctx.prisma, actor, programId, supplierCreditCode);
  ctx.logger.info({ programId: program.id }, 'supplier enrolled');
  return { programId: program.id };
}
