import { isOperator, type Actor } from '../../domain/actor';
import type { Prisma } from '../client';

// Who may know of a financing, in a module of its own: the financing store lists and loads by
// it, and the masks of a receivable's status and history (silent-assignment.ts) hide what it
// excludes, so both answer by the same rule.

/**
 * Who sees a financing: its supplier and funder; the core enterprise only under open
 * assignment (silent factoring does not tell the obligor); operators all. Another funder,
 * even one asked to finance the same receivable, never.
 */
export function visibleFinancingsWhere(actor: Pick<Actor, 'partyId' | 'partyRoles'>): Prisma.FinancingWhereInput {
  if (isOperator(actor)) return {};
  return {
    OR: [{ supplierPartyId: actor.partyId }, { funderPartyId: actor.partyId }, { obligorPartyId: actor.partyId, programTerms: { assignmentMode: 'OPEN' } }],
  };
}
