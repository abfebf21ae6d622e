import type { Actor } from '../domain/actor';
import { createUser as insertUser, type CreateUserInput } from '../prisma/stores/party-store';
import type { UseCaseContext } from './use-case-context';

/** A party's administrator (or a platform administrator) adds a user to the party. */
export async function createUser(ctx: UseCaseContext, actor: Actor, input: CreateUserInput): Promise<{ userId: string }> {
  const user = await insertUser(ctx.prisma, actor, input);
  ctx.logger.info({ createdUserId: user.id }, 'user created');
  return { userId: user.id };
}
