import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/actor';
import type { Attention, ResumeArgs, Resumed } from './attention';
import type { ReceivableStatus, RegistrationInput } from '../../domain/receivable-rules';

/** Who is acting: carried into activities so the database re-checks it. */
export interface ActorRef {
  userId: string;
  partyId: string;
}

/** What the registration fixed: the confirmation's calendar. */
export interface ReceivableRegistration {
  registrationNumber: string;
  registeredAt: Date;
  /** The receivable expires if the core enterprise has not answered by then. */
  confirmationDeadline: Date;
}

/**
 * A receivable's workflow starts with its registration: the API sends `registerReceivable` as
 * the workflow's first Update (update-with-start), and the Update performs the registration.
 * The id is chosen before the row exists (derived from the supplier and its idempotency key).
 * A run started by an older version carried the registration in its input instead.
 */
export interface ReceivableWorkflowInput extends Partial<ReceivableRegistration> {
  receivableId: string;
  /** How long the core enterprise has to answer. */
  confirmationWindowMs?: number;
  /** When to remind the core enterprise, in milliseconds after registration. */
  reminderOffsetsMs: number[];
}

export interface RegisterReceivableArgs {
  actor: Actor;
  input: RegistrationInput;
}

/** The registration's answer: the receivable, and whether it was a repeat of an earlier request. */
export interface RegisteredReceivable extends ReceivableRegistration {
  receivableId: string;
  status: ReceivableStatus;
  replayed: boolean;
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

export const registerReceivableUpdate = defineUpdate<RegisteredReceivable, [RegisterReceivableArgs]>('registerReceivable');
export const confirmReceivableUpdate = defineUpdate<ReceivableState, [ConfirmReceivableArgs]>('confirmReceivable');
export const rejectReceivableUpdate = defineUpdate<ReceivableState, [ReasonArgs]>('rejectReceivable');
export const cancelReceivableUpdate = defineUpdate<ReceivableState, [ReasonArgs]>('cancelReceivable');
export const receivableStateQuery = defineQuery<ReceivableState>('receivableState');
/** The step that reached its bound and waits for an operator; null when none waits. */
export const receivableAttentionQuery = defineQuery<Attention | null>('receivableAttention');
/** An operator tries the waiting step again (docs/workflows/receivable.md, "Bounds"). */
export const resumeReceivableUpdate = defineUpdate<Resumed, [ResumeArgs]>('resumeReceivable');

export type NotificationKind = 'CONFIRMATION_REQUESTED' | 'CONFIRMATION_REMINDER' | 'RECEIVABLE_CONFIRMED' | 'RECEIVABLE_REJECTED' | 'RECEIVABLE_EXPIRED' | 'RECEIVABLE_CANCELLED';
