import type { Actor } from './actor';
import { ForbiddenError } from './errors';

/**
 * Four eyes means two people. The same user cannot check its own act, and neither can a user
 * whose account or roles the maker brought about: an administrator who created a CHECKER (or
 * approved its creation) holds that checker's key in all but name, so its approval would be a
 * second click by the first person. `administeredBy` lists the users who proposed or approved
 * the checker's creation and role grants.
 */
export function assertFourEyes(makerUserId: string | null | undefined, checker: Pick<Actor, 'userId' | 'administeredBy'>, sameUserMessage: string): void {
  if (makerUserId === null || makerUserId === undefined) return;
  if (makerUserId === checker.userId) throw new ForbiddenError(sameUserMessage, 'MAKER_CANNOT_CHECK');
  if (checker.administeredBy?.includes(makerUserId)) {
    throw new ForbiddenError('the maker created this user or granted its roles: a check by a user its maker administers is not a second person', 'MAKER_CANNOT_CHECK');
  }
}
