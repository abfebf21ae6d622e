import type { FinancingDecisionKind } from '../../domain/financing-rules';

/**
 * The name each person's decision on a financing carries in its idempotency key. These strings
 * are in every recorded decision's key (and in workflow histories): they never change.
 */
export const FINANCING_DECISION_ACTIONS: Record<Exclude<FinancingDecisionKind, 'EXPIRE'>, string> = {
  ACKNOWLEDGE: 'acknowledge',
  REFUSE: 'refuse',
  APPROVE: 'approve',
  CONFIRM_APPROVAL: 'confirm-approval',
  REJECT: 'reject',
  WITHDRAW: 'withdraw',
};

/** The name each person's decision on a receivable carries in its idempotency key (never changed, as above). */
export const RECEIVABLE_DECISION_ACTIONS = { CONFIRM: 'confirm', REJECT: 'reject', CANCEL: 'cancel' } as const;

/**
 * The idempotency key under which a workflow applies one person's decision, sent as the Update
 * `updateId`: the workflow's id, the decision's action and the Update's id. The API forms the
 * same key to recognise a repeat of a decision already recorded when the workflow can no longer
 * tell (the run ended, or moved past the decision's state before the repeat reached it).
 */
export function decisionKey(workflowId: string, action: string, updateId: string): string {
  return `${workflowId}:${action}:${updateId}`;
}
