import { assertPermitted, type Actor } from '../domain/actor';
import { findHeldPart, proposeVoucherTransfer as proposeInStore, voucherTerms } from '../prisma/stores/voucher-store';
import { startVoucherAcceptance } from '../workflows/client/voucher-client';
import { derivedId } from './derived-id';
import type { UseCaseContext } from './use-case-context';
import { validateVoucherTransferInput, type VoucherTransferInput } from '../domain/voucher-rules';

/**
 * A maker of a holder proposes a transfer of part of what its part holds (拆分流转): checked in
 * the voucher's currency, written with the hold on the part's claim, then the acceptance
 * workflow starts (a checker of the holder approves, the recipient accepts). Another party's
 * part is not found.
 */
export async function proposeVoucherTransfer(ctx: UseCaseContext, actor: Actor, input: VoucherTransferInput & { fromPartId: string }): Promise<{ transferId: string; replayed: boolean }> {
  assertPermitted(actor, 'TRANSFER_VOUCHER');
  const now = new Date();
  const from = await findHeldPart(ctx.prisma, actor, input.fromPartId);
  const valid = validateVoucherTransferInput(input, { voucher: voucherTerms(from.voucher), holderCreditCode: from.holder.creditCode }, now);
  const transferId = derivedId('voucher-transfer', actor.partyId, valid.idempotencyKey);
  const partId = derivedId('voucher-part', actor.partyId, valid.idempotencyKey);
  const { transfer, replayed } = await proposeInStore(ctx.prisma, actor, from.id, valid, transferId, partId, { now, acceptanceWindowMs: ctx.receivableSettings.confirmationWindowMs });
  await startVoucherAcceptance(ctx.temporal, ctx.taskQueue, { transferId: transfer.id, proposedAt: transfer.proposedAt, acceptanceDeadline: transfer.acceptanceDeadline, reminderOffsetsMs: ctx.receivableSettings.reminderOffsetsMs });
  ctx.logger.info({ transferId: transfer.id, transferNumber: transfer.transferNumber, replayed }, 'voucher transfer proposed');
  return { transferId: transfer.id, replayed };
}
