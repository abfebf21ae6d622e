import type { Actor } from '../../domain/actor';
import { isoDateOfColumn } from '../../domain/business-date';
import { ForbiddenError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../domain/errors';
import { IDEMPOTENCY_KEY_LENGTH_MAX } from '../../domain/ledger-rules';
import { formatAmount, type Currency } from '../../domain/money';
import type { Financing, PrismaClient, Receivable } from '../client';
import { openPartyAccounts } from './chart-of-accounts';
import { creditLimitCode, setCreditLimit } from './credit-limit-store';
import { findAccountByCode, openAccount } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { getHold, postHold, reserveHold, voidHold } from './ledger/holds';
import { priceApplication, programForVoucherHolder } from './program-store';
import { drawRegistrationNumber } from './receivable-store';
import { runTransaction, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';
import { holdsPart } from './voucher-store';

// Financing a voucher part (docs/workflows/voucher-maturity.md, "Financing a part"): the part
// becomes a confirmed receivable of its holder on the issuer, and today's financing flow runs
// on it unchanged. Three small hooks tie the part to that flow: at application the part's whole
// claim is held for the funder (CLAIM → ASSIGNED, a ledger hold: a transfer of the same amount
// racing it finds nothing left); at disbursement the hold is posted (the claim is the funder's);
// when the financing ends before disbursement the hold is voided and the part is free again.

/**
 * The memo account a funder holds a part's assigned claim in: one per part and funder, so that a
 * part one funder declined can be held for another. Accounts opened when there was one per part
 * keep that code (`voucher-part:<part>:ASSIGNED:<currency>`), and are found by it too.
 */
export function assignedAccountCode(partId: string, funderPartyId: string, currency: string): string {
  return `voucher-part:${partId}:ASSIGNED:${funderPartyId}:${currency}`;
}

/** The codes a funder's account for the part may have: its own, or the part's one of before, which that funder opened. */
export function assignedAccountCodes(partId: string, funderPartyId: string, currency: string): string[] {
  return [assignedAccountCode(partId, funderPartyId, currency), `voucher-part:${partId}:ASSIGNED:${currency}`];
}

/** The account in which the part's claim is assigned to this funder, if it was ever opened. */
export async function assignedAccountOf(db: PrismaClient | Tx, partId: string, funderPartyId: string, currency: string): Promise<{ id: string } | null> {
  return db.ledgerAccount.findFirst({ where: { code: { in: assignedAccountCodes(partId, funderPartyId, currency) }, ownerPartyId: funderPartyId }, select: { id: true } });
}

function assignmentHoldKey(partId: string, financingId: string): string {
  return `voucher-part:${partId}:financing:${financingId}:assign`;
}

export interface VoucherFinancingRequest {
  partId: string;
  programId: string;
  /** The application's amount, when preparing for one: checked (decimals, advance rate, tenor) before anything is written. */
  amount?: string;
}

/**
 * What an application for financing of a part needs before today's application runs: the
 * part checked (ACTIVE, the caller's, holding something, none of it paid yet by the issuer's
 * payments: assertPartNotPaidInPart), the program checked (the issuer's,
 * admitting voucher holders, in the voucher's currency), the holder's limit in the program
 * opened on first use at the terms' voucherHolderLimit, and the confirmed receivable for the
 * part (supplier = holder, obligor = issuer, face = confirmed = the held amount, due date =
 * the voucher's). A receivable made for an earlier application that ended before disbursement
 * is used again when it still matches what the part holds. One transaction, under the part's
 * row lock, so that two applications for the same part make one receivable; every refusal of
 * the part comes before anything is written.
 */
export async function prepareVoucherReceivable(prisma: PrismaClient, actor: Actor, request: VoucherFinancingRequest, now = new Date()): Promise<Receivable> {
  return runTransaction(prisma, async (tx) => {
    // Serialises the preparations for one part (two applications at once make one receivable).
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM voucher_part WHERE id = ${request.partId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new NotFoundError('VoucherPart', request.partId);
    const part = await tx.voucherPart.findUniqueOrThrow({ where: { id: request.partId }, include: { voucher: true, transferIn: { select: { approvedAt: true } } } });
    // Another party's part, or one not yet offered to the caller, is not found, exactly like one that does not exist.
    if (!holdsPart(part, actor.partyId)) throw new NotFoundError('VoucherPart', request.partId);
    if (part.status !== 'ACTIVE') throw new WrongStateError(`only an ACTIVE voucher part can be financed; this one is ${part.status}`, part.status);
    if (part.voucher.status !== 'ACTIVE') throw new WrongStateError(`the voucher is ${part.voucher.status}`, part.voucher.status);
    const held = toDecimal(part.heldAmount);
    if (held.lte(0)) throw new WrongStateError('the part holds nothing: all of it was transferred', 'ACTIVE');
    await assertPartNotPaidInPart(tx, part);
    // A program the holder may neither see nor name is answered as an unknown one (programForVoucherHolder).
    const named = await programForVoucherHolder(tx, actor, request.programId, part.voucher.issuerPartyId);
    if (!named || named.program.corePartyId !== part.voucher.issuerPartyId) throw ValidationError.field(['programId'], "the program is not one of the voucher's issuer", 'PROGRAM_OBLIGOR_MISMATCH');
    const { program, terms } = named;
    if (program.currency !== part.currency) throw ValidationError.field(['programId'], `the program finances ${program.currency}, the voucher is in ${part.currency}`, 'CURRENCY_MISMATCH');
    if (!terms.admitsVoucherHolders) throw new ForbiddenError(`${program.code} does not admit voucher holders`, 'VOUCHER_HOLDERS_NOT_ADMITTED');
    const currency = program.currency as Currency;
    // The application's own checks that need no stored row, first: a refused application leaves
    // no receivable, limit or account behind (it is checked again on the receivable).
    if (request.amount !== undefined) priceApplication(request.amount, held, isoDateOfColumn(part.voucher.dueDate), terms, currency, now);
    const scope = { kind: 'SUPPLIER' as const, funderPartyId: program.funderPartyId, programId: program.id, supplierPartyId: part.holderPartyId, currency };
    // An enrolled supplier has its limit already; a holder that is not gets the voucher holders' one, once.
    if (!(await findAccountByCode(tx, creditLimitCode(scope)))) await setCreditLimit(tx, scope, toDecimal(terms.voucherHolderLimit));
    // The advance is paid into the holder's settlement account in the voucher's currency, which
    // only an enrolment in a program of that currency opens otherwise (a holder need not be one).
    await openPartyAccounts(tx, { id: part.holderPartyId, roles: ['SUPPLIER'] }, currency);

    // An earlier receivable of this part that no longer matches what it holds was withdrawn when
    // the part changed (withdrawStaleVoucherReceivables); one from before that rule, now.
    await withdrawStaleVoucherReceivables(tx, part, now);
    const reusable = await tx.receivable.findFirst({ where: { voucherPartId: part.id, status: 'CONFIRMED' }, orderBy: { registeredAt: 'desc' } });
    if (reusable) return reusable;
    const registrationNumber = await drawRegistrationNumber(tx, now);
    const amount = formatAmount(held, currency);
    const idempotencyKey = `voucher-part:${part.id}:receivable:${registrationNumber}`.slice(0, IDEMPOTENCY_KEY_LENGTH_MAX);
    const created = await tx.receivable.create({
      data: {
        registrationNumber,
        supplierPartyId: part.holderPartyId,
        obligorPartyId: part.voucher.issuerPartyId,
        // Its trade background is the part's lineage (its transfers' contracts and invoices).
        contractNumber: part.partNumber,
        currency,
        faceAmount: amount,
        confirmedAmount: amount,
        dueDate: part.voucher.dueDate,
        status: 'CONFIRMED',
        idempotencyKey,
        requestHash: sha256Hex(JSON.stringify([part.id, amount])),
        registeredByUserId: actor.userId,
        registeredAt: now,
        confirmationDeadline: now,
        // The issuer confirmed the debt when it issued the voucher: the voucher is the confirmation.
        confirmedAt: part.voucher.acceptedAt ?? now,
        voucherPartId: part.id,
        updatedAt: now,
      },
    });
    await tx.receivableTransition.create({ data: { receivableId: created.id, toStatus: 'CONFIRMED', actorUserId: actor.userId, actorPartyId: actor.partyId, reason: `voucher part ${part.partNumber} to finance`, occurredAt: now } });
    return created;
  });
}

/**
 * The part's receivables made for earlier applications that ended before disbursement and that
 * no longer match what the part holds (a transfer moved part of it on): withdrawn (CANCELLED,
 * with a history row), at the moment the part changes. Withdrawn later, when the holder applies
 * again, the change would tell the issuer, who sees a receivable an open application named, of
 * an application it may not know of (a silent one).
 */
export async function withdrawStaleVoucherReceivables(tx: Tx, part: { id: string; heldAmount: { toString(): string } }, now: Date): Promise<void> {
  const stale = await tx.receivable.findMany({ where: { voucherPartId: part.id, status: 'CONFIRMED', NOT: { faceAmount: toDecimal(part.heldAmount).toFixed() } }, select: { id: true } });
  for (const { id } of stale) {
    await tx.receivable.update({ where: { id }, data: { status: 'CANCELLED', closedReason: 'the voucher part holds another amount now', updatedAt: now } });
    await tx.receivableTransition.create({ data: { receivableId: id, fromStatus: 'CONFIRMED', toStatus: 'CANCELLED', reason: 'the voucher part holds another amount now', occurredAt: now } });
  }
}

/**
 * Refuses (WRONG_STATE) to let a part of the voucher be offered or financed while an issuer's
 * payment of it is being shared out: the plan (planVoucherDistribution, under the voucher's row
 * lock, which the caller holds too) gives each part's claim to its holder until its batches are
 * posted, and a batch that found the claim held for a recipient or a funder would pay nobody.
 */
export async function assertVoucherNotBeingPaid(tx: Tx, voucher: { id: string; voucherNumber: string }, currentState: string): Promise<void> {
  if ((await tx.voucherDistribution.count({ where: { voucherId: voucher.id, status: 'PLANNED' } })) > 0) {
    throw new WrongStateError(`voucher ${voucher.voucherNumber} is being paid: the issuer's payment is being shared out to its parts`, currentState);
  }
}

/**
 * Refuses (WRONG_STATE) to finance an ACTIVE part the issuer's payments have already reached: a
 * part is financed whole, for its held amount, while what a payment shared out to it is its
 * holder's already, so a funder would be assigned a claim larger than what is still owed on it.
 * A posted share lowers the part's claim account (what the assignment hold draws on) below the
 * held amount; pending holds (an open transfer) do not, and are left to the hold to refuse.
 */
async function assertPartNotPaidInPart(tx: Tx, part: { partNumber: string; currency: string; heldAmount: { toString(): string }; claimAccountId: string; status: string }): Promise<void> {
  const held = toDecimal(part.heldAmount);
  const paid = held.minus((await getBalance(tx, part.claimAccountId)).posted);
  if (paid.lte(0)) return;
  const currency = part.currency as Currency;
  throw new WrongStateError(
    `voucher part ${part.partNumber} has been paid ${formatAmount(paid, currency)} of ${formatAmount(held, currency)} ${currency} by the issuer's payments: the rest is paid to its holder at maturity; it cannot be financed`,
    part.status,
  );
}

/**
 * Hook of the application (financing-store.ts, in its transaction): the part of a voucher
 * receivable goes ACTIVE → FINANCING and its whole held amount is held CLAIM → ASSIGNED. The
 * conditional update admits one application per part; the hold draws on the part's claim
 * account like a transfer's, so of a transfer and a financing of the same amount exactly one
 * finds it there (VOUCHER_PART_UNAVAILABLE for the other). Under the voucher's row lock, which
 * orders it with the plans of the issuer's payments, it is refused while a payment is being
 * shared out (assertVoucherNotBeingPaid) and once a payment has reached the part
 * (assertPartNotPaidInPart), so a payment planned at the same time cannot slip in between.
 */
export async function holdVoucherPartForFinancing(tx: Tx, receivable: Receivable, financing: Financing, now: Date): Promise<void> {
  if (!receivable.voucherPartId) return;
  const part = await tx.voucherPart.findUniqueOrThrow({ where: { id: receivable.voucherPartId }, include: { voucher: { select: { id: true, voucherNumber: true } } } });
  await tx.$queryRaw`SELECT id FROM voucher WHERE id = ${part.voucherId}::uuid FOR UPDATE`;
  await assertVoucherNotBeingPaid(tx, part.voucher, part.status);
  const moved = await tx.voucherPart.updateMany({ where: { id: part.id, status: 'ACTIVE', heldAmount: receivable.faceAmount }, data: { status: 'FINANCING', updatedAt: now } });
  if (moved.count !== 1) throw new WrongStateError(`voucher part ${part.partNumber} is ${part.status} holding ${part.heldAmount.toFixed()}: it cannot be financed as applied for`, part.status);
  // The part is ACTIVE (now FINANCING in this transaction) and no payment of the voucher is being shared out.
  await assertPartNotPaidInPart(tx, part);
  const currency = part.currency as Currency;
  const assigned = (await assignedAccountOf(tx, part.id, financing.funderPartyId, currency)) ?? await openAccount(tx, {
    code: assignedAccountCode(part.id, financing.funderPartyId, currency),
    name: `凭证债权受让 Assigned claim ${part.partNumber} ${currency}`,
    type: 'LIABILITY',
    purpose: 'VOUCHER_ASSIGNED',
    book: 'MEMO',
    currency,
    ownerPartyId: financing.funderPartyId,
  });
  try {
    await reserveHold(
      tx,
      {
        idempotencyKey: assignmentHoldKey(part.id, financing.id),
        code: 'VOUCHER_ASSIGNMENT',
        debitAccountId: part.claimAccountId,
        creditAccountId: assigned.id,
        amount: formatAmount(toDecimal(part.heldAmount), currency),
        currency,
        metadata: { voucherId: part.voucherId, partId: part.id, financingId: financing.id },
      },
      now,
    );
  } catch (error) {
    if (error instanceof LimitExceededError) {
      throw new LimitExceededError('VOUCHER_PART_UNAVAILABLE', `voucher part ${part.partNumber} has an amount held by a pending transfer: it cannot be financed whole`);
    }
    throw error;
  }
}

async function assignmentHoldOf(tx: Tx, financing: Financing) {
  const receivable = await tx.receivable.findUniqueOrThrow({ where: { id: financing.receivableId }, select: { voucherPartId: true } });
  if (!receivable.voucherPartId) return null;
  const row = await tx.ledgerHold.findUnique({ where: { idempotencyKey: assignmentHoldKey(receivable.voucherPartId, financing.id) }, select: { id: true } });
  if (!row) throw new Error(`financing ${financing.financingNumber} of voucher part ${receivable.voucherPartId} has no assignment hold`);
  return { partId: receivable.voucherPartId, hold: await getHold(tx, row.id) };
}

/** Hook of the disbursement (disbursement-store.ts, in its transaction): the claim is the funder's now; the part is FINANCED. */
export async function assignVoucherPartAtDisbursement(tx: Tx, financing: Financing, now: Date): Promise<void> {
  const found = await assignmentHoldOf(tx, financing);
  if (!found) return;
  await postHold(tx, { holdId: found.hold!.id, idempotencyKey: `${assignmentHoldKey(found.partId, financing.id)}:post`, code: 'VOUCHER_ASSIGNED', metadata: { financingId: financing.id, partId: found.partId } }, now);
  await tx.voucherPart.updateMany({ where: { id: found.partId, status: 'FINANCING' }, data: { status: 'FINANCED', updatedAt: now } });
}

/** Hook of a financing that ends before disbursement (financing-store.ts releaseFinancing): the part is free again. */
export async function releaseVoucherPartOfFinancing(tx: Tx, financing: Financing, now: Date): Promise<void> {
  const found = await assignmentHoldOf(tx, financing);
  if (!found) return;
  if (found.hold!.status === 'PENDING') await voidHold(tx, { holdId: found.hold!.id, idempotencyKey: `${assignmentHoldKey(found.partId, financing.id)}:void` }, now);
  await tx.voucherPart.updateMany({ where: { id: found.partId, status: 'FINANCING' }, data: { status: 'ACTIVE', updatedAt: now } });
}
