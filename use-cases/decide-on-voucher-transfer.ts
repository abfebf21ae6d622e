import { assertPermitted, type Action, type Actor } from '../domain/actor';
import { NotFoundError, WrongStateError } from '../domain/errors';
import { validateReason } from '../domain/receivable-rules';
import { TRANSFER_TO_ISSUER_REASON, transferToIssuerError } from '../domain/voucher-rules';
import { findVisibleTransfer } from '../prisma/stores/voucher-store';
import { sendVoucherTransferUpdate } from '../workflows/client/voucher-client';
import {
  acceptVoucherTransferUpdate,
  approveVoucherTransferUpdate,
  cancelVoucherTransferUpdate,
  refuseVoucherTransferUpdate,
  rejectVoucherTransferUpdate,
  type VoucherDecider,
  type VoucherTransferState,
} from '../workflows/contracts/voucher-acceptance';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

export type VoucherTransferDecisionInput = { kind: 'APPROVE' | 'ACCEPT' } | { kind: 'REJECT' | 'CANCEL' | 'REFUSE'; reason: string };

const PERMISSION: Record<VoucherTransferDecisionInput['kind'], Action> = {
  APPROVE: 'APPROVE_VOUCHER_TRANSFER',
  REJECT: 'APPROVE_VOUCHER_TRANSFER',
  CANCEL: 'TRANSFER_VOUCHER',
  ACCEPT: 'DECIDE_VOUCHER_TRANSFER',
  REFUSE: 'DECIDE_VOUCHER_TRANSFER',
};

/**
 * Sends a decision on a transfer (or an issue) to its workflow: the transferor's checker
 * approves or rejects, its maker cancels, the recipient accepts or refuses. A transfer the caller
 * may not see is not found; one it sees but whose decision belongs to the other side is not
 * found either (the database's check, under the row lock, says so the same way).
 */
export async function decideOnVoucherTransfer(ctx: UseCaseContext, actor: Actor, transferId: string, decision: VoucherTransferDecisionInput): Promise<VoucherTransferState> {
  const transfer = await findVisibleTransfer(ctx.prisma, actor, transferId);
  // The decision is one side's: the other side (and the issuer watching) finds nothing to decide.
  const side = decision.kind === 'ACCEPT' || decision.kind === 'REFUSE' ? transfer.toPartyId : transfer.fromPartyId;
  if (side !== actor.partyId) throw new NotFoundError('VoucherTransfer', transferId);
  assertPermitted(actor, PERMISSION[decision.kind]);
  const by: VoucherDecider = { userId: actor.userId, partyId: actor.partyId, administeredBy: [...(actor.administeredBy ?? [])], administers: [...(actor.administers ?? [])] };
  const updateId = requestKey(`voucher-${decision.kind.toLowerCase()}`, transfer.id, by, ctx.requestId);
  let state: VoucherTransferState | undefined;
  switch (decision.kind) {
    case 'APPROVE':
      state = await sendVoucherTransferUpdate(ctx.temporal, transfer.id, approveVoucherTransferUpdate, { actor: by }, updateId);
      break;
    case 'ACCEPT':
      state = await sendVoucherTransferUpdate(ctx.temporal, transfer.id, acceptVoucherTransferUpdate, { actor: by }, updateId);
      break;
    default: {
      const reason = validateReason(decision.reason);
      const update = decision.kind === 'REJECT' ? rejectVoucherTransferUpdate : decision.kind === 'CANCEL' ? cancelVoucherTransferUpdate : refuseVoucherTransferUpdate;
      state = await sendVoucherTransferUpdate(ctx.temporal, transfer.id, update, { actor: by, reason }, updateId);
    }
  }
  if (!state) throw new WrongStateError(`cannot ${decision.kind.toLowerCase()} a voucher transfer that is ${transfer.status}`, transfer.status);
  // An offer to the voucher's issuer proposed before the rule was ended instead (voucher-store.ts,
  // endOfferToIssuer): the caller is refused with the rule, as the proposal would be now.
  if ((decision.kind === 'APPROVE' || decision.kind === 'ACCEPT') && state.status === 'CANCELLED') {
    const ended = await ctx.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: transfer.id }, select: { closedReason: true } });
    if (ended.closedReason === TRANSFER_TO_ISSUER_REASON) {
      ctx.logger.info({ transferId: transfer.id, decision: decision.kind }, 'voucher transfer to its issuer ended');
      throw transferToIssuerError();
    }
  }
  ctx.logger.info({ transferId: transfer.id, decision: decision.kind, status: state.status }, 'voucher transfer decision');
  return state;
}
