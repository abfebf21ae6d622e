import { isOperator, type Actor } from '../../domain/actor';
import { CLOSED_BEFORE_APPROVAL } from '../../domain/financing-rules';
import type { Prisma, PrismaClient, Receivable, ReceivableStatus } from '../client';
import type { Tx } from './run-transaction';

// Silent assignment (暗保理, docs/security.md "Silent assignment"): the core enterprise owes the
// receivable but is not told it was assigned. Whatever it can ask of a receivable it owes (its
// status, its history, the lists it appears in and their counts, the registry, the program's
// limits, and the refusals of what it asks: a quote, a confirmation or rejection) answers exactly
// what it would with no financing. These are the rules, as where-clauses and small reads, for
// the places that answer it. A party that is also the supplier or the funder of the financing,
// and operators, see what happened.

/** The receivable's states a financing puts it in; to the obligor of a silent one, it stays CONFIRMED. */
export const FINANCED_STATES: readonly ReceivableStatus[] = ['FINANCING_PENDING', 'FINANCED', 'SETTLED'];

/** Who asks: these rules depend on the party alone, whichever of its users acts. */
export type Viewer = Pick<Actor, 'partyId' | 'partyRoles'>;

/** A financing the viewer is the obligor of, under silent assignment, and neither its supplier nor its funder. */
function hiddenFinancingWhere(viewer: Viewer): Prisma.FinancingWhereInput {
  return { obligorPartyId: viewer.partyId, supplierPartyId: { not: viewer.partyId }, funderPartyId: { not: viewer.partyId }, programTerms: { assignmentMode: 'SILENT' } };
}

/**
 * The receivables whose state the viewer must not learn: in a financed state because of a silent
 * financing (one that has not ended before approval) the viewer owes but is not party to.
 * Null when the viewer sees everything (operators).
 */
export function silentlyFinancedWhere(viewer: Viewer): Prisma.ReceivableWhereInput | null {
  if (isOperator(viewer)) return null;
  return {
    obligorPartyId: viewer.partyId,
    status: { in: [...FINANCED_STATES] },
    financings: { some: { ...hiddenFinancingWhere(viewer), status: { notIn: [...CLOSED_BEFORE_APPROVAL] } } },
  };
}

/**
 * A filter on the receivables' status as the viewer sees it: a silently financed receivable
 * counts as CONFIRMED (and not as what it is), in the list and in its count alike.
 */
export function statusAsSeenWhere(viewer: Viewer, statuses: readonly ReceivableStatus[]): Prisma.ReceivableWhereInput {
  const hidden = silentlyFinancedWhere(viewer);
  if (!hidden) return { status: { in: [...statuses] } };
  const asTheyAre: Prisma.ReceivableWhereInput = { status: { in: [...statuses] }, NOT: hidden };
  return statuses.includes('CONFIRMED') ? { OR: [asTheyAre, hidden] } : asTheyAre;
}

/** The receivable's status as the viewer may see it: CONFIRMED while a silent financing the viewer owes holds it. */
export async function statusAsSeen(db: PrismaClient | Tx, viewer: Viewer, receivable: Pick<Receivable, 'id' | 'status' | 'obligorPartyId'>): Promise<ReceivableStatus> {
  const hidden = silentlyFinancedWhere(viewer);
  if (!hidden || receivable.obligorPartyId !== viewer.partyId || !FINANCED_STATES.includes(receivable.status)) return receivable.status;
  const masked = await db.receivable.count({ where: { AND: [{ id: receivable.id }, hidden] } });
  return masked > 0 ? 'CONFIRMED' : receivable.status;
}

/**
 * statusAsSeen for a page of receivables: of `receivableIds`, those the viewer sees as CONFIRMED
 * while a silent financing it owes holds them, in one statement (none for operators).
 */
export async function silentlyFinancedAmong(db: PrismaClient | Tx, viewer: Viewer, receivableIds: readonly string[]): Promise<Set<string>> {
  const hidden = silentlyFinancedWhere(viewer);
  if (!hidden || receivableIds.length === 0) return new Set();
  const rows = await db.receivable.findMany({ where: { AND: [{ id: { in: [...receivableIds] } }, hidden] }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}

/**
 * The registration of an invoice as the viewer is told it once a silent financing it owes has
 * settled. Settlement releases the receivable's registry entries, and every other caller is told
 * the invoice is no longer encumbered; but to the obligor the receivable is still CONFIRMED, so
 * its invoices are still encumbered by it, as before the financing. Null when nothing is hidden
 * from the viewer about this invoice.
 */
export async function releasedRegistrationAsSeen(
  db: PrismaClient | Tx,
  viewer: Viewer,
  fingerprint: string,
): Promise<{ encumberedSince: Date; registrationNumber: string; status: ReceivableStatus } | null> {
  const hidden = silentlyFinancedWhere(viewer);
  // Only a core enterprise owes receivables: every other caller is spared the read.
  if (!hidden || !viewer.partyRoles.includes('CORE_ENTERPRISE')) return null;
  const entry = await db.registryEntry.findFirst({
    where: { fingerprint, releasedAt: { not: null }, receivable: hidden },
    orderBy: { releasedAt: 'desc' },
    select: { encumberedSince: true, registrationNumber: true },
  });
  return entry ? { ...entry, status: 'CONFIRMED' } : null;
}

/** A receivable's history as the viewer may read it: without the rows a silent financing it owes brought about. */
export function transitionsAsSeenWhere(viewer: Viewer): Prisma.ReceivableTransitionWhereInput {
  if (isOperator(viewer)) return {};
  return { NOT: { financing: hiddenFinancingWhere(viewer) } };
}

/**
 * What silent financings the viewer owes hold of each credit limit account, as it would be
 * available with no financing: their holds (reserved or used, until released at settlement or
 * voided when they end), by limit account. Empty for operators and for a viewer owing none.
 */
export async function silentLimitUseByAccount(db: PrismaClient | Tx, viewer: Viewer): Promise<Map<string, string>> {
  const use = new Map<string, string>();
  if (isOperator(viewer)) return use;
  const financings = await db.financing.findMany({
    // Every program's: the funder's limit on the obligor is shared by its programs.
    where: { ...hiddenFinancingWhere(viewer), status: { notIn: [...CLOSED_BEFORE_APPROVAL, 'SETTLED'] } },
    select: { limitHoldIds: true },
  });
  const holdIds = financings.flatMap((row) => row.limitHoldIds);
  if (holdIds.length === 0) return use;
  const rows = await db.$queryRaw<{ accountId: string; amount: string }[]>`
    SELECT debit_account_id::text AS "accountId", sum(COALESCE(posted_amount, amount))::text AS amount
      FROM ledger_hold
     WHERE id = ANY(${holdIds}::uuid[]) AND status IN ('PENDING', 'POSTED')
     GROUP BY debit_account_id`;
  for (const row of rows) use.set(row.accountId, row.amount);
  return use;
}
