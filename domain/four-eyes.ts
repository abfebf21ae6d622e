import type { Actor } from './actor';
import { ForbiddenError } from './errors';

/**
 * Four eyes means two people. The same user cannot check its own act, and the maker and the
 * checker must not be one person with two users. An administrator who created a CHECKER (or
 * approved its creation, or granted it the role) holds that checker's key in all but name, so its
 * approval would be a second click by the first person; and the administrator who approved a user
 * received that user's first key, so it cannot check that user's acts either. `administeredBy`
 * lists the users who proposed or approved the checker's creation and role grants, `administers`
 * the users whose creation and role grants the checker proposed or approved.
 */
export function assertFourEyes(makerUserId: string | null | undefined, checker: Pick<Actor, 'userId' | 'administeredBy' | 'administers'>, sameUserMessage: string): void {
  if (makerUserId === null || makerUserId === undefined) return;
  if (makerUserId === checker.userId) throw new ForbiddenError(sameUserMessage, 'MAKER_CANNOT_CHECK');
  if (checker.administeredBy?.includes(makerUserId)) {
    throw new ForbiddenError('the maker created this user or granted its roles: a check by a user its maker administers is not a second person', 'MAKER_CANNOT_CHECK');
  }
  if (checker.administers?.includes(makerUserId)) {
    throw new ForbiddenError("this user created the maker or granted its roles, and held its first key: a check of the maker's act by the user who administers it is not a second person", 'MAKER_CANNOT_CHECK');
  }
}
