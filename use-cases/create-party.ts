import { assertPermitted, type Actor } from '../domain/actor';
import { createParty as insertParty, type CreatePartyInput } from '../prisma/stores/party-store';
import { attachWaitingTransfers, type AttachedOffers } from '../prisma/stores/voucher-store';
import { signalVoucherTransferEnded } from '../workflows/client/voucher-client';
import { workflowIds } from '../workflows/contracts/workflow-ids';
import { requestKey } from './request-key';
import type { UseCaseContext } from './use-case-context';

/**
 * A platform administrator registers a party, with the virtual accounts its roles need. Vouchers
 * offered to its credit code before it registered (docs/workflows/voucher-acceptance.md) become
 * its own in the same transaction: each open offer gets its part, and the new party is told of
 * those waiting for its acceptance, under the key the acceptance workflow tells an offer with, so
 * it is told once whichever comes first. An offer made under another name than the one the party
 * registers under ends in that transaction too, its hold voided and its transferor told (under
 * the key its workflow would use); its workflow is told once the transaction has committed.
 */
export async function createParty(ctx: UseCaseContext, actor: Actor, input: CreatePartyInput): Promise<{ partyId: string }> {
  assertPermitted(actor, 'CREATE_PARTY');
  let offers: AttachedOffers = { attached: [], nameMismatched: [] };
  // A copy of this request (same caller, same request id, same party) is answered with the first copy's party.
  const key = requestKey('create-party', JSON.stringify([input.creditCode, input.legalName, [...input.roles].sort()]), actor, ctx.requestId);
  const party = await insertParty(ctx.prisma, input, async (tx, created) => {
    offers = await attachWaitingTransfers(tx, created, {
      now: new Date(),
      offeredNotification: (transfer) => ({ dedupeKey: `${workflowIds.voucherTransfer(transfer.id)}:offered` }),
      nameMismatchNotification: (transfer) => ({ dedupeKey: `${workflowIds.voucherTransfer(transfer.id)}:recipient-name-mismatch` }),
    });
  }, key);
  for (const transfer of offers.nameMismatched) {
    try {
      await signalVoucherTransferEnded(ctx.temporal, transfer.id, { status: 'RECIPIENT_NAME_MISMATCH' });
    } catch (error) {
      // The end is committed and the transferor told: a workflow not told now finds the end at its deadline (the expiry leaves it as it is).
      ctx.logger.warn({ transferId: transfer.id, err: error }, 'could not tell the workflow of an offer ended under another name; it ends at its deadline');
    }
  }
  ctx.logger.info(
    { partyId: party.id, vouchersOffered: offers.attached.map((transfer) => transfer.transferNumber), offersEndedUnderAnotherName: offers.nameMismatched.map((transfer) => transfer.transferNumber) },
    'party created',
  );
  return { partyId: party.id };
}
