import type { Currency } from '../../domain/money';

// The distribution of one maturity payment of a voucher (docs/workflows/voucher-maturity.md):
// one workflow per inbound credit booked into a voucher's collection account, id
// `voucher-payment:<inboundCreditId>`, started by the worker's dispatch of undistributed
// credits (use-cases/start-voucher-payments.ts).

export interface DistributeVoucherPaymentInput {
  inboundCreditId: string;
  /**
   * Set when the run continued as new while paying the holders out: the plan is posted and
   * finished, and the holders from this index on are still to be paid out.
   */
  payingOutFrom?: { distributionId: string; holders: number; from: number } | null;
}

/** The plan's answer: written (or found) and its number of batches, or why it must wait. */
export type VoucherPaymentPlan =
  | { kind: 'PLANNED'; distributionId: string; number: number; batches: number }
  | { kind: 'WAIT'; reason: string };

export interface FinishedVoucherPayment {
  voucherStatus: string;
  /** Holders of unfinanced parts who received a share, each to be paid out once. */
  holders: number;
}

/** One holder's payout: its id (the child workflow's), or why the money stays in its settlement account. */
export type VoucherHolderPayout = { partyId: string; amount: string; currency: Currency; payoutId: string } | { partyId: string; amount: string; currency: Currency; payoutId: null; reason: string };

export interface DistributeVoucherPaymentResult {
  distributionId: string;
  voucherStatus: string;
  batches: number;
  payouts: number;
  keptInSettlement: number;
}
