import { isOperator, type Actor } from '../../domain/actor';
import type { Prisma } from '../client';
import { visibleFinancingsWhere } from './financing-store';
import { visibleProgramsWhere } from './program-store';
import { visibleReceivablesWhere } from './receivable-store';

// Who may see each kind of row, as a where-clause, for every read that loads one by id or lists
// them (the GraphQL lookups, lists and node(id) alike): another party's row is filtered out by
// the database, never checked afterwards. Operators see everything. Receivables, financings and
// programs have their rules beside their stores; these are the rest.

/** Matches no row: what a party without any right to a kind of row is given. */
const NOTHING = { id: { in: [] as string[] } };

export function visiblePartiesWhere(actor: Actor): Prisma.PartyWhereInput {
  return isOperator(actor) ? {} : { id: actor.partyId };
}

export function visibleUsersWhere(actor: Actor): Prisma.UserWhereInput {
  return isOperator(actor) ? {} : { partyId: actor.partyId };
}

export function visibleApiKeysWhere(actor: Actor): Prisma.ApiKeyWhereInput {
  // A party's administrators manage its users' keys; anyone else sees only its own keys, so that a
  // VIEWER does not learn which integrations its colleagues run and when their keys expire.
  if (isOperator(actor)) return {};
  return actor.userRoles.includes('ADMIN') ? { user: { partyId: actor.partyId } } : { userId: actor.userId };
}

/** The role changes a caller may see: operators all; a party's administrators those of its users; anyone else its own. */
export function visibleUserRoleChangesWhere(actor: Actor): Prisma.UserRoleChangeWhereInput {
  if (isOperator(actor)) return {};
  if (actor.userRoles.includes('ADMIN')) return { user: { partyId: actor.partyId } };
  return { userId: actor.userId };
}

export function visibleAccountsWhere(actor: Actor): Prisma.LedgerAccountWhereInput {
  return isOperator(actor) ? {} : { ownerPartyId: actor.partyId };
}

export function visibleAdjustmentsWhere(actor: Actor): Prisma.LedgerAdjustmentWhereInput {
  return isOperator(actor) ? {} : NOTHING;
}

export function visibleOfflineRepaymentsWhere(actor: Actor): Prisma.OfflineRepaymentWhereInput {
  return isOperator(actor) ? {} : NOTHING;
}

export function visibleBankAccountsWhere(actor: Actor): Prisma.PartyBankAccountWhereInput {
  return isOperator(actor) ? {} : { partyId: actor.partyId };
}

/** An inbox is its party's own, operators' included. */
export function visibleNotificationsWhere(actor: Actor): Prisma.NotificationWhereInput {
  return { partyId: actor.partyId };
}

/** A financing's payouts by whoever sees the financing; a withdrawal by its supplier; a fee sweep by operators only. */
export function visiblePayoutsWhere(actor: Actor): Prisma.PayoutWhereInput {
  return isOperator(actor) ? {} : { OR: [{ financing: visibleFinancingsWhere(actor) }, { purpose: 'WITHDRAWAL', partyId: actor.partyId }] };
}

export function visibleAllocationsWhere(actor: Actor): Prisma.RepaymentAllocationWhereInput {
  return isOperator(actor) ? {} : { financing: visibleFinancingsWhere(actor) };
}

export function visibleProgramTermsWhere(actor: Actor): Prisma.ProgramTermsWhereInput {
  return isOperator(actor) ? {} : { program: visibleProgramsWhere(actor) };
}

export function visibleInboundCreditsWhere(actor: Actor): Prisma.InboundCreditWhereInput {
  return isOperator(actor) ? {} : { account: { ownerPartyId: actor.partyId } };
}

/**
 * A document is seen by whoever may see the receivable or the financing it belongs to; a voucher
 * transfer's certificate only by the transfer's two parties (the issuer sees every transfer of
 * its voucher, but a certificate between two holders is theirs, not the obligor's).
 */
export function visibleDocumentsWhere(actor: Actor): Prisma.DocumentWhereInput {
  // Operators get no filter at all: an empty relation filter inside OR would match nothing.
  if (isOperator(actor)) return {};
  return {
    OR: [
      { receivable: visibleReceivablesWhere(actor) },
      { financing: visibleFinancingsWhere(actor) },
      { voucherTransfer: { OR: [{ fromPartyId: actor.partyId }, { toPartyId: actor.partyId }] } },
    ],
  };
}
