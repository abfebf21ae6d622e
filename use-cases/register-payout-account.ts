import { assertPermitted, type Actor } from '../domain/actor';
import { maskBankAccountNumber, type BankAccountInput } from '../domain/party-rules';
import { proposePayoutAccount } from '../prisma/stores/payout-account-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/**
 * A party's administrator proposes where its payouts go, in the party's own name. Nothing
 * changes for payouts until a second user of the party approves it (decide-payout-account.ts).
 */
export async function registerPayoutAccount(ctx: UseCaseContext, actor: Actor, input: BankAccountInput): Promise<{ bankAccountId: string }> {
  assertPermitted(actor, 'REGISTER_PAYOUT_ACCOUNT');
  // A retry of this request (same caller, same request id, same account) finds its proposal; the
  // same request id with another account is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = JSON.stringify([actor.partyId, input.accountName, input.accountNumber, input.bankName]);
  const account = await proposePayoutAccount(ctx.prisma, actor, input, new Date(), requestKey('register-payout-account', proposed, by, ctx.requestId));
  ctx.logger.info({ partyId: actor.partyId, accountNumber: maskBankAccountNumber(account.accountNumber) }, 'payout account proposed');
  return { bankAccountId: account.id };
}
