import { isAdminOf, isOperator, type Actor } from '../../domain/actor';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { type PrismaClient, type UserRole, type UserRoleChange } from '../client';
import { recordAdministration } from './party-store';
import { assertMakerActive } from './maker-active';
import { runTransaction } from './run-transaction';
import { visibleUserRoleChangesWhere } from './visibility';
import { isUniqueViolation } from './unique-violation';

const sameRoles = (a: readonly UserRole[], b: readonly UserRole[]) => a.length === b.length && a.every((role) => b.includes(role));

/**
 * An administrator proposes new roles for a user of its party (an operator for any party): the
 * user keeps its roles until a second administrator of the proposer's side approves. A role is
 * power over money (a CHECKER confirms approvals), so granting one is a four-eyes act like creating
 * a user; taking one away is too, so that one administrator cannot lock the others out.
 */
export async function proposeUserRoles(prisma: PrismaClient, actor: Actor, input: { userId: string; roles: UserRole[] }, now = new Date(), requestKey: string | null = null): Promise<UserRoleChange> {
  // A copy of the request that proposed (a retry, a copy delivered at once): the first answer,
  // asked first because once approved the user already has the roles (ROLES_UNCHANGED).
  const replayed = requestKey === null ? null : await prisma.userRoleChange.findUnique({ where: { requestKey } });
  if (replayed) return replayed;
  const user = await prisma.user.findUnique({ where: { id: input.userId } });
  if (!user || (!isOperator(actor) && user.partyId !== actor.partyId)) throw new NotFoundError('User', input.userId);
  if (!isAdminOf(actor, user.partyId)) throw new ForbiddenError("only an administrator of the user's party (or of the platform) can change its roles");
  if (user.id === actor.userId) throw new ForbiddenError('an administrator cannot propose its own roles: another administrator must', 'OWN_ROLES');
  const roles = [...new Set(input.roles)];
  if (roles.length === 0) throw ValidationError.field(['input', 'roles'], 'at least one role is required');
  if (user.status !== 'ACTIVE') throw new WrongStateError(`the user is ${user.status}: only an active user's roles change (a pending user's roles are decided with the user)`, user.status);
  if (sameRoles(roles, user.roles)) throw ValidationError.field(['input', 'roles'], 'the user already has exactly these roles', 'ROLES_UNCHANGED');
  try {
    return await prisma.userRoleChange.create({
      data: { userId: user.id, previousRoles: user.roles, roles, proposedByUserId: actor.userId, createdAt: now, requestKey },
    });
  } catch (error) {
    // The pending change a concurrent copy of this very request inserted is its answer, not a conflict.
    const first = requestKey !== null && isUniqueViolation(error) ? await prisma.userRoleChange.findUnique({ where: { requestKey } }) : null;
    if (first) return first;
    if (isUniqueViolation(error)) throw new ConflictError('ROLE_CHANGE_PENDING', "a change of this user's roles is already waiting for a decision: decide it first");
    throw error;
  }
}

/**
 * A second administrator of the proposer's side approves (the roles change at once, for every key
 * of the user) or rejects a pending change. The proposer, the user itself, and anyone the proposer
 * administers or who administers the proposer cannot decide it. Approving makes both
 * administrators administer the user.
 */
export async function decideUserRoles(prisma: PrismaClient, actor: Actor, changeId: string, approve: boolean, now = new Date(), requestKey: string | null = null): Promise<UserRoleChange> {
  return runTransaction(prisma, async (tx) => {
    // Looked up among the changes the caller may see (`node(id)`'s rule): a colleague's change a
    // non-administrator is not shown is refused exactly as an unknown one, not FORBIDDEN.
    const change = await tx.userRoleChange.findFirst({ where: { AND: [{ id: changeId }, visibleUserRoleChangesWhere(actor)] }, include: { user: true, proposedBy: true } });
    if (!change) throw new NotFoundError('UserRoleChange', changeId);
    if (!isAdminOf(actor, change.user.partyId) || change.proposedBy.partyId !== actor.partyId) {
      throw new ForbiddenError("only a second administrator of the proposer's party can decide a change of roles");
    }
    const outcome = approve ? 'APPLIED' : 'REJECTED';
    // A repeat of the request that decided it (a retry, a copy delivered twice; the key names the
    // caller and the decision): the first answer.
    const isRepeat = (decided: { decisionRequestKey: string | null }) => requestKey !== null && decided.decisionRequestKey === requestKey;
    if (isRepeat(change)) return tx.userRoleChange.findUniqueOrThrow({ where: { id: change.id } });
    if (change.status !== 'PENDING') throw new WrongStateError(`the change is ${change.status}: there is nothing to decide`, change.status);
    if (change.userId === actor.userId) throw new ForbiddenError('a user cannot decide a change of its own roles: another administrator must', 'OWN_ROLES');
    // Nor through a user it administers (created or granted roles, and so held its key): one person with two users.
    if (actor.administeredBy?.includes(change.userId)) {
      throw new ForbiddenError('a user created or granted roles by the user whose roles change cannot decide that change: it is not a second person', 'OWN_ROLES');
    }
    assertFourEyes(change.proposedByUserId, actor, 'the administrator who proposed a change of roles cannot decide it: a second administrator must');
    if (approve) await assertMakerActive(tx, change.proposedByUserId, change.status);
    // Conditional on PENDING: two administrators deciding at once decide it once.
    const decided = await tx.userRoleChange.updateMany({
      where: { id: change.id, status: 'PENDING' },
      data: { status: outcome, decidedByUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey },
    });
    if (decided.count !== 1) {
      // A concurrent copy of this very decision committed first: answer with it, as a replay.
      const meanwhile = await tx.userRoleChange.findUniqueOrThrow({ where: { id: change.id } });
      if (isRepeat(meanwhile)) return meanwhile;
      throw new WrongStateError('the change was decided meanwhile', 'DECIDED');
    }
    if (approve) {
      // Conditional on the roles it was proposed against: a change approved after the user's roles
      // moved on (another change, applied first) would silently undo that one.
      const applied = await tx.user.updateMany({ where: { id: change.userId, status: 'ACTIVE', roles: { equals: change.previousRoles } }, data: { roles: change.roles } });
      if (applied.count !== 1) throw new WrongStateError("the user's roles or status changed since this change was proposed: propose it again", 'STALE');
      await recordAdministration(tx, change.userId, [change.proposedByUserId, actor.userId]);
    }
    return tx.userRoleChange.findUniqueOrThrow({ where: { id: change.id } });
  });
}
