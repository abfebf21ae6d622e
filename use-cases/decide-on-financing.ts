import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import { assertMayDecide, decisionPermission, FINANCING_DECISIONS, type FinancingDecisionKind } from '../domain/financing-rules';
import { validateReason } from '../domain/receivable-rules';
import { findVisibleFinancing } from '../prisma/stores/financing-store';
import { sendFinancingUpdate } from '../workflows/client/financing-client';
import { FINANCING_UPDATES, type ActorArgs, type FinancingState } from '../workflows/contracts/financing';
import type { ReasonArgs } from '../workflows/contracts/receivable';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** A person's decision on a financing: consent to the assignment, approval (two steps), rejection, withdrawal. */
export type PersonDecision =
  | { kind: 'ACKNOWLEDGE' | 'APPROVE' | 'CONFIRM_APPROVAL' }
  | { kind: 'REFUSE' | 'REJECT' | 'WITHDRAW'; reason: string };

/**
 * Sends one person's decision to the financing's workflow, once the caller may take it: the
 * financing is visible to its party (else "not found"), the party is the side whose decision
 * it is, and the user has the role. The workflow and then the database check the state, the
 * deadline and the four eyes again under the financing's row lock.
 */
export async function decideOnFinancing(ctx: UseCaseContext, actor: Actor, financingId: string, decision: PersonDecision): Promise<FinancingState> {
  const financing = await findVisibleFinancing(ctx.prisma, actor, financingId);
  assertMayDecide(financing, decision.kind, actor);
  assertPermitted(actor, decisionPermission(decision.kind));
  const by = { userId: actor.userId, partyId: actor.partyId };
  const args: ActorArgs | ReasonArgs = 'reason' in decision ? { actor: by, reason: validateReason(decision.reason) } : { actor: by };
  const update = FINANCING_UPDATES[decision.kind] as (typeof FINANCING_UPDATES)['REFUSE'];
  const state = await sendFinancingUpdate(ctx.temporal, financing.id, update, args as ReasonArgs, requestKey(decision.kind.toLowerCase(), financing.id, by, ctx.requestId));
  if (!state) throw await tooLate(ctx, financing.id, decision.kind);
  ctx.logger.info({ financingId: financing.id, decision: decision.kind, status: state.status }, 'financing decision');
  return state;
}

/** The workflow has ended: the financing was decided or expired; say which. */
async function tooLate(ctx: UseCaseContext, financingId: string, kind: FinancingDecisionKind): Promise<WrongStateError> {
  const { verb } = FINANCING_DECISIONS[kind];
  const current = await ctx.prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
  if (current.status === 'EXPIRED') return new WrongStateError(`cannot ${verb} the financing: it expired at its deadline (${current.closedReason ?? 'no answer in time'})`, current.status, 'DEADLINE_PASSED');
  return new WrongStateError(`cannot ${verb} a financing that is ${current.status}`, current.status);
}
