import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import { assertMayDecide, decisionPermission, FINANCING_DECISIONS, type FinancingDecisionKind } from '../domain/financing-rules';
import { validateReason } from '../domain/receivable-rules';
import { findVisibleFinancing } from '../prisma/stores/financing-store';
import { sendFinancingUpdate } from '../workflows/client/financing-client';
import { decisionKey, FINANCING_DECISION_ACTIONS } from '../workflows/contracts/decision-key';
import { FINANCING_UPDATES, type ActorArgs, type FinancingState } from '../workflows/contracts/financing';
import { workflowIds } from '../workflows/contracts/workflow-ids';
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
  const updateId = requestKey(decision.kind.toLowerCase(), financing.id, by, ctx.requestId);
  const key = decisionKey(workflowIds.financing(financing.id), FINANCING_DECISION_ACTIONS[decision.kind], updateId);
  let state: FinancingState | undefined;
  try {
    state = await sendFinancingUpdate(ctx.temporal, financing.id, update, args as ReasonArgs, updateId);
  } catch (error) {
    if (error instanceof WrongStateError) state = await replayOf(ctx, financing.id, key);
    if (!state) throw error;
  }
  state ??= await replayOf(ctx, financing.id, key);
  if (!state) throw await tooLate(ctx, financing.id, decision.kind);
  ctx.logger.info({ financingId: financing.id, decision: decision.kind, status: state.status }, 'financing decision');
  return state;
}

/**
 * The financing's state when this very decision (same caller, same request id, same decision:
 * the key says all three) is already recorded; undefined otherwise. A repeat the workflow could
 * not recognise (its run ended, or its state moved past the decision while the first copy's
 * activity committed unseen before a crash) is refused there in the later state; the client
 * asked for something that was done, so it gets the replay, never WRONG_STATE.
 */
async function replayOf(ctx: UseCaseContext, financingId: string, key: string): Promise<FinancingState | undefined> {
  const recorded = await ctx.prisma.financingTransition.findUnique({ where: { idempotencyKey: key }, select: { financingId: true } });
  if (recorded?.financingId !== financingId) return undefined;
  const current = await ctx.prisma.financing.findUniqueOrThrow({ where: { id: financingId }, select: { status: true, approvalDeadline: true } });
  ctx.logger.info({ financingId, status: current.status }, 'financing decision repeated: answered from the record');
  return { status: current.status, approvalDeadline: current.approvalDeadline };
}

/** The workflow has ended: the financing was decided or expired; say which. */
async function tooLate(ctx: UseCaseContext, financingId: string, kind: FinancingDecisionKind): Promise<WrongStateError> {
  const { verb } = FINANCING_DECISIONS[kind];
  const current = await ctx.prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
  if (current.status === 'EXPIRED') return new WrongStateError(`cannot ${verb} the financing: it expired at its deadline (${current.closedReason ?? 'no answer in time'})`, current.status, 'DEADLINE_PASSED');
  return new WrongStateError(`cannot ${verb} a financing that is ${current.status}`, current.status);
}
