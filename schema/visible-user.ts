import { visibleUsersWhere } from '../prisma/stores/visibility';
import type { GraphQLContext } from './context';
import { scopedById } from './global-id';

/**
 * The user behind an act (who proposed, approved, decided), when the caller may see that user:
 * its own party's, or any for operators; null otherwise. A plain relation would hand any caller
 * who sees the act the other party's user, its e-mail address and, through its party, that
 * party's name and users.
 */
export function visibleUser<Query extends object>(ctx: GraphQLContext, query: Query, userId: string | null) {
  return userId ? ctx.prisma.user.findFirst({ ...query, where: scopedById(userId, visibleUsersWhere(ctx.viewer)) }) : null;
}
