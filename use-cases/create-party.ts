import { assertPermitted, type Actor } from '../domain/actor';
import { createParty as insertParty, type CreatePartyInput } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** A platform administrator registers a party, with the virtual accounts its roles need. */
export async function createParty(ctx: UseCaseContext, actor: Actor, input: CreatePartyInput): Promise<{ partyId: string }> {
  assertPermitted(actor, 'CREATE_PARTY');
  const party = await insertParty(ctx.prisma, input);
  ctx.logger.info({ partyId: party.id }, 'party created');
  return { partyId: party.id };
}
