import type { Actor } from '../domain/actor';
import { createUser as insertUser, type CreateUserInput } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';
import { requestKey } from './request-key';

/** A party's administrator (or a platform administrator) adds a user to the party. */
export async function createUser(ctx: UseCaseContext, actor: Actor, input: CreateUserInput): Promise<{ userId: string }> {
  // A copy of this request (same caller, same request id, same user) is answered with the first
  // copy's user; the same request id proposing another user is another request.
  const by = { userId: actor.userId, partyId: actor.partyId };
  const proposed = JSON.stringify([input.partyId, input.email, input.displayName, [...input.roles].sort()]);
  const user = await insertUser(ctx.prisma, actor, input, requestKey('create-user', proposed, by, ctx.requestId));
  ctx.logger.info({ createdUserId: user.id }, 'user created');
  return { userId: user.id };
}
