import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ReceivableStatus } from '../../domain/receivable-rules';

/** Who is acting: carried into activities so the database re-checks it. */
export interface ActorRef {
  userId: string;
  partyId: string;
}

export interface ReceivableWorkflowInput {
  receivableId: string;
  registrationNumber: string;
  registeredAt: Date;
  /** The receivable expires if the core enterprise has not answered by then. */
  confirmationDeadline: Date;
  /** When to remind the core enterprise, in milliseconds after registration. */
  reminderOffsetsMs: number[];
}

export type ReceivableDecision =
  | { kind: 'CONFIRM'; confirmedAmount?: string | null }
  | { kind: 'REJECT'; reason: string }
  | { kind: 'CANCEL'; reason: string }
  | { kind: 'EXPIRE' };

export interface ReceivableState {
  status: ReceivableStatus;
  confirmedAmount: string | null;
}

export interface ConfirmReceivableArgs {
  actor: ActorRef;
  /** A decimal string; omitted means the face amount. Lower than the face is dilution. */
  confirmedAmount?: string | null;
}

export interface ReasonArgs {
  actor: ActorRef;
  reason: string;
}

export const confirmReceivableUpdate = defineUpdate<ReceivableState, [ConfirmReceivableArgs]>('confirmReceivable');
export const rejectReceivableUpdate = defineUpdate<ReceivableState, [ReasonArgs]>('rejectReceivable');
export const cancelReceivableUpdate = defineUpdate<ReceivableState, [ReasonArgs]>('cancelReceivable');
export const receivableStateQuery = defineQuery<ReceivableState>('receivableState');

export type NotificationKind = 'CONFIRMATION_REQUESTED' | 'CONFIRMATION_REMINDER' | 'RECEIVABLE_CONFIRMED' | 'RECEIVABLE_REJECTED' | 'RECEIVABLE_EXPIRED' | 'RECEIVABLE_CANCELLED';
