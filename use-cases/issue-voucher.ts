import { assertPermitted, type Actor } from '../domain/actor';
import { issueVoucher as issueVoucherInStore } from '../prisma/stores/voucher-store';
import { startVoucherAcceptance } from '../workflows/client/voucher-client';
import { derivedId } from './derived-id';
import type { UseCaseContext } from './use-case-context';
import { validateVoucherIssue, type VoucherIssueInput } from '../domain/voucher-rules';

/**
 * A maker of a core enterprise issues a voucher (开立) to its first holder
 * (docs/workflows/voucher-acceptance.md): the voucher, its root part and its issue transfer are
 * written with the hold on the claim, then the transfer's acceptance workflow starts. The ids
 * derive from the issuer and its idempotency key, so a repeat finds the same rows and the same
 * workflow, and a repeat after a failure between the two starts the workflow it lacked.
 */
export async function issueVoucher(ctx: UseCaseContext, actor: Actor, input: VoucherIssueInput): Promise<{ voucherId: string; transferId: string; replayed: boolean }> {
  assertPermitted(actor, 'ISSUE_VOUCHER');
  const now = new Date();
  const issuer = await ctx.prisma.party.findUniqueOrThrow({ where: { id: actor.partyId }, select: { creditCode: true } });
  // A repeat is checked as of its first request's time: one sent again just after midnight (the
  // workflow's start failed) for a voucher due the next day is the same request, which starts the
  // workflow it lacked, not one refused because its due date is no longer after today.
  const idempotencyKey = input.idempotencyKey.trim();
  const earlier = await ctx.prisma.voucher.findUnique({ where: { issuerPartyId_idempotencyKey: { issuerPartyId: actor.partyId, idempotencyKey } }, select: { issuedAt: true } });
  const valid = validateVoucherIssue(input, issuer, earlier?.issuedAt ?? now);
  const ids = {
    voucherId: derivedId('voucher', actor.partyId, valid.idempotencyKey),
    partId: derivedId('voucher-part', actor.partyId, valid.idempotencyKey),
    transferId: derivedId('voucher-transfer', actor.partyId, valid.idempotencyKey),
  };
  // The recipient's window is the confirmation window of receivables: the same promise to answer in time.
  const { voucher, transfer, replayed } = await issueVoucherInStore(ctx.prisma, actor, valid, ids, { now, acceptanceWindowMs: ctx.receivableSettings.confirmationWindowMs });
  await startVoucherAcceptance(ctx.temporal, ctx.taskQueue, { transferId: transfer.id, proposedAt: transfer.proposedAt, acceptanceDeadline: transfer.acceptanceDeadline, reminderOffsetsMs: ctx.receivableSettings.reminderOffsetsMs });
  ctx.logger.info({ voucherId: voucher.id, voucherNumber: voucher.voucherNumber, transferId: transfer.id, replayed }, 'voucher issued');
  return { voucherId: voucher.id, transferId: transfer.id, replayed };
}
