import { WrongStateError } from '../domain/errors';
import { assertFourEyes } from '../domain/four-eyes';
import type { Actor } from '../domain/actor';
import type { InboundException } from '../prisma/client';
import { findRefundApproval } from '../prisma/stores/inbound-exception-store';
import { approveRefundWithStart } from '../workflows/client/balance-payout-client';
import { actorOf } from './actor-of';
import type { UseCaseContext } from './use-case-context';

/**
 * The checker approves a refund proposal: the approval is the request of the refund's payout.
 * The payout's workflow is started (under the id the proposal chose) with the approval as its
 * first Update, which moves the money out of suspense into transit, writes the payout and
 * resolves the exception in one transaction; then the workflow sends the payout and follows it.
 * So money in transit never exists without its workflow. An approval repeated after it was made
 * is answered from the database, and finds the same payout. The caller has checked the permission.
 */
export async function approveInboundExceptionRefund(ctx: UseCaseContext, actor: Actor, exception: InboundException): Promise<{ payoutId: string; replayed: boolean }> {
  const payoutId = exception.refundPayoutId;
  if (exception.status === 'OPEN' || exception.resolutionKind !== 'REFUND' || !payoutId) {
    throw new WrongStateError(`the exception is ${exception.status}: there is no refund proposal to approve`, exception.status);
  }
  // Approved already (RESOLVED by this payout): the same payout, nothing moves again.
  const earlier = await findRefundApproval(ctx.prisma, exception.id, payoutId);
  if (earlier) return { payoutId: earlier.id, replayed: true };
  // Answered before a workflow starts; the approval asks again under the exception's row lock.
  assertFourEyes(exception.makerUserId, actor, 'the operator who proposed where the money goes cannot decide it: another operator must check it');
  const approved = await approveRefundWithStart(ctx.temporal, {
    taskQueue: ctx.taskQueue,
    payoutId,
    args: { actor: actorOf(actor), exceptionId: exception.id },
    updateId: `approve-refund:${payoutId}`,
  });
  ctx.logger.info({ exceptionId: exception.id, payoutId: approved.payoutId, payoutReference: approved.payoutReference, replayed: approved.replayed }, 'refund approved');
  return { payoutId: approved.payoutId, replayed: approved.replayed };
}
