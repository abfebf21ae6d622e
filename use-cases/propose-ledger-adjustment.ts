import { assertPermitted, type Actor } from '../domain/actor';
import { proposeAdjustment, type ProposeAdjustmentInput } from '../prisma/stores/ledger-adjustment-store';
import type { UseCaseContext } from './use-case-context';

/** An operator (the maker) proposes a manual ledger adjustment. Nothing moves until another operator approves it. */
export async function proposeLedgerAdjustment(ctx: UseCaseContext, actor: Actor, input: ProposeAdjustmentInput): Promise<{ adjustmentId: string }> {
  assertPermitted(actor, 'PROPOSE_LEDGER_ADJUSTMENT');
  const adjustment = await proposeAdjustment(ctx.prisma, actor, input);
  ctx.logger.info({ adjustmentId: adjustment.id }, 'ledger adjustment proposed');
  return { adjustmentId: adjustment.id };
}
