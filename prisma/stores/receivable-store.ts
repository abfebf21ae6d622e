import { ConflictError, NotFoundError, ReceivableEncumberedError, ValidationError } from '../../domain/errors';
import { businessYearOf, dateColumn } from '../../domain/business-date';
import { formatAmount, type Currency } from '../../domain/money';
import {
  ENCUMBERING_STATUSES,
  fingerprintSource,
  isDecisionAllowed,
  transitionRefused,
  validateConfirmedAmount,
  validateRegistration,
  type ReceivableStatus,
  type RegistrationInput,
  type ValidRegistration,
} from '../../domain/receivable-rules';
import type { ReceivableDecision } from '../../workflows/contracts/receivable';
import type { Prisma, PrismaClient, Receivable } from '../client';
import { releasedRegistrationAsSeen, statusAsSeen } from './silent-assignment';
import { findPartyWithRole } from './party-store';
import { isOperator, type Actor } from '../../domain/actor';
import { runTransaction, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';
import { isUniqueViolation } from './unique-violation';
import { drawNumber } from './drawn-numbers';
import { yearlyNumber } from '../../domain/numbers';

const REGISTRATION_PREFIX = 'REG';

/** A new registration's number (REG-<business year>-<8 digits>, drawn: drawNumber), a supplier's or a voucher part's receivable alike. */
export function drawRegistrationNumber(tx: Tx, now: Date): Promise<string> {
  const year = businessYearOf(now);
  return drawNumber(
    (serial) => yearlyNumber(REGISTRATION_PREFIX, year, serial),
    async (registrationNumber) => (await tx.receivable.count({ where: { registrationNumber } })) > 0,
  );
}

export function invoiceFingerprint(obligorCreditCode: string, invoiceCode: string, invoiceNumber: string): string {
  return sha256Hex(fingerprintSource(obligorCreditCode, invoiceCode, invoiceNumber));
}

function requestHash(valid: ValidRegistration): string {
  const canonical = {
    obligorCreditCode: valid.obligorCreditCode,
    contractNumber: valid.contractNumber,
    currency: valid.currency,
    faceAmount: formatAmount(valid.faceAmount, valid.currency),
    dueDate: valid.dueDate,
    invoices: valid.invoices.map((invoice) => [invoice.invoiceCode, invoice.invoiceNumber, formatAmount(invoice.amount, valid.currency), invoice.issueDate]),
    documentHashes: [...valid.documentHashes].sort(),
  };
  return sha256Hex(JSON.stringify(canonical));
}

/** Where-clause of the receivables a party may see: its own, those it owes, all for operators. */
export function visibleReceivablesWhere(actor: Actor): Prisma.ReceivableWhereInput {
  if (isOperator(actor)) return {};
  // A receivable made for a voucher part exists only because its holder applied for financing:
  // the issuer owes the voucher, not this receivable, and sees it only once a financing under
  // open assignment tells it of the application (a silent one must not, nor one that lost a race).
  const owed: Prisma.ReceivableWhereInput = { obligorPartyId: actor.partyId, OR: [{ voucherPartId: null }, { financings: { some: { programTerms: { assignmentMode: 'OPEN' } } } }] };
  // A funder sees the receivables it was asked to finance: it is buying them.
  return { OR: [{ supplierPartyId: actor.partyId }, owed, { financings: { some: { funderPartyId: actor.partyId } } }] };
}

export async function findVisibleReceivable(prisma: PrismaClient | Tx, actor: Actor, receivableId: string): Promise<Receivable> {
  const receivable = await prisma.receivable.findFirst({ where: { AND: [{ id: receivableId }, visibleReceivablesWhere(actor)] } });
  if (!receivable) throw new NotFoundError('Receivable', receivableId);
  return receivable;
}

async function findEncumbrance(tx: Tx, supplierPartyId: string, fingerprints: string[], invoices: ValidRegistration['invoices']): Promise<ReceivableEncumberedError | undefined> {
  const active = await tx.registryEntry.findFirst({ where: { fingerprint: { in: fingerprints }, releasedAt: null } });
  if (!active) return undefined;
  const invoice = invoices[fingerprints.indexOf(active.fingerprint)];
  // Which registration holds it is told only to the supplier that holds it.
  // An invoice of a voucher transfer's trade background belongs to its seller, the recipient.
  const holderPartyId = active.receivableId
    ? (await tx.receivable.findUnique({ where: { id: active.receivableId }, select: { supplierPartyId: true } }))?.supplierPartyId
    : (await tx.voucherTransfer.findUnique({ where: { id: active.voucherTransferId! }, select: { toPartyId: true } }))?.toPartyId;
  return new ReceivableEncumberedError(holderPartyId === supplierPartyId ? active.registrationNumber : null, invoice?.invoiceCode ?? '?', invoice?.invoiceNumber ?? '?');
}

/**
 * The receivable an earlier request with the same idempotency key registered, if any; the same
 * key with a different registration is a conflict, never a second receivable.
 */
/**
 * The registration an earlier request with this key made, the request checked as of that one's
 * own time: a repeat just after midnight of a registration due the next day (its answer lost with
 * the worker, or the supplier sending it again) is the same request, answered with what it made,
 * not refused because the due date is no longer after today. Bad input is refused either way.
 */
async function replayOf(prisma: PrismaClient, supplierPartyId: string, input: RegistrationInput): Promise<RegisterResult | undefined> {
  const idempotencyKey = input.idempotencyKey.trim();
  const existing = await prisma.receivable.findUnique({ where: { supplierPartyId_idempotencyKey: { supplierPartyId, idempotencyKey } } });
  if (!existing) return undefined;
  if (existing.requestHash !== requestHash(validateRegistration(input, existing.registeredAt))) {
    throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(idempotencyKey)} was used for a different registration (${existing.registrationNumber})`);
  }
  return { receivable: existing, replayed: true };
}

/** A repeat of a registration already made. */
export function findRegistrationReplay(prisma: PrismaClient, actor: Actor, input: RegistrationInput): Promise<RegisterResult | undefined> {
  return replayOf(prisma, actor.partyId, input);
}

export interface RegisterResult {
  receivable: Receivable;
  /** True when this was a repeat of an earlier request with the same idempotency key. */
  replayed: boolean;
}

/**
 * Registers a receivable: validates it, refuses it when any invoice is encumbered by another
 * active registration, and writes the receivable, its invoices, its registry entries and its
 * first history row in one transaction. The partial unique index on active registry
 * fingerprints is what makes two concurrent registrations of one invoice impossible; the
 * lookup before it only gives the refusal a good message.
 */
export async function registerReceivable(
  prisma: PrismaClient,
  actor: Actor,
  input: RegistrationInput,
  { now = new Date(), confirmationWindowMs, receivableId }: { now?: Date; confirmationWindowMs: number; /** The id its workflow was started with. */ receivableId?: string },
): Promise<RegisterResult> {
  const replay = () => replayOf(prisma, actor.partyId, input);
  const earlier = await replay();
  if (earlier) return earlier;
  const valid = validateRegistration(input, now);
  const hash = requestHash(valid);

  const obligor = await findPartyWithRole(prisma, valid.obligorCreditCode, 'CORE_ENTERPRISE');
  if (!obligor) {
    throw ValidationError.field(['input', 'obligorCreditCode'], `no core enterprise with credit code ${valid.obligorCreditCode} is registered on the platform`, 'OBLIGOR_NOT_CORE_ENTERPRISE');
  }
  if (obligor.id === actor.partyId) throw ValidationError.field(['input', 'obligorCreditCode'], 'a party cannot be the obligor of its own receivable');

  const fingerprints = valid.invoices.map((invoice) => invoiceFingerprint(obligor.creditCode, invoice.invoiceCode, invoice.invoiceNumber));
  try {
    const receivable = await runTransaction(prisma, (tx) => createReceivable(tx, actor, valid, { receivableId, obligorPartyId: obligor.id, fingerprints, requestHash: hash }, now, confirmationWindowMs));
    return { receivable, replayed: false };
  } catch (error) {
    // Lost a race: either the same request twice at once, or another registration took an invoice.
    // A repeat of this very request that committed after the lookup above holds these invoices
    // too, so an encumbrance is only a refusal once the key is known to be unused.
    if (!isUniqueViolation(error) && !(error instanceof ReceivableEncumberedError)) throw error;
    const raced = await replay();
    if (raced) return raced;
    if (error instanceof ReceivableEncumberedError) throw error;
    const encumbrance = await runTransaction(prisma, (tx) => findEncumbrance(tx, actor.partyId, fingerprints, valid.invoices));
    if (encumbrance) throw encumbrance;
    throw error;
  }
}

/** The registration's writes, in the caller's transaction: the receivable with its invoices, registry entries and first history row. */
async function createReceivable(
  tx: Tx,
  actor: Actor,
  valid: ValidRegistration,
  request: { receivableId?: string; obligorPartyId: string; fingerprints: string[]; requestHash: string },
  now: Date,
  confirmationWindowMs: number,
): Promise<Receivable> {
  const { fingerprints } = request;
  const encumbrance = await findEncumbrance(tx, actor.partyId, fingerprints, valid.invoices);
  if (encumbrance) throw encumbrance;
  const registrationNumber = await drawRegistrationNumber(tx, now);
  return tx.receivable.create({
    data: {
      id: request.receivableId,
      registrationNumber,
      supplierPartyId: actor.partyId,
      obligorPartyId: request.obligorPartyId,
      contractNumber: valid.contractNumber,
      currency: valid.currency,
      faceAmount: valid.faceAmount.toFixed(),
      dueDate: dateColumn(valid.dueDate),
      documentHashes: valid.documentHashes,
      idempotencyKey: valid.idempotencyKey,
      requestHash: request.requestHash,
      registeredByUserId: actor.userId,
      registeredAt: now,
      confirmationDeadline: new Date(now.getTime() + confirmationWindowMs),
      updatedAt: now,
      invoices: {
        create: valid.invoices.map((invoice, index) => ({
          lineNumber: index + 1,
          invoiceCode: invoice.invoiceCode,
          invoiceNumber: invoice.invoiceNumber,
          amount: invoice.amount.toFixed(),
          issueDate: dateColumn(invoice.issueDate),
          fingerprint: fingerprints[index] as string,
        })),
      },
      registryEntries: { create: fingerprints.map((fingerprint) => ({ fingerprint, registrationNumber, encumberedSince: now })) },
      transitions: { create: { toStatus: 'REGISTERED', actorUserId: actor.userId, actorPartyId: actor.partyId, occurredAt: now } },
    },
  });
}

const DECISION_TARGET: Record<ReceivableDecision['kind'], ReceivableStatus> = {
  CONFIRM: 'CONFIRMED',
  REJECT: 'REJECTED',
  CANCEL: 'CANCELLED',
  EXPIRE: 'EXPIRED',
};

const DECISION_VERB: Record<ReceivableDecision['kind'], string> = { CONFIRM: 'confirm', REJECT: 'reject', CANCEL: 'cancel', EXPIRE: 'expire' };

export interface DecisionActor {
  userId: string;
  partyId: string;
}

/**
 * Applies a decision in one transaction: locks the receivable, checks who may decide and
 * whether its state allows it, moves it, records the history row, and releases the registry
 * when the receivable leaves the encumbering states. `idempotencyKey` identifies the decision:
 * a retry of the same decision returns the state it produced instead of failing.
 */
export async function decideReceivable(
  prisma: PrismaClient,
  receivableId: string,
  decision: ReceivableDecision,
  actor: DecisionActor | null,
  idempotencyKey: string,
  now = new Date(),
): Promise<Receivable> {
  return runTransaction(
    prisma,
    async (tx) => {
      const done = await tx.receivableTransition.findUnique({ where: { idempotencyKey } });
      if (done) return tx.receivable.findUniqueOrThrow({ where: { id: receivableId } });
      // Serialises decisions on one receivable (confirm racing cancel, a reminder racing expiry).
      await tx.$queryRaw`SELECT id FROM receivable WHERE id = ${receivableId}::uuid FOR UPDATE`;
      const receivable = await tx.receivable.findUnique({ where: { id: receivableId } });
      if (!receivable) throw new NotFoundError('Receivable', receivableId);

      if (decision.kind === 'CONFIRM' || decision.kind === 'REJECT') {
        if (!actor || actor.partyId !== receivable.obligorPartyId) throw new NotFoundError('Receivable', receivableId);
      }
      if (decision.kind === 'CANCEL') {
        if (!actor || actor.partyId !== receivable.supplierPartyId) throw new NotFoundError('Receivable', receivableId);
      }
      const to = DECISION_TARGET[decision.kind];
      if (decision.kind === 'EXPIRE' && receivable.status !== 'REGISTERED') return receivable;
      // Refused on the real state, told as the deciding party sees it (silent assignment).
      if (!isDecisionAllowed(receivable.status, to)) throw transitionRefused(DECISION_VERB[decision.kind], await statusAsSeenBy(tx, actor, receivable));

      const data: Prisma.ReceivableUpdateInput = { status: to, updatedAt: now };
      let reason: string | null = null;
      if (decision.kind === 'CONFIRM' && actor) {
        const currency = receivable.currency as Currency;
        const face = toDecimal(receivable.faceAmount);
        const confirmed = validateConfirmedAmount(decision.confirmedAmount, face, currency);
        data.confirmedAmount = confirmed.toFixed();
        data.confirmedAt = now;
        data.confirmedBy = { connect: { id: actor.userId } };
        if (!confirmed.eq(face)) reason = `confirmed ${formatAmount(confirmed, currency)} of the face amount ${formatAmount(face, currency)} (dilution)`;
      } else if (decision.kind === 'REJECT' || decision.kind === 'CANCEL') {
        reason = decision.reason;
        data.closedReason = decision.reason;
      } else {
        reason = 'the core enterprise did not answer before the confirmation deadline';
        data.closedReason = reason;
      }
      const updated = await tx.receivable.update({ where: { id: receivableId }, data });
      await tx.receivableTransition.create({
        data: { receivableId, fromStatus: receivable.status, toStatus: to, actorUserId: actor?.userId ?? null, actorPartyId: actor?.partyId ?? null, reason, idempotencyKey, occurredAt: now },
      });
      if (!ENCUMBERING_STATUSES.includes(to)) {
        await tx.registryEntry.updateMany({ where: { receivableId, releasedAt: null }, data: { releasedAt: now } });
      }
      return updated;
    },
  );
}

/** The receivable's status as the acting party is told it; as it is when the platform acts. */
async function statusAsSeenBy(tx: Tx, actor: DecisionActor | null, receivable: Receivable): Promise<ReceivableStatus> {
  if (!actor) return receivable.status;
  const party = await tx.party.findUniqueOrThrow({ where: { id: actor.partyId }, select: { roles: true } });
  return statusAsSeen(tx, { partyId: actor.partyId, partyRoles: party.roles }, receivable);
}

export interface RegistryAnswer {
  encumbered: boolean;
  since: Date | null;
  registrationNumber: string | null;
  status: ReceivableStatus | null;
}

// The fingerprints asked of each client in the current turn of the event loop, and their answer.
const PENDING_CHECKS = new WeakMap<PrismaClient, { fingerprints: Set<string>; answer: Promise<Map<string, ActiveRegistration>> }>();

/**
 * The active registration of a fingerprint, read together with every other fingerprint asked of
 * the same client in the same turn of the event loop: one statement for all of them, as Prisma
 * does for findUnique (and DataLoader schedules its batches).
 */
function activeRegistration(prisma: PrismaClient, fingerprint: string): Promise<ActiveRegistration | undefined> {
  let pending = PENDING_CHECKS.get(prisma);
  if (!pending) {
    const fingerprints = new Set<string>();
    const answer = new Promise<Map<string, ActiveRegistration>>((resolve, reject) => {
      // After the promises already settled have run their callbacks, so that the checks asked
      // side by side in this turn are all in.
      void Promise.resolve().then(() =>
        process.nextTick(() => {
          PENDING_CHECKS.delete(prisma);
          activeRegistrations(prisma, [...fingerprints]).then(resolve, reject);
        }),
      );
    });
    pending = { fingerprints, answer };
    PENDING_CHECKS.set(prisma, pending);
  }
  pending.fingerprints.add(fingerprint);
  return pending.answer.then((found) => found.get(fingerprint));
}

/** The public registry check: whether an invoice is encumbered, never by whom or for how much. */
interface ActiveRegistration {
  fingerprint: string;
  encumberedSince: Date;
  registrationNumber: string;
  /** The receivable that holds the invoice; null when a voucher transfer's trade background does. */
  id: string | null;
  status: ReceivableStatus | null;
  supplierPartyId: string | null;
  obligorPartyId: string | null;
  /** The two parties of the voucher transfer that holds the invoice, when one does. */
  transferorPartyId: string | null;
  recipientPartyId: string | null;
}

/**
 * The active entries of some fingerprints with what holds them, in one statement: the active
 * entry by the fingerprint index joined by primary key to its receivable or to the voucher
 * transfer whose trade background it is (an entry has exactly one of the two). `char(64)[]`,
 * not `text[]`: compared as text the column could not use its index.
 */
async function activeRegistrations(prisma: PrismaClient, fingerprints: string[]): Promise<Map<string, ActiveRegistration>> {
  const rows = await prisma.$queryRaw<ActiveRegistration[]>`
    SELECT e.fingerprint, e.encumbered_since AS "encumberedSince", e.registration_number AS "registrationNumber",
           r.id::text AS id, r.status::text AS status, r.supplier_party_id::text AS "supplierPartyId", r.obligor_party_id::text AS "obligorPartyId",
           t.from_party_id::text AS "transferorPartyId", t.to_party_id::text AS "recipientPartyId"
      FROM registry_entry e
      LEFT JOIN receivable r ON r.id = e.receivable_id
      LEFT JOIN voucher_transfer t ON t.id = e.voucher_transfer_id
     WHERE e.fingerprint = ANY(${fingerprints}::char(64)[]) AND e.released_at IS NULL`;
  return new Map(rows.map((row) => [row.fingerprint, row]));
}

/** The public registry check: whether an invoice is encumbered, never by whom or for how much. */
export async function registryCheck(prisma: PrismaClient, viewer: Actor, obligorCreditCode: string, invoiceCode: string, invoiceNumber: string): Promise<RegistryAnswer> {
  const fingerprint = invoiceFingerprint(obligorCreditCode, invoiceCode, invoiceNumber);
  // The check is asked before every registration and by every party's tools, many at once.
  // The checks asked in the same turn of the event loop, by any callers, share one statement
  // (as Prisma does for findUnique): a statement per check cost more than the lookup itself.
  // Sharing is safe across callers because the rows are the registry's, the same for everyone;
  // what each caller is told of them is decided below, per caller.
  const active = await activeRegistration(prisma, fingerprint);
  if (!active) {
    // A silent financing's settlement released the invoice; its obligor is answered as before the financing.
    const hidden = await releasedRegistrationAsSeen(prisma, viewer, fingerprint);
    if (hidden) return { encumbered: true, since: hidden.encumberedSince, registrationNumber: hidden.registrationNumber, status: hidden.status };
    return { encumbered: false, since: null, registrationNumber: null, status: null };
  }
  // That it is encumbered is public (no double financing); which registration, and its state, only to the receivable's own parties.
  const { id, status, supplierPartyId, obligorPartyId } = active;
  if (id === null || status === null || supplierPartyId === null || obligorPartyId === null) {
    // A voucher transfer's trade background: its number to its two parties, no receivable status.
    const own = isOperator(viewer) || viewer.partyId === active.transferorPartyId || viewer.partyId === active.recipientPartyId;
    return { encumbered: true, since: active.encumberedSince, registrationNumber: own ? active.registrationNumber : null, status: null };
  }
  const own = isOperator(viewer) || viewer.partyId === supplierPartyId || viewer.partyId === obligorPartyId;
  if (!own) return { encumbered: true, since: active.encumberedSince, registrationNumber: null, status: null };
  return { encumbered: true, since: active.encumberedSince, registrationNumber: active.registrationNumber, status: await statusAsSeen(prisma, viewer, { id, status, supplierPartyId }) };
}
