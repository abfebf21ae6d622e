import type { Actor } from '../domain/actor';

/** Just who is acting, without what the API knows of the request (the key it came with): this travels into workflows. */
export function actorOf(viewer: Actor): Actor {
  return { userId: viewer.userId, partyId: viewer.partyId, partyRoles: [...viewer.partyRoles], userRoles: [...viewer.userRoles] };
}
