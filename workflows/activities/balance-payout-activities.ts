import type { Logger } from 'pino';
import type { PrismaClient } from '../../prisma/client';
import { clearAttention, recordAttention } from '../../prisma/stores/attention-store';
import { requestBalancePayout } from '../../prisma/stores/balance-payout-store';
import { approveExceptionRefund } from '../../prisma/stores/inbound-exception-store';
import { storedAmount } from '../../prisma/stores/to-decimal';
import type { Attention, ResumeArgs } from '../contracts/attention';
import type { ApproveRefundArgs, BalancePayoutStatus, RequestBalancePayoutArgs, RequestedBalancePayout } from '../contracts/balance-payout';
import { formatMoney } from './documents/format-money';
import { notifyOperators } from '../../prisma/stores/operator-notices';

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

// A refund's payee is the payer, who is not a party of the platform: the operators, who act on
// the exception again when a refund comes back, are told instead.
const REFUND_OUTCOME_TEXT: Record<Outcome, (reference: string, amount: string, reason: string | null) => { subject: string; body: string }> = {
  SETTLED: (reference, amount) => ({
    subject: `退款已到账 ${reference} / Refund ${reference} paid`,
    body: `退款 ${reference}（${amount}）已汇至付款人账户。The refund ${reference} of ${amount} was paid to the payer's account.`,
  }),
  FAILED: (reference, amount, reason) => ({
    subject: `退款失败 ${reference} / Refund ${reference} failed`,
    body: `退款 ${reference}（${amount}）未能完成，款项已回到挂账，异常重新待处理。The refund ${reference} of ${amount} failed: the money is back in suspense and its inbound exception is OPEN again for an operator.${reason ? ` (${reason})` : ''}`,
  }),
  RETURNED: (reference, amount, reason) => ({
    subject: `退款被退回 ${reference} / Refund ${reference} returned`,
    body: `付款人银行退回了退款 ${reference} 的 ${amount}，已回到挂账，异常重新待处理。The payer's bank sent back ${amount} of refund ${reference}: it is back in suspense and its inbound exception is OPEN again for an operator.${reason ? ` (${reason})` : ''}`,
  }),
};

/** The payout of a balance (a withdrawal, a fee sweep or a refund): its request, who is told of it, and an operator's attention. */
export function createBalancePayoutActivities({ prisma, logger }: BalancePayoutActivityDependencies) {
  return {
    /** The request, under the id its workflow was started with: checked, in transit, written, in one transaction. */
    async requestBalancePayout(input: RequestBalancePayoutArgs & { payoutId: string; at: Date }): Promise<RequestedBalancePayout> {
      const { payout, replayed } = await requestBalancePayout(prisma, input.actor, { ...input.input, purpose: input.purpose, payoutId: input.payoutId }, input.at);
      logger.info({ payoutId: payout.id, payoutReference: payout.payoutReference, purpose: payout.purpose, replayed }, 'balance payout requested');
      return { payoutId: payout.id, payoutReference: payout.payoutReference, status: payout.status, replayed };
    },

    /** The checker's approval of a refund, under the id its workflow was started with: in transit, written, the exception RESOLVED, in one transaction. */
    async approveRefund(input: ApproveRefundArgs & { payoutId: string; at: Date }): Promise<RequestedBalancePayout> {
      const { payout, replayed } = await approveExceptionRefund(prisma, input.actor, input.exceptionId, input.payoutId, input.at);
      logger.info({ payoutId: payout.id, payoutReference: payout.payoutReference, exceptionId: input.exceptionId, replayed }, 'refund approved');
      return { payoutId: payout.id, payoutReference: payout.payoutReference, status: payout.status, replayed };
    },

    /** Tells the payout's party how it ended, once per outcome; a refund's, every operator party. */
    async notifyBalancePayoutOutcome(input: { payoutId: string; dedupeKey: string }): Promise<void> {
      const payout = await prisma.payout.findUniqueOrThrow({ where: { id: input.payoutId } });
      if (payout.status !== 'SETTLED' && payout.status !== 'FAILED' && payout.status !== 'RETURNED') throw new Error(`payout ${payout.payoutReference} has not ended (${payout.status})`);
      const amount = formatMoney(storedAmount(payout.status === 'RETURNED' ? (payout.returnedAmount ?? payout.amount) : payout.amount, payout.currency), payout.currency);
      const refund = payout.purpose === 'REFUND';
      const text = (refund ? REFUND_OUTCOME_TEXT : OUTCOME_TEXT)[payout.status](payout.payoutReference, amount, payout.failureReason);
      const notice = { kind: `${refund ? 'REFUND' : 'PAYOUT'}_${payout.status}`, subject: text.subject, body: text.body.slice(0, 2000) };
      if (refund) {
        await notifyOperators(prisma, notice, input.dedupeKey);
        return;
      }
      if (!payout.partyId) throw new Error(`payout ${payout.payoutReference} has no party to tell`);
      await prisma.notification.createMany({ data: [{ ...notice, partyId: payout.partyId, dedupeKey: input.dedupeKey }], skipDuplicates: true });
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
