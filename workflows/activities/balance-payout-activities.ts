import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { clearAttention, recordAttention } from '../../prisma/stores/attention-store';
import { requestBalancePayout } from '../../prisma/stores/balance-payout-store';
import { storedAmount } from '../../prisma/stores/to-decimal';
import type { Attention, ResumeArgs } from '../contracts/attention';
import type { BalancePayoutStatus, RequestBalancePayoutArgs, RequestedBalancePayout } from '../contracts/balance-payout';
import { formatMoney } from './documents/format-money';

export interface BalancePayoutActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
}

type Outcome = Extract<BalancePayoutStatus, 'SETTLED' | 'FAILED' | 'RETURNED'>;

const OUTCOME_TEXT: Record<Outcome, (reference: string, amount: string, reason: string | null) => { subject: string; body: string }> = {
  SETTLED: (reference, amount) => ({
    subject: `付款已到账 ${reference} / Payout ${reference} paid`,
    body: `${amount} 已汇至贵司登记的银行账户（${reference}）。${amount} was paid to your registered bank account (${reference}).`,
  }),
  FAILED: (reference, amount, reason) => ({
    subject: `付款失败 ${reference} / Payout ${reference} failed`,
    body: `付款 ${reference}（${amount}）未能完成，款项已退回原账户。The payout ${reference} of ${amount} failed and the money is back in the account it left.${reason ? ` (${reason})` : ''}`,
  }),
  RETURNED: (reference, amount, reason) => ({
    subject: `付款被退回 ${reference} / Payout ${reference} returned`,
    body: `收款行退回了付款 ${reference} 的 ${amount}，已记回原账户；未退回部分视为已付。The beneficiary's bank sent back ${amount} of payout ${reference}; it is back in the account it left, and what did not come back stays paid.${reason ? ` (${reason})` : ''}`,
  }),
};

/** The payout of a balance (a withdrawal or a fee sweep): its request, what its party is told, and an operator's attention. */
export function createBalancePayoutActivities({ prisma, logger }: BalancePayoutActivityDependencies) {
  return {
    /** The request, under the id its workflow was started with: checked, in transit, written, in one transaction. */
    async requestBalancePayout(input: RequestBalancePayoutArgs & { payoutId: string; at: Date }): Promise<RequestedBalancePayout> {
      const { payout, replayed } = await requestBalancePayout(prisma, input.actor, { ...input.input, purpose: input.purpose, payoutId: input.payoutId }, input.at);
      logger.info({ payoutId: payout.id, payoutReference: payout.payoutReference, purpose: payout.purpose, replayed }, 'balance payout requested');
      return { payoutId: payout.id, payoutReference: payout.payoutReference, status: payout.status, replayed };
    },

    /** Tells the payout's party how it ended, once per outcome. */
    async notifyBalancePayoutOutcome(input: { payoutId: string; dedupeKey: string }): Promise<void> {
      const payout = await prisma.payout.findUniqueOrThrow({ where: { id: input.payoutId } });
      if (!payout.partyId) throw new Error(`payout ${payout.payoutReference} has no party to tell`);
      if (payout.status !== 'SETTLED' && payout.status !== 'FAILED' && payout.status !== 'RETURNED') throw new Error(`payout ${payout.payoutReference} has not ended (${payout.status})`);
      const amount = formatMoney(storedAmount(payout.status === 'RETURNED' ? (payout.returnedAmount ?? payout.amount) : payout.amount, payout.currency), payout.currency);
      const text = OUTCOME_TEXT[payout.status](payout.payoutReference, amount, payout.failureReason);
      await prisma.notification.createMany({
        data: [{ partyId: payout.partyId, kind: `PAYOUT_${payout.status}`, subject: text.subject, body: text.body.slice(0, 2000), dedupeKey: input.dedupeKey }],
        skipDuplicates: true,
      });
    },

    async recordBalancePayoutAttention(input: { payoutId: string; attention: Attention; dedupeKey: string }): Promise<void> {
      const { payoutReference } = await prisma.payout.findUniqueOrThrow({ where: { id: input.payoutId }, select: { payoutReference: true } });
      const notice = {
        subject: `付款 ${payoutReference} 待人工处理 / Payout ${payoutReference} needs an operator`,
        body:
          `付款 ${payoutReference} 的步骤 ${input.attention.step} 多次重试后仍未完成，流程已暂停，请排查后恢复（resumePayout）。` +
          `Step ${input.attention.step} of payout ${payoutReference} did not complete within its bound and the process waits; find the cause, then resume it with resumePayout. Last failure: ${input.attention.reason}`,
      };
      await recordAttention(prisma, { payoutId: input.payoutId }, input.attention, notice, input.dedupeKey);
      logger.error({ payoutId: input.payoutId, step: input.attention.step, reason: input.attention.reason }, 'payout waits for an operator');
    },

    async clearBalancePayoutAttention(input: { payoutId: string } & ResumeArgs): Promise<void> {
      await clearAttention(prisma, { payoutId: input.payoutId });
      logger.info({ payoutId: input.payoutId, resumedBy: input.actor.userId }, 'payout resumed by an operator');
    },
  };
}
