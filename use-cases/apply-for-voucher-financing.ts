import { assertPermitted, type Actor } from '../domain/actor';
import { ConflictError } from '../domain/errors';
import { applicationIdempotencyKey } from '../prisma/stores/financing-store';
import { prepareVoucherReceivable } from '../prisma/stores/voucher-financing-store';
import { applyForFinancing } from './apply-for-financing';
import type { UseCaseContext } from './use-case-context';

export interface VoucherFinancingInput {
  partId: string;
  programId: string;
  amount: string;
  idempotencyKey: string;
}

/**
 * The holder of an ACTIVE voucher part applies to finance it (docs/workflows/voucher-maturity.md):
 * the part becomes a confirmed receivable of the holder on the issuer (prepareVoucherReceivable),
 * then today's application runs on that receivable unchanged: the same quote, limits (the
 * holder's is its supplier limit in the program), holds and workflow. The application's own
 * transaction moves the part to FINANCING and holds its claim for the funder.
 */
export async function applyForVoucherFinancing(ctx: UseCaseContext, actor: Actor, input: VoucherFinancingInput): Promise<{ financingId: string; receivableId: string; replayed: boolean }> {
  assertPermitted(actor, 'APPLY_FOR_FINANCING');
  // A repeat after the part moved to FINANCING is answered with the first financing, not refused for the part's state.
  const earlier = await ctx.prisma.financing.findUnique({
    where: { supplierPartyId_idempotencyKey: { supplierPartyId: actor.partyId, idempotencyKey: applicationIdempotencyKey(input.idempotencyKey) } },
    include: { receivable: { select: { voucherPartId: true } } },
  });
  if (earlier && earlier.receivable.voucherPartId === input.partId) {
    const replay = await applyForFinancing(ctx, actor, { receivableId: earlier.receivableId, programId: input.programId, amount: input.amount, idempotencyKey: input.idempotencyKey });
    return { ...replay, receivableId: earlier.receivableId };
  }
  // The key of another application is refused before the part's receivable is written.
  if (earlier) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(earlier.idempotencyKey)} was used for a different application (${earlier.financingNumber})`);
  const receivable = await prepareVoucherReceivable(ctx.prisma, actor, { partId: input.partId, programId: input.programId, amount: input.amount });
  const applied = await applyForFinancing(ctx, actor, { receivableId: receivable.id, programId: input.programId, amount: input.amount, idempotencyKey: input.idempotencyKey });
  return { ...applied, receivableId: receivable.id };
}
