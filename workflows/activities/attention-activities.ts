import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { clearAttention, recordAttention } from '../../prisma/stores/attention-store';
import type { Attention, ResumeArgs } from '../contracts/attention';

export interface AttentionActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

/** What the operators' inbox says: which object, which step, why, and what to do. */
function noticeOf(kind: { zh: string; en: string; mutation: string }, number: string, attention: Attention) {
  return {
    subject: `${kind.zh} ${number} 待人工处理 / ${kind.en} ${number} needs an operator`,
    body:
      `${kind.zh} ${number} 的步骤 ${attention.step} 多次重试后仍未完成，流程已暂停，请排查后恢复（${kind.mutation}）。` +
      `Step ${attention.step} of ${kind.en.toLowerCase()} ${number} did not complete within its bound and the process waits; find the cause, then resume it with ${kind.mutation}. Last failure: ${attention.reason}`,
  };
}

const FINANCING = { zh: '融资', en: 'Financing', mutation: 'resumeFinancing' };
const RECEIVABLE = { zh: '应收账款', en: 'Receivable', mutation: 'resumeReceivable' };

/** Marking a workflow step that waits for an operator, and clearing it when one resumes. */
export function createAttentionActivities({ prisma, logger }: AttentionActivityDependencies) {
  return {
    async recordFinancingAttention(input: { financingId: string; attention: Attention; dedupeKey: string }): Promise<void> {
      const { financingNumber } = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId }, select: { financingNumber: true } });
      await recordAttention(prisma, { financingId: input.financingId }, input.attention, noticeOf(FINANCING, financingNumber, input.attention), input.dedupeKey);
      logger.error({ financingId: input.financingId, step: input.attention.step, reason: input.attention.reason }, 'financing waits for an operator');
    },

    async clearFinancingAttention(input: { financingId: string } & ResumeArgs): Promise<void> {
      await clearAttention(prisma, { financingId: input.financingId });
      logger.info({ financingId: input.financingId, resumedBy: input.actor.userId }, 'financing resumed by an operator');
    },

    async recordReceivableAttention(input: { receivableId: string; attention: Attention; dedupeKey: string }): Promise<void> {
      const { registrationNumber } = await prisma.receivable.findUniqueOrThrow({ where: { id: input.receivableId }, select: { registrationNumber: true } });
      await recordAttention(prisma, { receivableId: input.receivableId }, input.attention, noticeOf(RECEIVABLE, registrationNumber, input.attention), input.dedupeKey);
      logger.error({ receivableId: input.receivableId, step: input.attention.step, reason: input.attention.reason }, 'receivable waits for an operator');
    },

    async clearReceivableAttention(input: { receivableId: string } & ResumeArgs): Promise<void> {
      await clearAttention(prisma, { receivableId: input.receivableId });
      logger.info({ receivableId: input.receivableId, resumedBy: input.actor.userId }, 'receivable resumed by an operator');
    },
  };
}
