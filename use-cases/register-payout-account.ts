import { assertPermitted, type Actor } from '../domain/actor';
import { maskBankAccountNumber, type BankAccountInput } from '../domain/party-rules';
import { proposePayoutAccount } from '../prisma/stores/payout-account-store';
import type { UseCaseContext } from './use-case-context';

/**
 * A party's administrator proposes where its payouts go, in the party's own name. Nothing
 * changes for payouts until a second user of the party approves it (decide-payout-account.ts).
 */
export async function registerPayoutAccount(ctx: UseCaseContext, actor: Actor, input: BankAccountInput): Promise<{ bankAccountId: string }> {
  assertPermitted(actor, 'REGISTER_PAYOUT_ACCOUNT');
  const account = await proposePayoutAccount(ctx.prisma, actor, input);
  ctx.logger.info({ partyId: actor.partyId, accountNumber: maskBankAccountNumber(account.accountNumber) }, 'payout account proposed');
  return { bankAccountId: account.id };
}
