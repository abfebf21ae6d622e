import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FinancingDecision, FinancingStatus } from '../../domain/financing-rules';
import type { PartyRole, UserRole } from '../../prisma/generated/client/enums';
import type { IsoDate } from '../../domain/business-date';
import type { ActorRef, ReasonArgs } from './receivable';

export type { FinancingDecision, FinancingStatus } from '../../domain/financing-rules';

export interface FinancingWorkflowInput {
  financingId: string;
  financingNumber: string;
  assignmentMode: 'OPEN' | 'SILENT';
  /** OPEN only: the financing expires if the core enterprise has not acknowledged by then. */
  acknowledgementDeadline: Date | null;
  /** SILENT only (set at application); under OPEN it starts when the assignment is acknowledged. */
  approvalDeadline: Date | null;
  /** How long the funder has to approve and confirm once the assignment is acknowledged. */
  approvalWindowMs: number;
  /** How long an approved financing waits for the funder's account to cover it. */
  fundingWindowMs: number;
  /** The servicing calendar, fixed when the financing was priced. */
  dueDate: IsoDate;
  graceDays: number;
  /** Recourse to the supplier this many days after the due date; null without recourse. */
  recourseAfterDays: number | null;
  /** Set when the workflow continues as new during servicing (long overdue financings). */
  resumeServicing?: { recourseDone: boolean } | null;
}

export interface FinancingState {
  status: FinancingStatus;
  approvalDeadline: Date | null;
}

export interface ActorArgs {
  actor: ActorRef;
}

export const acknowledgeAssignmentUpdate = defineUpdate<FinancingState, [ActorArgs]>('acknowledgeAssignment');
export const refuseAssignmentUpdate = defineUpdate<FinancingState, [ReasonArgs]>('refuseAssignment');
export const approveFinancingUpdate = defineUpdate<FinancingState, [ActorArgs]>('approveFinancing');
export const confirmApprovalUpdate = defineUpdate<FinancingState, [ActorArgs]>('confirmApproval');
export const rejectFinancingUpdate = defineUpdate<FinancingState, [ReasonArgs]>('rejectFinancing');
export const withdrawFinancingUpdate = defineUpdate<FinancingState, [ReasonArgs]>('withdrawFinancing');
export const financingStateQuery = defineQuery<FinancingState>('financingState');

/** Money reached the financing's collection account (sent by the inbound matcher). */
export const repaymentReceivedSignal = defineSignal('repaymentReceived');
/** The funder's funding account was topped up: a financing waiting for funding tries again. */
export const fundingAvailableSignal = defineSignal('fundingAvailable');

/** Who retries a payout: the store checks the roles again. */
export interface RetryPayoutArgs {
  actor: ActorRef & { partyRoles: PartyRole[]; userRoles: UserRole[] };
}
export const retryPayoutUpdate = defineUpdate<{ payoutId: string }, [RetryPayoutArgs]>('retryPayout');

/** The Update that carries each person's decision. */
export const FINANCING_UPDATES = {
  ACKNOWLEDGE: acknowledgeAssignmentUpdate,
  REFUSE: refuseAssignmentUpdate,
  APPROVE: approveFinancingUpdate,
  CONFIRM_APPROVAL: confirmApprovalUpdate,
  REJECT: rejectFinancingUpdate,
  WITHDRAW: withdrawFinancingUpdate,
} as const satisfies Record<Exclude<FinancingDecision['kind'], 'EXPIRE'>, unknown>;

export type FinancingNotificationKind =
  | 'ACKNOWLEDGEMENT_REQUESTED'
  | 'ASSIGNMENT_ACKNOWLEDGED'
  | 'ASSIGNMENT_REFUSED'
  | 'APPROVAL_REQUESTED'
  | 'APPROVAL_CONFIRMATION_REQUESTED'
  | 'FINANCING_APPROVED'
  | 'FINANCING_REJECTED'
  | 'FINANCING_WITHDRAWN'
  | 'FINANCING_EXPIRED'
  | 'FUNDING_REQUIRED'
  | 'FINANCING_DISBURSED'
  | 'PAYOUT_FAILED'
  | 'FINANCING_OVERDUE'
  | 'RECOURSE_CLAIMED'
  | 'FINANCING_SETTLED';

export type FinancingDocumentKind = 'NOTICE_OF_ASSIGNMENT' | 'ASSIGNMENT_ACKNOWLEDGEMENT' | 'FINANCING_TERMS' | 'SETTLEMENT_STATEMENT';
