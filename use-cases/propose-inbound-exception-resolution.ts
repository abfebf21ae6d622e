import { assertPermitted, type Actor } from '../domain/actor';
import { proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import type { UseCaseContext } from './use-case-context';

/**
 * An operator (the maker) names the virtual account money parked in suspense belongs to, or
 * proposes to refund it to its payer (exactly one). Nothing moves until another operator approves.
 */
export async function proposeInboundExceptionResolution(
  ctx: UseCaseContext,
  actor: Actor,
  exceptionId: string,
  input: { accountId?: string | null; refund?: boolean | null; writeOff?: boolean | null; note: string },
): Promise<{ exceptionId: string }> {
  assertPermitted(actor, 'PROPOSE_INBOUND_EXCEPTION_RESOLUTION');
  const row = await proposeExceptionResolution(ctx.prisma, actor, exceptionId, input);
  ctx.logger.info({ exceptionId: row.id, resolutionKind: row.resolutionKind, applyToAccountId: row.applyToAccountId }, 'inbound exception resolution proposed');
  return { exceptionId: row.id };
}
