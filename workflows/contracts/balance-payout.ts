import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/actor';
import type { BalancePayoutPurpose } from '../../domain/balance-payout-rules';
import type { Attention, ResumeArgs, Resumed } from './attention';

// A balance paid out to its owner's own bank account: a supplier's withdrawal or the platform's
// fee sweep; or money held in suspense refunded to its payer (docs/workflows/balance-payout.md).
// One workflow per payout, id `payout:<payoutId>`, started with its request (for a refund, the
// checker's approval) as the first Update (update-with-start), like an application.

export type BalancePayoutStatus = 'SUBMITTED' | 'PENDING' | 'UNKNOWN' | 'SETTLED' | 'FAILED' | 'RETURNED';

export interface BalancePayoutWorkflowInput {
  payoutId: string;
  /**
   * Set when the run continued as new while following the payout: it exists, and it is asked
   * about (never sent again before the bank is asked). `watchedDays` counts the days a settled
   * payout was already watched for a return; null while the bank has not finished it.
   */
  following?: { watchedDays: number | null } | null;
}

export interface RequestBalancePayoutArgs {
  actor: Actor;
  purpose: BalancePayoutPurpose;
  input: {
    /** A decimal string; null for a sweep of all the fee income there is. */
    amount: string | null;
    currency: string;
    idempotencyKey: string;
  };
}

/** The request's answer: the payout, and whether it was a repeat of an earlier request. */
export interface RequestedBalancePayout {
  payoutId: string;
  payoutReference: string;
  status: BalancePayoutStatus;
  replayed: boolean;
}

export const requestBalancePayoutUpdate = defineUpdate<RequestedBalancePayout, [RequestBalancePayoutArgs]>('requestBalancePayout');

/** A checker approves an operator's proposal to refund an inbound exception's money to its payer. */
export interface ApproveRefundArgs {
  actor: Actor;
  exceptionId: string;
}

/** The approval of a refund is the request of its payout: suspense to transit, the payout written, the exception RESOLVED. */
export const approveRefundUpdate = defineUpdate<RequestedBalancePayout, [ApproveRefundArgs]>('approveRefund');
/** Where the payout stands as the workflow knows it. */
export const balancePayoutStatusQuery = defineQuery<BalancePayoutStatus | null>('balancePayoutStatus');
/** The step that reached its bound and waits for an operator; null when none waits. */
export const balancePayoutAttentionQuery = defineQuery<Attention | null>('balancePayoutAttention');
/** An operator tries the waiting step again. */
export const resumeBalancePayoutUpdate = defineUpdate<Resumed, [ResumeArgs]>('resumeBalancePayout');
