import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActorRef } from './receivable';

// The messages of a voucher transfer's acceptance workflow (docs/workflows/voucher-acceptance.md),
// shared by the API and the worker. The issue is a transfer too (from the issuer, no from part).

export type VoucherTransferStatus = 'PENDING_APPROVAL' | 'PENDING_ACCEPTANCE' | 'ACCEPTED' | 'REJECTED' | 'CANCELLED' | 'REFUSED' | 'EXPIRED' | 'RECIPIENT_NAME_MISMATCH';

export interface VoucherAcceptanceInput {
  transferId: string;
  /** When the transfer was proposed, and when it lapses if nobody decided (fixed at proposal). */
  proposedAt: Date;
  acceptanceDeadline: Date;
  /** When to remind the recipient, in milliseconds after the proposal. */
  reminderOffsetsMs: number[];
}

/** A decision by a person, or the clock. */
export type VoucherTransferDecision =
  | { kind: 'APPROVE' }
  | { kind: 'REJECT'; reason: string }
  | { kind: 'CANCEL'; reason: string }
  | { kind: 'ACCEPT' }
  | { kind: 'REFUSE'; reason: string }
  | { kind: 'EXPIRE' };

/** The acting user, with what the four-eyes rule needs to know of it. */
export interface VoucherDecider extends ActorRef {
  administeredBy?: string[];
  administers?: string[];
}

export interface VoucherDecisionArgs {
  actor: VoucherDecider;
}

export interface VoucherReasonArgs extends VoucherDecisionArgs {
  reason: string;
}

export interface VoucherTransferState {
  status: VoucherTransferStatus;
}

export type VoucherNotificationKind =
  | 'VOUCHER_TRANSFER_OFFERED'
  | 'VOUCHER_TRANSFER_REMINDER'
  | 'VOUCHER_TRANSFER_ACCEPTED'
  | 'VOUCHER_TRANSFER_REFUSED'
  | 'VOUCHER_TRANSFER_EXPIRED'
  | 'VOUCHER_TRANSFER_REJECTED'
  | 'VOUCHER_TRANSFER_CANCELLED'
  | 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH';

/** A transfer the database ended without a person's decision through the workflow (the recipient registered under another name). */
export interface VoucherTransferEndedArgs {
  status: 'RECIPIENT_NAME_MISMATCH';
}

/** Asks the platform's document workflow to render an accepted transfer's certificate that is missing. */
export interface TransferCertificateInput {
  transferId: string;
}

/** The stored certificate: the one already there, or the one just rendered. */
export interface TransferCertificateStored {
  documentId: string;
  sha256: string;
}

export const approveVoucherTransferUpdate = defineUpdate<VoucherTransferState, [VoucherDecisionArgs]>('approveVoucherTransfer');
export const rejectVoucherTransferUpdate = defineUpdate<VoucherTransferState, [VoucherReasonArgs]>('rejectVoucherTransfer');
export const cancelVoucherTransferUpdate = defineUpdate<VoucherTransferState, [VoucherReasonArgs]>('cancelVoucherTransfer');
export const acceptVoucherTransferUpdate = defineUpdate<VoucherTransferState, [VoucherDecisionArgs]>('acceptVoucherTransfer');
export const refuseVoucherTransferUpdate = defineUpdate<VoucherTransferState, [VoucherReasonArgs]>('refuseVoucherTransfer');
/**
 * The database ended the transfer outside the workflow (a signal, not an Update: the change is
 * already committed and nothing is asked of the workflow but to stop waiting and announce it).
 */
export const voucherTransferEndedSignal = defineSignal<[VoucherTransferEndedArgs]>('voucherTransferEnded');
export const voucherTransferStateQuery = defineQuery<VoucherTransferState>('voucherTransferState');
