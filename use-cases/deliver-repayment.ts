import { signalRepaymentReceived } from '../workflows/client/financing-client';
import type { UseCaseContext } from './use-case-context';

/**
 * Money reached a financing's collection account: its workflow is told, and allocates it
 * through the waterfall. Nothing else ever allocates it: once a financing has settled (or
 * ended), the inbound store parks what is paid to its collection account in suspense as an
 * exception for an operator, so a workflow that has ended has nothing to be told.
 */
export async function deliverRepayment(ctx: Pick<UseCaseContext, 'temporal' | 'logger'>, financingId: string, bankReference: string): Promise<void> {
  if (await signalRepaymentReceived(ctx.temporal, financingId)) return;
  ctx.logger.warn({ financingId, bankReference }, 'money reached the collection account of a financing whose workflow has ended');
}
