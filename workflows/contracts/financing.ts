import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/actor';
import type { Attention, ResumeArgs, Resumed } from './attention';
import type { FinancingDecision, FinancingStatus } from '../../domain/financing-rules';
import { isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import type { ActorRef, ReasonArgs } from './receivable';

export type { FinancingDecision, FinancingStatus } from '../../domain/financing-rules';

/** What the application fixed: who must answer by when, and the servicing calendar. */
export interface FinancingOrigination {
  financingNumber: string;
  assignmentMode: 'OPEN' | 'SILENT';
  /** OPEN only: the financing expires if the core enterprise has not acknowledged by then. */
  acknowledgementDeadline: Date | null;
  /** SILENT only (set at application); under OPEN it starts when the assignment is acknowledged. */
  approvalDeadline: Date | null;
  /** The servicing calendar, fixed when the financing was priced. */
  dueDate: IsoDate;
  graceDays: number;
  /** Recourse to the supplier this many days after the due date; null without recourse. */
  recourseAfterDays: number | null;
}

/** The origination of a financing as its row and its terms hold it (what the application fixed). */
export function originationOf(
  financing: { financingNumber: string; acknowledgementDeadline: Date | null; approvalDeadline: Date | null; dueDate: Date },
  terms: { assignmentMode: 'OPEN' | 'SILENT'; graceDays: number; recourse: boolean; recourseAfterDays: number | null },
): FinancingOrigination {
  return {
    financingNumber: financing.financingNumber,
    assignmentMode: terms.assignmentMode,
    acknowledgementDeadline: financing.acknowledgementDeadline,
    approvalDeadline: financing.approvalDeadline,
    dueDate: isoDateOfColumn(financing.dueDate),
    graceDays: terms.graceDays,
    recourseAfterDays: terms.recourse ? terms.recourseAfterDays : null,
  };
}

/**
 * A financing's workflow starts with its application: the API sends `applyForFinancing` as the
 * workflow's first Update (update-with-start), and the Update performs the application, so a
 * financing never exists without its workflow. The id is chosen before the row exists (derived
 * from the supplier and its idempotency key). A run that continued as new, or was started by an
 * older version, carries the origination in its input instead.
 */
export interface FinancingWorkflowInput extends Partial<FinancingOrigination> {
  financingId: string;
  /** How long the core enterprise has to acknowledge (from the application). */
  acknowledgementWindowMs?: number;
  /** How long the funder has to approve and confirm once the assignment is acknowledged. */
  approvalWindowMs: number;
  /** How long an approved financing waits for the funder's account to cover it. */
  fundingWindowMs: number;
  /** Set when the workflow continues as new after disbursement: where servicing and the payout stood. */
  resumeServicing?: ResumeServicing | null;
}

/**
 * Where a payout stood when its run continued as new (docs/workflows/financing.md, "Bounded
 * histories"): about to be sent, sent and followed until the bank finishes it (asked again
 * after `pollDelayMs`), settled and watched for a return for `daysWatched` days so far, failed
 * or returned and waiting for a person's retry, or done.
 */
export type PayoutProgress =
  | { step: 'SUBMITTING'; payoutId: string }
  | { step: 'FOLLOWING'; payoutId: string; pollDelayMs: number }
  | { step: 'WATCHING'; payoutId: string; daysWatched: number }
  | { step: 'AWAITING_RETRY' }
  | { step: 'DONE' };

/** What a run continued as new after disbursement carries. */
export interface ResumeServicing {
  recourseDone: boolean;
  /** Settled, and the settlement told: the run only waits for the payout. Absent before bounded histories. */
  settled?: boolean;
  /** The parties were told the financing is overdue. */
  overdueTold?: boolean;
  /** Absent in runs continued before bounded histories: those continued only once the payout was done. */
  payout?: PayoutProgress;
}

export interface ApplicationInput {
  receivableId: string;
  programId: string;
  /** The principal, a decimal string. */
  amount: string;
  idempotencyKey: string;
}

export interface ApplyForFinancingArgs {
  actor: Actor;
  input: ApplicationInput;
}

/** The application's answer: the financing, and whether it was a repeat of an earlier request. */
export interface AppliedFinancing extends FinancingOrigination {
  financingId: string;
  status: FinancingStatus;
  replayed: boolean;
}

export interface FinancingState {
  status: FinancingStatus;
  approvalDeadline: Date | null;
}

export interface ActorArgs {
  actor: ActorRef;
}

export const applyForFinancingUpdate = defineUpdate<AppliedFinancing, [ApplyForFinancingArgs]>('applyForFinancing');
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
  actor: Actor;
}
export const retryPayoutUpdate = defineUpdate<{ payoutId: string }, [RetryPayoutArgs]>('retryPayout');

/** The step that reached its bound and waits for an operator; null when none waits. */
export const financingAttentionQuery = defineQuery<Attention | null>('financingAttention');
/** An operator tries the waiting step again (docs/workflows/financing.md, "Bounds"). */
export const resumeFinancingUpdate = defineUpdate<Resumed, [ResumeArgs]>('resumeFinancing');

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
  | 'PENALTY_REVERSED'
  | 'FINANCING_SETTLED';

/** The figures a notice states (decimal strings and business dates), by name. */
export type NoticeFacts = Record<string, string>;

export type FinancingDocumentKind = 'NOTICE_OF_ASSIGNMENT' | 'ASSIGNMENT_ACKNOWLEDGEMENT' | 'FINANCING_TERMS' | 'DISBURSEMENT_ADVICE' | 'SETTLEMENT_STATEMENT';
