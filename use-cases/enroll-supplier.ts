import { assertPermitted, type Actor } from '../domain/actor';
import { proposeEnrollment } from '../prisma/stores/program-change-store';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/** A platform administrator proposes enrolling a supplier in a program; its supplier limit opens when an operator checker and the funder have approved. */
export async function enrollSupplier(ctx: UseCaseContext, actor: Actor, programId: string, supplierCreditCode: string): Promise<{ changeId: string }> {
  assertPermitted(actor, 'MANAGE_PROGRAMS');
  const change = await proposeEnrollment(ctx.prisma, actor, programId, supplierCreditCode, requestKey('enroll-supplier', programId, actor, ctx.requestId));
  ctx.logger.info({ programChangeId: change.id, programId }, 'supplier enrolment proposed');
  return { changeId: change.id };
}
