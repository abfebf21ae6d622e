import { ConflictError, ForbiddenError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { assertBeforeDeadline, assertDecisionAllowed, assertMayDecide, CLOSED_BEFORE_APPROVAL, deadlineOf, FINANCING_DECISIONS, type FinancingDecision } from '../../domain/financing-rules';
import { Decimal, formatAmount } from '../../domain/money';
import { IDEMPOTENCY_KEY_LENGTH_MAX } from '../../domain/ledger-rules';
import type { Financing, Prisma, PrismaClient } from '../client';
import { businessYearOf, dateColumn } from '../../domain/business-date';
import { openCollectionAccount } from './chart-of-accounts';
import { creditLimitCode } from './credit-limit-store';
import { closeAccount, findAccountByCode } from './ledger/accounts';
import { lockAccounts } from './ledger/locks';
import { lockFinancingAccounts } from './financing-ledger';
import { parkCollectionOf } from './inbound-store';
import { reserveHold, voidHold } from './ledger/holds';
import type { Actor } from '../../domain/actor';
import { quoteFinancing, type QuoteResult } from './program-store';
import { runTransaction, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { isUniqueViolation } from './unique-violation';
import { holdVoucherPartForFinancing, releaseVoucherPartOfFinancing } from './voucher-financing-store';
import { visibleFinancingsWhere } from './financing-visibility';
import { assertMakerActive } from './maker-active';
import { drawNumber } from './drawn-numbers';
import { yearlyNumber } from '../../domain/numbers';

export interface ApplyInput {
  /** The id the financing's workflow was started with; the database chooses one when absent. */
  financingId?: string;
  receivableId: string;
  programId: string;
  amount: string;
  idempotencyKey: string;
}

/** How long each party has to answer (docs/workflows/financing.md). */
export interface FinancingWindows {
  acknowledgementWindowMs: number;
  approvalWindowMs: number;
}

/** What the application's rows are written with: the chosen id (if any) and the idempotency key with its request's hash. */
interface ApplicationRequest {
  financingId?: string;
  idempotencyKey: string;
  requestHash: string;
}

export interface ApplyResult {
  financing: Financing;
  replayed: boolean;
}

/**
 * The application's idempotency key, checked, and the hash of what it asked for: the amount as a
 * number, however it is written ("1000" and "1000.00" are one request). `asWritten` is the hash
 * applications stored before that, of the amount's text, which their repeats still match.
 */
/** An application's idempotency key as it is kept: trimmed, 1 to IDEMPOTENCY_KEY_LENGTH_MAX characters. */
export function applicationIdempotencyKey(raw: string): string {
  const idempotencyKey = raw.trim();
  if (idempotencyKey.length === 0 || idempotencyKey.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    throw ValidationError.field(['idempotencyKey'], `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} characters`);
  }
  return idempotencyKey;
}

function applicationKey(input: ApplyInput): { idempotencyKey: string; requestHash: string; asWritten: string } {
  const idempotencyKey = applicationIdempotencyKey(input.idempotencyKey);
  const written = input.amount.trim();
  const amount = /^\d+(\.\d+)?$/.test(written) ? new Decimal(written).toFixed() : written;
  const hashOf = (text: string) => sha256Hex(JSON.stringify([input.receivableId, input.programId, text]));
  return { idempotencyKey, requestHash: hashOf(amount), asWritten: hashOf(written) };
}

/**
 * The financing an earlier request with the same idempotency key applied for, if any; the same
 * key with a different application is a conflict, never a second financing.
 */
export async function findApplicationReplay(prisma: PrismaClient, actor: Pick<Actor, 'partyId'>, input: ApplyInput): Promise<ApplyResult | undefined> {
  const { idempotencyKey, requestHash, asWritten } = applicationKey(input);
  const existing = await prisma.financing.findUnique({ where: { supplierPartyId_idempotencyKey: { supplierPartyId: actor.partyId, idempotencyKey } } });
  if (!existing) return undefined;
  if (existing.requestHash !== requestHash && existing.requestHash !== asWritten) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(idempotencyKey)} was used for a different application (${existing.financingNumber})`);
  return { financing: existing, replayed: true };
}

/**
 * A supplier's application: every check of the quote, then, in one database transaction,
 * the financing with the quoted figures and the terms version they came from, a hold on each
 * of the three limits (program, obligor, supplier) for the principal, and the receivable
 * moved to FINANCING_PENDING. A limit without room refuses the whole application
 * (LIMIT_EXCEEDED); the holds are the reservation, so concurrent applications can never
 * together exceed a limit. Repeating the request with the same key returns the same financing.
 */
export async function applyForFinancing(prisma: PrismaClient, actor: Actor, input: ApplyInput, windows: FinancingWindows, now = new Date()): Promise<ApplyResult> {
  const { idempotencyKey, requestHash } = applicationKey(input);
  const replay = () => findApplicationReplay(prisma, actor, input);
  const earlier = await replay();
  if (earlier) return earlier;

  let quoted: QuoteResult | undefined;
  try {
    const quote = await quoteFinancing(prisma, actor, input, now);
    quoted = quote;
    if (quote.receivable.supplierPartyId !== actor.partyId) throw new ForbiddenError('only the receivable\'s supplier can apply to finance it');
    const financing = await runTransaction(prisma, (tx) => applyInTransaction(tx, actor, quote, { financingId: input.financingId, idempotencyKey, requestHash }, windows, now));
    return { financing, replayed: false };
  } catch (error) {
    // A repeat of this very application that committed after the lookup above has moved the
    // receivable on, so a wrong state is only a refusal once the key is known to be unused.
    if (error instanceof WrongStateError) {
      const raced = await replay();
      if (raced) return raced;
    }
    if (!isUniqueViolation(error) || !quoted) throw error;
    const raced = await replay();
    if (raced) return raced;
    const current = await prisma.receivable.findUniqueOrThrow({ where: { id: quoted.receivable.id } });
    throw new WrongStateError(`the receivable is already in another financing (${current.status})`, current.status);
  }
}

/** The application's writes, in the caller's transaction: the financing, its limit holds, the receivable's move, the collection account. */
async function applyInTransaction(tx: Tx, actor: Actor, quoted: QuoteResult, request: ApplicationRequest, windows: FinancingWindows, now: Date): Promise<Financing> {
  const { receivable } = quoted;
  // The receivable's row lock orders applications for the same receivable; its state is checked under it.
  await tx.$queryRaw`SELECT id FROM receivable WHERE id = ${receivable.id}::uuid FOR UPDATE`;
  const current = await tx.receivable.findUniqueOrThrow({ where: { id: receivable.id } });
  if (current.status !== 'CONFIRMED') throw new WrongStateError(`only a CONFIRMED receivable can be financed; this one is ${current.status}`, current.status);
  const created = await createFinancing(tx, actor, quoted, request, windows, now);
  const holdIds = await reserveLimits(tx, created, quoted, now);
  await holdVoucherPartForFinancing(tx, current, created, now);
  await tx.receivable.update({ where: { id: receivable.id }, data: { status: 'FINANCING_PENDING', updatedAt: now } });
  await tx.receivableTransition.create({
    data: { receivableId: receivable.id, financingId: created.id, fromStatus: 'CONFIRMED', toStatus: 'FINANCING_PENDING', actorUserId: actor.userId, actorPartyId: actor.partyId, reason: `financing ${created.financingNumber} applied for`, occurredAt: now },
  });
  await tx.financingTransition.create({ data: { financingId: created.id, toStatus: created.status, actorUserId: actor.userId, actorPartyId: actor.partyId, occurredAt: now } });
  const collection = await openCollectionAccount(tx, created, quoted.currency);
  return tx.financing.update({ where: { id: created.id }, data: { limitHoldIds: holdIds, collectionAccountId: collection.id } });
}

/** The financing row with the quoted figures and the terms version they came from. */
async function createFinancing(tx: Tx, actor: Actor, quoted: QuoteResult, request: ApplicationRequest, windows: FinancingWindows, now: Date): Promise<Financing> {
  const { quote, currency, terms, program, receivable } = quoted;
  const year = businessYearOf(now);
  const financingNumber = await drawNumber(
    (serial) => yearlyNumber('FIN', year, serial),
    async (candidate) => (await tx.financing.count({ where: { financingNumber: candidate } })) > 0,
  );
  return tx.financing.create({
    data: {
      id: request.financingId,
      financingNumber,
      receivableId: receivable.id,
      programId: program.id,
      programTermsId: terms.id,
      supplierPartyId: receivable.supplierPartyId,
      funderPartyId: program.funderPartyId,
      obligorPartyId: program.corePartyId,
      currency,
      principal: quote.principal.toFixed(),
      interest: quote.interest.toFixed(),
      fees: quote.fees.toFixed(),
      netDisbursement: quote.netDisbursement.toFixed(),
      repaymentAtMaturity: quote.repaymentAtMaturity.toFixed(),
      effectiveAnnualRate: quote.effectiveAnnualRate.toFixed(),
      valueDate: dateColumn(quote.valueDate),
      dueDate: dateColumn(quote.dueDate),
      tenorDays: quote.tenorDays,
      // What was quoted stays as it was; the figures above are repriced when the money moves.
      quotedValueDate: dateColumn(quote.valueDate),
      quotedTenorDays: quote.tenorDays,
      quotedInterest: quote.interest.toFixed(),
      quotedFees: quote.fees.toFixed(),
      quotedNetDisbursement: quote.netDisbursement.toFixed(),
      quotedRepaymentAtMaturity: quote.repaymentAtMaturity.toFixed(),
      quotedEffectiveAnnualRate: quote.effectiveAnnualRate.toFixed(),
      // Open assignment waits for the core enterprise first; silent goes straight to the funder.
      status: terms.assignmentMode === 'OPEN' ? 'PENDING_ACKNOWLEDGEMENT' : 'PENDING_APPROVAL',
      acknowledgementDeadline: terms.assignmentMode === 'OPEN' ? new Date(now.getTime() + windows.acknowledgementWindowMs) : null,
      approvalDeadline: terms.assignmentMode === 'OPEN' ? null : new Date(now.getTime() + windows.approvalWindowMs),
      limitHoldIds: [],
      idempotencyKey: request.idempotencyKey,
      requestHash: request.requestHash,
      appliedByUserId: actor.userId,
      appliedAt: now,
      updatedAt: now,
    },
  });
}

/**
 * A hold on each of the three limits (program, obligor, supplier) for the principal: the
 * holds are the reservation, so concurrent applications can never together exceed a limit.
 */
async function reserveLimits(tx: Tx, financing: Financing, quoted: QuoteResult, now: Date): Promise<string[]> {
  const { quote, currency, program, receivable } = quoted;
  const control = await findAccountByCode(tx, `platform:LIMIT_CONTROL:${currency}`);
  const scopes = [
    { kind: 'PROGRAM' as const, programId: program.id },
    { kind: 'OBLIGOR' as const, obligorPartyId: program.corePartyId },
    { kind: 'SUPPLIER' as const, programId: program.id, supplierPartyId: receivable.supplierPartyId },
  ];
  const holdIds: string[] = [];
  const accounts = [];
  for (const scope of scopes) accounts.push(await findAccountByCode(tx, creditLimitCode({ ...scope, funderPartyId: program.funderPartyId, currency })));
  // The three holds' accounts, locked at once in the ledger's global order before the first.
  await lockAccounts(tx, [...accounts, control].filter((account) => account !== null).map((account) => account.id));
  for (const [index, scope] of scopes.entries()) {
    const account = accounts[index];
    if (!account || !control) throw new Error(`limit account for ${scope.kind} is missing in ${program.code}`);
    try {
      const hold = await reserveHold(
        tx,
        { idempotencyKey: `financing:${financing.id}:limit:${scope.kind}`, code: 'LIMIT_RESERVATION', debitAccountId: account.id, creditAccountId: control.id, amount: formatAmount(quote.principal, currency), currency, metadata: { financingId: financing.id, kind: scope.kind } },
        now,
      );
      holdIds.push(hold.holdId);
    } catch (error) {
      if (error instanceof LimitExceededError) {
        // The supplier sees its own limit only (docs/security.md, "Credit limits"): which of the
        // funder's others is full (what other suppliers of the core enterprise have used) is not said.
        const which = scope.kind === 'SUPPLIER' ? 'your supplier limit has' : "the funder's limits for this financing have";
        throw new LimitExceededError('LIMIT_EXCEEDED', `${which} no room for ${formatAmount(quote.principal, currency)} ${currency}`);
      }
      throw error;
    }
  }
  return holdIds;
}

// Who sees a financing (financing-visibility.ts, shared with the masks of a receivable's status and
// history in silent-assignment.ts): its readers import it from here as they always have.
export { visibleFinancingsWhere };

export async function findVisibleFinancing(prisma: PrismaClient | Tx, actor: Actor, financingId: string): Promise<Financing> {
  const financing = await prisma.financing.findFirst({ where: { AND: [{ id: financingId }, visibleFinancingsWhere(actor)] } });
  if (!financing) throw new NotFoundError('Financing', financingId);
  return financing;
}

export interface FinancingDecisionActor {
  userId: string;
  partyId: string;
}

const EXPIRY_REASONS: Partial<Record<Financing['status'], string>> = {
  PENDING_ACKNOWLEDGEMENT: 'the core enterprise did not acknowledge the assignment before the deadline',
  PENDING_APPROVAL: 'the funder did not approve before the deadline',
  PENDING_CONFIRMATION: 'the funder did not approve before the deadline',
  FUNDING_PENDING: 'the funder did not fund the financing before the deadline',
};

/**
 * Applies one decision on a financing in one transaction: locks it, checks the side and the
 * state and the deadline, moves it, records the transition, and, when the financing ends
 * before approval, voids its limit holds and gives the receivable back (CONFIRMED, free to
 * finance again). `idempotencyKey` identifies the decision: a retry returns what it produced.
 */
export async function decideFinancing(
  prisma: PrismaClient,
  financingId: string,
  decision: FinancingDecision,
  actor: FinancingDecisionActor | null,
  idempotencyKey: string,
  now = new Date(),
): Promise<Financing> {
  return runTransaction(prisma, (tx) => applyDecision(tx, financingId, decision, actor, idempotencyKey, now));
}

async function applyDecision(tx: Tx, financingId: string, decision: FinancingDecision, actor: FinancingDecisionActor | null, idempotencyKey: string, now: Date): Promise<Financing> {
  const done = await tx.financingTransition.findUnique({ where: { idempotencyKey } });
  if (done) return tx.financing.findUniqueOrThrow({ where: { id: financingId } });
  // Serialises decisions on one financing: an approval racing a withdrawal, a refusal racing expiry.
  await tx.$queryRaw`SELECT id FROM financing WHERE id = ${financingId}::uuid FOR UPDATE`;
  // Again under the lock: a concurrent duplicate of this decision may have just committed.
  if (await tx.financingTransition.findUnique({ where: { idempotencyKey } })) return tx.financing.findUniqueOrThrow({ where: { id: financingId } });
  const financing = await tx.financing.findUnique({ where: { id: financingId } });
  if (!financing) throw new NotFoundError('Financing', financingId);

  const rule = FINANCING_DECISIONS[decision.kind];
  if (rule.side !== 'PLATFORM') {
    // Only the financing's own parties get past "not found"; the wrong side of it gets "forbidden".
    const partyIds = [financing.supplierPartyId, financing.funderPartyId, financing.obligorPartyId];
    if (!actor || !partyIds.includes(actor.partyId)) throw new NotFoundError('Financing', financingId);
    assertMayDecide(financing, decision.kind, actor);
  }
  // Expiry racing a decision: whichever commits first wins, and expiry of a decided financing is a
  // no-op. So is an expiry arriving (late) for a window a decision has since closed: the state the
  // financing is in now has a deadline of its own, not yet passed (an acknowledgement just before
  // its deadline opens the funder's approval window).
  if (decision.kind === 'EXPIRE' && !rule.from.includes(financing.status)) return financing;
  if (decision.kind === 'EXPIRE') {
    const deadline = financing.status === 'FUNDING_PENDING' ? financing.fundingDeadline : deadlineOf(financing.status, financing);
    if (deadline !== null && now.getTime() < deadline.getTime()) return financing;
  }
  const to = assertDecisionAllowed(financing.status, decision.kind);
  assertBeforeDeadline(financing.status, deadlineOf(financing.status, financing), now, decision.kind);

  const data: Prisma.FinancingUpdateInput = { status: to, updatedAt: now };
  let reason: string | null = null;
  switch (decision.kind) {
    case 'ACKNOWLEDGE':
      data.acknowledgedBy = { connect: { id: actor!.userId } };
      data.acknowledgedAt = now;
      data.approvalDeadline = decision.approvalDeadline;
      break;
    case 'APPROVE':
      data.approvedBy = { connect: { id: actor!.userId } };
      data.approvedAt = now;
      break;
    case 'CONFIRM_APPROVAL':
      // The first approval was given on the word of a user who may since have been disabled.
      await assertMakerActive(tx, financing.approvedByUserId, financing.status);
      data.approvalConfirmedBy = { connect: { id: actor!.userId } };
      data.approvalConfirmedAt = now;
      break;
    case 'REFUSE':
    case 'REJECT':
    case 'WITHDRAW':
      reason = decision.reason;
      data.closedReason = decision.reason;
      break;
    case 'EXPIRE':
      reason = EXPIRY_REASONS[financing.status] ?? 'the funder did not approve before the deadline';
      data.closedReason = reason;
      break;
  }
  const updated = await tx.financing.update({ where: { id: financingId }, data });
  await tx.financingTransition.create({
    data: { financingId, fromStatus: financing.status, toStatus: to, actorUserId: actor?.userId ?? null, actorPartyId: actor?.partyId ?? null, reason, idempotencyKey, occurredAt: now },
  });
  if (CLOSED_BEFORE_APPROVAL.includes(to)) await releaseFinancing(tx, updated, actor, now);
  return updated;
}

/**
 * Block → release: the limit reservations are voided (the limits have room again), the
 * receivable returns to CONFIRMED, still encumbered in the registry by its own registration,
 * and the collection account closes: money paid to it from now on is the payer's, parked in
 * suspense for a refund (inbound-store.ts), and everything it holds is moved there now, however
 * it came (parkCollectionOf), so that it closes at zero.
 */
export async function releaseFinancing(tx: Tx, financing: Financing, actor: FinancingDecisionActor | null, now: Date): Promise<void> {
  // Every account this release posts to (the limits, the collection account, suspense), locked
  // at once in the ledger's global order before the first call.
  const suspense = await findAccountByCode(tx, `platform:SUSPENSE:${financing.currency}`);
  await lockFinancingAccounts(tx, financing, suspense ? [suspense.id] : []);
  for (const holdId of financing.limitHoldIds) {
    await voidHold(tx, { holdId, idempotencyKey: `financing:${financing.id}:limit-release:${holdId}` }, now);
  }
  if (financing.collectionAccountId) {
    const detail = `financing ${financing.financingNumber} ended ${financing.status} without disbursement: the money is the payer's, for a refund`;
    await parkCollectionOf(tx, financing, 'FINANCING_ENDED', detail, now);
    await closeAccount(tx, financing.collectionAccountId, now);
  }
  await releaseVoucherPartOfFinancing(tx, financing, now);
  await tx.receivable.update({ where: { id: financing.receivableId }, data: { status: 'CONFIRMED', updatedAt: now } });
  await tx.receivableTransition.create({
    data: {
      receivableId: financing.receivableId,
      financingId: financing.id,
      fromStatus: 'FINANCING_PENDING',
      toStatus: 'CONFIRMED',
      actorUserId: actor?.userId ?? null,
      actorPartyId: actor?.partyId ?? null,
      reason: `financing ${financing.financingNumber} ${financing.status.toLowerCase()}`,
      occurredAt: now,
    },
  });
}
