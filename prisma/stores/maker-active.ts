import { DECIDERS } from '../../domain/actor';
import { WrongStateError } from '../../domain/errors';
import type { UserRole } from '../client';
import type { Tx } from './run-transaction';

/**
 * A proposal is approved only while the user who made it is still active and may still decide
 * something: disabling a user (a key that was stolen, a person who left), or leaving it only
 * VIEWER, takes back the word it gave on everything still waiting for a second person. Rejecting
 * such a proposal stays open. The row is read without a
 * lock: an approval and a disable at the same moment are told apart as if the approval came
 * first, and a share lock would deadlock the approvals that then write the maker's row
 * (recordAdministration) against their own concurrent copies.
 */
export async function assertMakerActive(tx: Tx, makerUserId: string | null | undefined, currentState: string, who = 'the user who proposed it'): Promise<void> {
  if (!makerUserId) return;
  const [maker] = await tx.$queryRaw<Array<{ status: string; roles: UserRole[] }>>`SELECT status::text AS status, roles::text[] AS roles FROM app_user WHERE id = ${makerUserId}::uuid`;
  if (!maker) return;
  const gone = maker.status !== 'ACTIVE' ? `is ${maker.status}` : maker.roles.some((role) => DECIDERS.includes(role)) ? null : 'may no longer decide anything (VIEWER only)';
  if (gone) {
    throw new WrongStateError(`${who} ${gone}: what it gave its word on is not approved on that word; reject it, and an active user proposes it again if it is still wanted`, currentState, 'MAKER_NOT_ACTIVE');
  }
}
