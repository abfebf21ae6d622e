import type { BankAdapter } from '../bank/bank-adapter';
import { pollInboundCredits, type InboundResult } from '../prisma/stores/inbound-store';
import { escalateOverdueReceipts } from '../prisma/stores/offline-receipt-store';
import { deliverWakeUps } from './deliver-wake-ups';
import type { UseCaseContext } from './use-case-context';

export type InboundContext = Pick<UseCaseContext, 'prisma' | 'temporal' | 'logger'> & { bank: BankAdapter };

/**
 * Books the bank's new inbound credits, then wakes the workflows concerned. Each booking
 * recorded its wake-ups in its own transaction (a repayment wakes its financing, a funder's
 * top-up the financings waiting for funding); they are delivered here at once, and by the
 * worker's delivery loop if this process dies first. A credit parked as an exception wakes
 * nobody: an operator decides. Approved offline receipts no bank line has brought in time are
 * escalated to the operators. The worker's poller runs this every few seconds.
 */
export async function bookInboundCredits(ctx: InboundContext): Promise<InboundResult[]> {
  const { prisma, bank, logger } = ctx;
  const results = await pollInboundCredits(prisma, bank);
  for (const { bankReference, credit, exception, financingId, replayed } of results) {
    if (exception) logger.warn({ bankReference, reason: exception.reason, detail: exception.detail, amount: exception.amount, currency: exception.currency, replayed }, 'inbound credit parked as an exception');
    else logger.info({ bankReference, outcome: credit?.outcome, amount: credit?.amount.toFixed(), financingId, replayed }, 'inbound credit booked');
  }
  await deliverWakeUps(ctx);
  // Offline receipts the bank has not brought in time are told to the operators (each once).
  const escalated = await escalateOverdueReceipts(prisma);
  if (escalated > 0) logger.warn({ escalated }, 'approved offline receipts not brought by any bank line: operators told');
  return results;
}
