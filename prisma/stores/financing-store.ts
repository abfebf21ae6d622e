import { ConflictError, ForbiddenError, LimitExceededError, ValidationError, WrongStateError } from '../../workflows/domain/errors';
import { formatAmount } from '../../workflows/domain/money';
import { IDEMPOTENCY_KEY_LENGTH_MAX } from '../../workflows/domain/receivable-rules';
import { Prisma, type Financing, type PrismaClient } from '../client';
import { dateColumn } from '../../workflows/domain/business-date';
import { creditLimitCode } from './credit-limit-store';
import { findAccountByCode, reserveHold } from './ledger-store';
import type { Actor } from './party-store';
import { quoteFinancing } from './program-store';
import { sha256Hex } from './sha256-hex';
import { isUniqueViolation } from './unique-violation';

const TRANSACTION_TIMEOUT_MS = 15_000;
const RETRIES_MAX = 3;

export interface ApplyInput {
  receivableId: string;
  programId: string;
  amount: string;
  idempotencyKey: string;
}

export interface ApplyResult {
  financing: Financing;
  replayed: boolean;
}

function isRetryable(error: unknown): boolean {
  const text = error instanceof Error ? error.message : '';
  return (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2034') || /40P01|40001|deadlock detected|could not serialize/.test(text);
}

/**
 * A supplier's application: every check of the quote, then, in one database transaction,
 * the financing with the quoted figures and the terms version they came from, a hold on each
 * of the three limits (program, obligor, supplier) for the principal, and the receivable
 * moved to FINANCING_PENDING. A limit without room refuses the whole application
 * (LIMIT_EXCEEDED); the holds are the reservation, so concurrent applications can never
 * together exceed a limit. Repeating the request with the same key returns the same financing.
 */
export async function applyForFinancing(prisma: PrismaClient, actor: Actor, input: ApplyInput, now = new Date()): Promise<ApplyResult> {
  if (!actor.partyRoles.includes('SUPPLIER')) throw new ForbiddenError('only a supplier can apply for financing');
  if (!actor.userRoles.includes('MAKER') && !actor.userRoles.includes('ADMIN')) throw new ForbiddenError('applying for financing needs the MAKER role');
  const idempotencyKey = input.idempotencyKey.trim();
  if (idempotencyKey.length === 0 || idempotencyKey.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    throw ValidationError.field(['idempotencyKey'], `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} characters`);
  }
  const requestHash = sha256Hex(JSON.stringify([input.receivableId, input.programId, input.amount.trim()]));
  const replay = async (): Promise<ApplyResult | undefined> => {
    const existing = await prisma.financing.findUnique({ where: { supplierPartyId_idempotencyKey: { supplierPartyId: actor.partyId, idempotencyKey } } });
    if (!existing) return undefined;
    if (existing.requestHash !== requestHash) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(idempotencyKey)} was used for a different application (${existing.financingNumber})`);
    return { financing: existing, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;

  const quoted = await quoteFinancing(prisma, actor, input, now);
  const { quote, currency, terms, program, receivable } = quoted;
  if (receivable.supplierPartyId !== actor.partyId) throw new ForbiddenError('only the receivable\'s supplier can apply to finance it');

  for (let attempt = 1; ; attempt += 1) {
    try {
      const financing = await prisma.$transaction(
        async (tx) => {
          // The receivable's row lock orders applications for the same receivable; its state is checked under it.
          await tx.$queryRaw`SELECT id FROM receivable WHERE id = ${receivable.id}::uuid FOR UPDATE`;
          const current = await tx.receivable.findUniqueOrThrow({ where: { id: receivable.id } });
          if (current.status !== 'CONFIRMED') throw new WrongStateError(`only a CONFIRMED receivable can be financed; this one is ${current.status}`, current.status);
          const [{ nextval }] = await tx.$queryRaw<[{ nextval: bigint }]>`SELECT nextval('financing_number_seq')`;
          const financingNumber = `FIN-${now.getUTCFullYear()}-${String(nextval).padStart(8, '0')}`;
          const created = await tx.financing.create({
            data: {
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
              status: terms.assignmentMode === 'OPEN' ? 'PENDING_ACKNOWLEDGEMENT' : 'PENDING_APPROVAL',
              limitHoldIds: [],
              idempotencyKey,
              requestHash,
              appliedByUserId: actor.userId,
              appliedAt: now,
              updatedAt: now,
            },
          });
          const control = await findAccountByCode(tx, `platform:LIMIT_CONTROL:${currency}`);
          const holdIds: string[] = [];
          const scopes = [
            { kind: 'PROGRAM' as const, programId: program.id },
            { kind: 'OBLIGOR' as const, obligorPartyId: program.corePartyId },
            { kind: 'SUPPLIER' as const, programId: program.id, supplierPartyId: receivable.supplierPartyId },
          ];
          for (const scope of scopes) {
            const account = await findAccountByCode(tx, creditLimitCode({ ...scope, funderPartyId: program.funderPartyId, currency }));
            if (!account || !control) throw new Error(`limit account for ${scope.kind} is missing in ${program.code}`);
            try {
              const hold = await reserveHold(
                tx,
                { idempotencyKey: `financing:${created.id}:limit:${scope.kind}`, code: 'LIMIT_RESERVATION', debitAccountId: account.id, creditAccountId: control.id, amount: formatAmount(quote.principal, currency), currency, metadata: { financingId: created.id, kind: scope.kind } },
                now,
              );
              holdIds.push(hold.holdId);
            } catch (error) {
              if (error instanceof LimitExceededError) {
                throw new LimitExceededError('LIMIT_EXCEEDED', `the ${scope.kind.toLowerCase()} limit has no room for ${formatAmount(quote.principal, currency)} ${currency}`);
              }
              throw error;
            }
          }
          await tx.receivable.update({ where: { id: receivable.id }, data: { status: 'FINANCING_PENDING', updatedAt: now } });
          await tx.receivableTransition.create({
            data: { receivableId: receivable.id, fromStatus: 'CONFIRMED', toStatus: 'FINANCING_PENDING', actorUserId: actor.userId, actorPartyId: actor.partyId, reason: `financing ${financingNumber} applied for`, occurredAt: now },
          });
          await tx.financingTransition.create({ data: { financingId: created.id, toStatus: created.status, actorUserId: actor.userId, actorPartyId: actor.partyId, occurredAt: now } });
          return tx.financing.update({ where: { id: created.id }, data: { limitHoldIds: holdIds } });
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
      return { financing, replayed: false };
    } catch (error) {
      if (isUniqueViolation(error)) {
        const raced = await replay();
        if (raced) return raced;
        const current = await prisma.receivable.findUniqueOrThrow({ where: { id: receivable.id } });
        throw new WrongStateError(`the receivable is already in another financing (${current.status})`, current.status);
      }
      if (attempt < RETRIES_MAX && isRetryable(error)) continue;
      throw error;
    }
  }
}
