import { assertPermitted, type Actor } from '../domain/actor';
import { proposeOfflineRepayment } from '../prisma/stores/offline-receipt-store';
import type { UseCaseContext } from './use-case-context';

/** An operator (the maker) records money the core enterprise paid outside the bank feed. Nothing moves until another operator approves it. */
export async function recordOfflineRepayment(ctx: UseCaseContext, actor: Actor, input: { financingId: string; amount: string; bankReference: string; note: string }): Promise<{ offlineRepaymentId: string }> {
  assertPermitted(actor, 'RECORD_OFFLINE_REPAYMENT');
  const row = await proposeOfflineRepayment(ctx.prisma, actor, input);
  ctx.logger.info({ offlineRepaymentId: row.id, financingId: row.financingId }, 'offline repayment recorded');
  return { offlineRepaymentId: row.id };
}
