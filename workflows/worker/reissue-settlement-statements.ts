import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { statementsAwaitingReissue } from '../activities/documents/store-document';
import { createFinancingActivities } from '../activities/financing-activities';

/**
 * Issues the next version of every settlement statement superseded since it was issued (recourse
 * returned to the supplier after settlement, docs/documents.md): the financing's workflow has
 * ended by then, so the worker does it here (on its own loop), and the API process renders
 * nothing. The parties were told in the transaction that superseded it. One that cannot be drawn
 * is logged and tried again on the next turn; it does not hold back the others. Returns how many
 * were issued.
 */
export async function reissueSettlementStatements(ctx: { prisma: PrismaClient; logger: Logger }): Promise<number> {
  const activities = createFinancingActivities(ctx);
  let issued = 0;
  let failed = 0;
  for (const financingId of await statementsAwaitingReissue(ctx.prisma)) {
    try {
      await activities.generateFinancingDocument({ financingId, kind: 'SETTLEMENT_STATEMENT' });
      issued += 1;
    } catch (error) {
      failed += 1;
      ctx.logger.error({ err: error, financingId }, 'settlement statement not reissued; tried again on the next turn');
    }
  }
  if (issued > 0 || failed > 0) ctx.logger.info({ issued, failed }, 'settlement statements reissued');
  return issued;
}
