import { allocateCollection } from '../prisma/stores/servicing-store';
import { signalRepaymentReceived } from '../workflows/client/financing-client';
import type { UseCaseContext } from './use-case-context';

/**
 * Money reached a financing's collection account: its workflow is told, and allocates it
 * through the waterfall. When the workflow has ended (a late over-payment after settlement),
 * the money is allocated here instead: the funder is whole, so it all goes back to the supplier.
 */
export async function deliverRepayment(ctx: Pick<UseCaseContext, 'prisma' | 'temporal' | 'logger'>, financingId: string, bankReference: string): Promise<void> {
  if (await signalRepaymentReceived(ctx.temporal, financingId)) return;
  const financing = await ctx.prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
  if (financing.status === 'SETTLED') await allocateCollection(ctx.prisma, financingId, `inbound:${bankReference}:allocation`);
  else ctx.logger.warn({ financingId, status: financing.status, bankReference }, 'money reached the collection account of a financing that is not being serviced; an operator must return it');
}
