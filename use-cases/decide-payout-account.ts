import { assertPermitted, type Actor } from '../domain/actor';
import { maskBankAccountNumber } from '../domain/party-rules';
import { decidePayoutAccount as decideInStore, PAYOUT_ACCOUNT_COOLING_OFF_DEFAULT_MS } from '../prisma/stores/payout-account-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * A second user of the party approves or rejects a proposed payout account. Approved, it takes
 * effect at once when the party had none, else after the cooling-off period, while the funders
 * financing the party and the operators are told.
 */
export async function decidePayoutAccount(ctx: UseCaseContext, actor: Actor, bankAccountId: string, approve: boolean): Promise<{ bankAccountId: string }> {
  assertPermitted(actor, 'DECIDE_PAYOUT_ACCOUNT');
  const by = { userId: actor.userId, partyId: actor.partyId };
  const key = requestKey(approve ? 'approve-payout-account' : 'reject-payout-account', bankAccountId, by, ctx.requestId);
  const account = await decideInStore(ctx.prisma, actor, bankAccountId, approve, ctx.payoutAccountCoolingOffMs ?? PAYOUT_ACCOUNT_COOLING_OFF_DEFAULT_MS, new Date(), key);
  ctx.logger.info({ partyId: actor.partyId, accountNumber: maskBankAccountNumber(account.accountNumber), status: account.status, effectiveFrom: account.effectiveFrom }, 'payout account decided');
  return { bankAccountId: account.id };
}
