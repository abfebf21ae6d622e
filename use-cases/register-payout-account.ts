import { assertPermitted, type Actor } from '../domain/actor';
import { maskBankAccountNumber, type BankAccountInput } from '../domain/party-rules';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import type { UseCaseContext } from './use-case-context';

/** A party's administrator registers where its payouts go; the previous account is retired. */
export async function registerPayoutAccount(ctx: UseCaseContext, actor: Actor, input: BankAccountInput): Promise<{ bankAccountId: string }> {
  assertPermitted(actor, 'REGISTER_PAYOUT_ACCOUNT');
  const account = await registerBankAccount(ctx.prisma, actor, actor.partyId, input);
  ctx.logger.info({ partyId: actor.partyId, accountNumber: maskBankAccountNumber(account.accountNumber) }, 'payout account registered');
  return { bankAccountId: account.id };
}
