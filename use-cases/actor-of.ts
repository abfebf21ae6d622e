import type { Actor } from '../domain/actor';

/**
 * Just who is acting, without what the API knows of the request (the key it came with): this
 * travels into workflows. Who administered the user, and whom it administered, travel with it, so that a four-eyes check
 * made inside a workflow (confirming a financing's approval, approving a refund) sees it too.
 */
export function actorOf(viewer: Actor): Actor {
  return {
    userId: viewer.userId,
    partyId: viewer.partyId,
    partyRoles: [...viewer.partyRoles],
    userRoles: [...viewer.userRoles],
    ...(viewer.administeredBy?.length ? { administeredBy: [...viewer.administeredBy] } : {}),
    ...(viewer.administers?.length ? { administers: [...viewer.administers] } : {}),
  };
}
