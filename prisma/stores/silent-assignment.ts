import { isOperator, type Actor } from '../../domain/actor';
import { CLOSED_BEFORE_APPROVAL } from '../../domain/financing-rules';
import type { Prisma, PrismaClient, Receivable, ReceivableStatus } from '../client';
import { visibleFinancingsWhere } from './financing-visibility';
import type { Tx } from './run-transaction';

// What a party that sees a receivable must not learn of it: a financing it may not see
// (visibleFinancingsWhere). Two parties see a receivable without seeing every financing of it:
//   * the core enterprise under silent assignment (暗保理, docs/security.md "Silent assignment"):
//     it owes the receivable but is not told it was assigned;
//   * a funder asked to finance it, of another funder's financing of the same receivable
//     (docs/security.md "Another funder's financing"): a supplier declined by one funder may
//     apply to another, and neither may learn of the other's dealings.
// Whatever either can ask of the receivable (its status, its history, the lists it appears in
// and their counts, the registry) answers exactly what it would with no such financing. These
// are the rules, as where-clauses and small reads, for the places that answer it; the events
// and webhooks of a receivable are addressed by the same rule, in the database
// (domain_event_receivable_transition). Its supplier, and operators, see what happened.

/** The receivable's states a financing puts it in; to a party that may not see the financing, it stays CONFIRMED. */
export const FINANCED_STATES: readonly ReceivableStatus[] = ['FINANCING_PENDING', 'FINANCED', 'SETTLED'];

/** Who asks: these rules depend on the party alone, whichever of its users acts. */
export type Viewer = Pick<Actor, 'partyId' | 'partyRoles'>;

/** A financing the viewer may not know of: it is not its supplier, its funder, nor its obligor under open assignment. */
function hiddenFinancingWhere(viewer: Viewer): Prisma.FinancingWhereInput {
  return { NOT: visibleFinancingsWhere(viewer) };
}

/**
 * The receivables whose state the viewer must not learn: in a financed state because of a
 * financing (one that has not ended before approval) the viewer may not see. Null when the
 * viewer sees everything (operators). The supplier is the supplier of every financing of its
 * receivable: its own never match, which the first condition says without a subquery.
 */
export function financedOutOfSightWhere(viewer: Viewer): Prisma.ReceivableWhereInput | null {
  if (isOperator(viewer)) return null;
  return {
    supplierPartyId: { not: viewer.partyId },
    status: { in: [...FINANCED_STATES] },
    financings: { some: { AND: [hiddenFinancingWhere(viewer), { status: { notIn: [...CLOSED_BEFORE_APPROVAL] } }] } },
  };
}

/**
 * A filter on the receivables' status as the viewer sees it: a receivable financed out of its
 * sight counts as CONFIRMED (and not as what it is), in the list and in its count alike.
 */
export function statusAsSeenWhere(viewer: Viewer, statuses: readonly ReceivableStatus[]): Prisma.ReceivableWhereInput {
  const hidden = financedOutOfSightWhere(viewer);
  if (!hidden) return { status: { in: [...statuses] } };
  const asTheyAre: Prisma.ReceivableWhereInput = { status: { in: [...statuses] }, NOT: hidden };
  return statuses.includes('CONFIRMED') ? { OR: [asTheyAre, hidden] } : asTheyAre;
}

/** Whether the viewer's view of this receivable's status could differ from its status: only a financed one, to anyone but its supplier and operators. */
export function statusMayBeMasked(viewer: Viewer, receivable: Pick<Receivable, 'status' | 'supplierPartyId'>): boolean {
  return !isOperator(viewer) && receivable.supplierPartyId !== viewer.partyId && FINANCED_STATES.includes(receivable.status);
}

/** The receivable's status as the viewer may see it: CONFIRMED while a financing it may not see holds it. */
export async function statusAsSeen(db: PrismaClient | Tx, viewer: Viewer, receivable: Pick<Receivable, 'id' | 'status' | 'supplierPartyId'>): Promise<ReceivableStatus> {
  const hidden = financedOutOfSightWhere(viewer);
  if (!hidden || !statusMayBeMasked(viewer, receivable)) return receivable.status;
  const masked = await db.receivable.count({ where: { AND: [{ id: receivable.id }, hidden] } });
  return masked > 0 ? 'CONFIRMED' : receivable.status;
}

/**
 * statusAsSeen for a page of receivables: of `receivableIds`, those the viewer sees as CONFIRMED
 * while a financing it may not see holds them, in one statement (none for operators).
 */
export async function financedOutOfSightAmong(db: PrismaClient | Tx, viewer: Viewer, receivableIds: readonly string[]): Promise<Set<string>> {
  const hidden = financedOutOfSightWhere(viewer);
  if (!hidden || receivableIds.length === 0) return new Set();
  const rows = await db.receivable.findMany({ where: { AND: [{ id: { in: [...receivableIds] } }, hidden] }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}

/**
 * The registration of an invoice as the viewer is told it once a financing it may not see has
 * settled. Settlement releases the receivable's registry entries, and every other caller is told
 * the invoice is no longer encumbered; but to the obligor of a silent financing the receivable is
 * still CONFIRMED, so its invoices are still encumbered by it, as before the financing. Null when
 * nothing is hidden from the viewer about this invoice.
 */
export async function releasedRegistrationAsSeen(
  db: PrismaClient | Tx,
  viewer: Viewer,
  fingerprint: string,
): Promise<{ encumberedSince: Date; registrationNumber: string; status: ReceivableStatus } | null> {
  const hidden = financedOutOfSightWhere(viewer);
  // Only a core enterprise owes receivables: every other caller is spared the read.
  if (!hidden || !viewer.partyRoles.includes('CORE_ENTERPRISE')) return null;
  const entry = await db.registryEntry.findFirst({
    where: { fingerprint, releasedAt: { not: null }, receivable: { AND: [{ obligorPartyId: viewer.partyId }, hidden] } },
    orderBy: { releasedAt: 'desc' },
    select: { encumberedSince: true, registrationNumber: true },
  });
  return entry ? { ...entry, status: 'CONFIRMED' } : null;
}

/**
 * A receivable's history as the viewer may read it: its own lifecycle (registration,
 * confirmation, rejection, expiry, cancellation: rows that name no financing) and the rows of
 * the financings the viewer may see; never a row a financing it may not see brought about,
 * the FINANCING_PENDING and CONFIRMED back and forth of one declined included.
 */
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
    where: { AND: [{ obligorPartyId: viewer.partyId }, hiddenFinancingWhere(viewer)], status: { notIn: [...CLOSED_BEFORE_APPROVAL, 'SETTLED'] } },
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

/**
 * The supplier limits of programs the viewer sees all of that exist only because of financings
 * it may not know of: a voucher holder's limit, opened at its first application (a holder is not
 * enrolled), when every financing of that holder in the program is out of the viewer's sight.
 * Keyed `<programId>:<supplierPartyId>`. Empty for operators.
 */
export async function limitsOpenedOutOfSight(db: PrismaClient | Tx, viewer: Viewer, limits: { programId: string; supplierPartyId: string }[]): Promise<Set<string>> {
  const hidden = new Set<string>();
  if (isOperator(viewer) || limits.length === 0) return hidden;
  const pairs = limits.map(({ programId, supplierPartyId }) => ({ programId, supplierPartyId }));
  const [enrolled, seen] = await Promise.all([
    db.programEnrollment.findMany({ where: { OR: pairs }, select: { programId: true, supplierPartyId: true } }),
    db.financing.findMany({ where: { AND: [{ OR: pairs }, visibleFinancingsWhere(viewer)] }, select: { programId: true, supplierPartyId: true }, distinct: ['programId', 'supplierPartyId'] }),
  ]);
  const known = new Set([...enrolled, ...seen].map((row) => `${row.programId}:${row.supplierPartyId}`));
  for (const { programId, supplierPartyId } of pairs) if (!known.has(`${programId}:${supplierPartyId}`)) hidden.add(`${programId}:${supplierPartyId}`);
  return hidden;
}
