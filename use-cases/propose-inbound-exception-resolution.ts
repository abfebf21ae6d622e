import { assertPermitted, type Actor } from '../domain/actor';
import { proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

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
  // A copy of this request (same caller, same request id, same proposal) is answered with the
  // first copy's proposal; the same request id proposing something else is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = JSON.stringify([exceptionId, input.accountId ?? null, input.refund ?? null, input.writeOff ?? null, input.note]);
  const row = await proposeExceptionResolution(ctx.prisma, actor, exceptionId, input, new Date(), requestKey('propose-inbound-exception-resolution', proposed, by, ctx.requestId));
  ctx.logger.info({ exceptionId: row.id, resolutionKind: row.resolutionKind, applyToAccountId: row.applyToAccountId }, 'inbound exception resolution proposed');
  return { exceptionId: row.id };
}
