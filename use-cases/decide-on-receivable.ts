import { assertPermitted, type Actor } from '../domain/actor';
import { WrongStateError } from '../domain/errors';
import type { Currency } from '../domain/money';
import { assertMayDecideReceivable, transitionRefused, validateConfirmedAmount, validateReason } from '../domain/receivable-rules';
import { decideReceivable, findVisibleReceivable } from '../prisma/stores/receivable-store';
import { statusAsSeen } from '../prisma/stores/silent-assignment';
import { toDecimal } from '../prisma/stores/to-decimal';
import { sendReceivableUpdate } from '../workflows/client/receivable-client';
import { decisionKey, RECEIVABLE_DECISION_ACTIONS } from '../workflows/contracts/decision-key';
import { workflowIds } from '../workflows/contracts/workflow-ids';
import { cancelReceivableUpdate, confirmReceivableUpdate, rejectReceivableUpdate, type ReceivableState } from '../workflows/contracts/receivable';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** A person's decision on a receivable. */
export type ReceivableDecisionInput = { kind: 'CONFIRM'; confirmedAmount?: string | null } | { kind: 'REJECT' | 'CANCEL'; reason: string };

/**
 * Sends the obligor's confirmation or rejection, or the supplier's cancellation, to the
 * receivable's workflow, once the caller may make it: the receivable is visible to its party
 * (else "not found"), the party is the side whose decision it is, and the user is not a VIEWER.
 * The workflow and the database check the state again under the receivable's row lock.
 */
export async function decideOnReceivable(ctx: UseCaseContext, actor: Actor, receivableId: string, decision: ReceivableDecisionInput): Promise<ReceivableState> {
  const receivable = await findVisibleReceivable(ctx.prisma, actor, receivableId);
  assertMayDecideReceivable(receivable, decision.kind, actor);
  assertPermitted(actor, 'DECIDE_RECEIVABLE');
  const by = { userId: actor.userId, partyId: actor.partyId };
  const updateId = requestKey(decision.kind.toLowerCase(), receivable.id, by, ctx.requestId);
  // The keys this decision is recorded under: by the workflow, or by the API itself once the workflow has ended.
  const keys = [decisionKey(workflowIds.receivable(receivable.id), RECEIVABLE_DECISION_ACTIONS[decision.kind], updateId), `api:${updateId}`];
  let state: ReceivableState | undefined;
  try {
    if (decision.kind === 'CONFIRM') {
      validateConfirmedAmount(decision.confirmedAmount, toDecimal(receivable.faceAmount), receivable.currency as Currency);
      state = await sendReceivableUpdate(ctx.temporal, receivable.id, confirmReceivableUpdate, { actor: by, confirmedAmount: decision.confirmedAmount }, updateId);
    } else {
      const reason = validateReason(decision.reason);
      const update = decision.kind === 'REJECT' ? rejectReceivableUpdate : cancelReceivableUpdate;
      state = await sendReceivableUpdate(ctx.temporal, receivable.id, update, { actor: by, reason }, updateId);
      // The confirmation workflow has ended; a confirmed receivable can still be withdrawn before
      // financing, and the database checks the state under a row lock (a repeat finds its key).
      if (!state && decision.kind === 'CANCEL') {
        const cancelled = await decideReceivable(ctx.prisma, receivable.id, { kind: 'CANCEL', reason }, by, keys[1]!);
        state = { status: cancelled.status, confirmedAmount: cancelled.confirmedAmount === null ? null : cancelled.confirmedAmount.toString() };
      }
    }
  } catch (error) {
    if (error instanceof WrongStateError) state = await replayOf(ctx, receivable.id, keys);
    if (!state) throw error;
  }
  state ??= await replayOf(ctx, receivable.id, keys);
  // The workflow has ended, so the receivable is past this decision: refused, naming its state as
  // the caller sees it (to the obligor of a silent financing, CONFIRMED).
  if (!state) throw transitionRefused(RECEIVABLE_DECISION_ACTIONS[decision.kind], await statusAsSeen(ctx.prisma, actor, receivable));
  ctx.logger.info({ receivableId: receivable.id, decision: decision.kind, status: state.status }, 'receivable decision');
  return state;
}

/**
 * The receivable's state when this very decision (same caller, same request id, same decision)
 * is already recorded; undefined otherwise. A repeat that reaches an ended workflow, or a run
 * already past the decision, is answered as the replay it is instead of WRONG_STATE.
 */
async function replayOf(ctx: UseCaseContext, receivableId: string, keys: string[]): Promise<ReceivableState | undefined> {
  const recorded = await ctx.prisma.receivableTransition.findFirst({ where: { idempotencyKey: { in: keys }, receivableId }, select: { id: true } });
  if (!recorded) return undefined;
  const current = await ctx.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId }, select: { status: true, confirmedAmount: true } });
  ctx.logger.info({ receivableId, status: current.status }, 'receivable decision repeated: answered from the record');
  return { status: current.status, confirmedAmount: current.confirmedAmount === null ? null : current.confirmedAmount.toString() };
}
