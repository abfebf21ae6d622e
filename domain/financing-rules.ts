import { isOperator, type Action, type Actor } from './actor';
import { ForbiddenError, WrongStateError } from './errors';
import { assertFourEyes } from './four-eyes';

// A financing's life (docs/workflows/financing.md draws it). Up to approval, each decision has
// one side that may take it and the states it may be taken from; everything else is refused
// with WRONG_STATE. Ending before disbursement releases the limits and the receivable. After
// approval the workflow moves the money and the state follows it (MONEY_TRANSITIONS).

export const FINANCING_STATUSES = [
  'PENDING_ACKNOWLEDGEMENT',
  'PENDING_APPROVAL',
  'PENDING_CONFIRMATION',
  'APPROVED',
  'REJECTED',
  'REFUSED',
  'WITHDRAWN',
  'EXPIRED',
  'FUNDING_PENDING',
  'DISBURSING',
  'PAYOUT_FAILED',
  'DISBURSED',
  'OVERDUE',
  'SETTLED',
] as const;
export type FinancingStatus = (typeof FINANCING_STATUSES)[number];

/** The states in which a financing can still be refused, rejected, withdrawn or expire. */
export const AWAITING_DECISION: readonly FinancingStatus[] = ['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION'];

/** Ended before approval: nothing was disbursed, the limits and the receivable are released. */
export const CLOSED_BEFORE_APPROVAL: readonly FinancingStatus[] = ['REJECTED', 'REFUSED', 'WITHDRAWN', 'EXPIRED'];

export type FinancingDecision =
  | { kind: 'ACKNOWLEDGE'; approvalDeadline: Date }
  | { kind: 'REFUSE'; reason: string }
  | { kind: 'APPROVE' }
  | { kind: 'CONFIRM_APPROVAL' }
  | { kind: 'REJECT'; reason: string }
  | { kind: 'WITHDRAW'; reason: string }
  | { kind: 'EXPIRE' };

export type FinancingDecisionKind = FinancingDecision['kind'];

/** Whose decision it is: the core enterprise consents, the funder approves, the supplier withdraws. */
export type FinancingSide = 'OBLIGOR' | 'FUNDER' | 'SUPPLIER' | 'PLATFORM';

interface DecisionRule {
  side: FinancingSide;
  from: readonly FinancingStatus[];
  to: FinancingStatus;
  verb: string;
}

export const FINANCING_DECISIONS: Record<FinancingDecisionKind, DecisionRule> = {
  ACKNOWLEDGE: { side: 'OBLIGOR', from: ['PENDING_ACKNOWLEDGEMENT'], to: 'PENDING_APPROVAL', verb: 'acknowledge the assignment of' },
  REFUSE: { side: 'OBLIGOR', from: ['PENDING_ACKNOWLEDGEMENT'], to: 'REFUSED', verb: 'refuse the assignment of' },
  APPROVE: { side: 'FUNDER', from: ['PENDING_APPROVAL'], to: 'PENDING_CONFIRMATION', verb: 'approve' },
  CONFIRM_APPROVAL: { side: 'FUNDER', from: ['PENDING_CONFIRMATION'], to: 'APPROVED', verb: 'confirm the approval of' },
  REJECT: { side: 'FUNDER', from: ['PENDING_APPROVAL', 'PENDING_CONFIRMATION'], to: 'REJECTED', verb: 'reject' },
  WITHDRAW: { side: 'SUPPLIER', from: AWAITING_DECISION, to: 'WITHDRAWN', verb: 'withdraw' },
  // An approved financing the funder has not funded by its funding deadline expires too.
  EXPIRE: { side: 'PLATFORM', from: [...AWAITING_DECISION, 'FUNDING_PENDING'], to: 'EXPIRED', verb: 'expire' },
};

/**
 * After approval: funding (FUNDING_PENDING while the funder's account is short; EXPIRED when
 * the money can no longer move in time to run the program's minimum tenor), the disbursement
 * and its payout (DISBURSING until the bank settles it, PAYOUT_FAILED when it fails or comes
 * back, for a person to act on), then servicing (OVERDUE after the grace days,
 * SETTLED when the funder is whole). Servicing runs whatever the payout does: the supplier's
 * money is in its virtual account either way, and the core enterprise owes from the due date.
 */
export const MONEY_TRANSITIONS: Partial<Record<FinancingStatus, readonly FinancingStatus[]>> = {
  // EXPIRED: the day the money would move leaves no tenor, or less than the program's minimum (priceAtDisbursement).
  APPROVED: ['FUNDING_PENDING', 'DISBURSING', 'EXPIRED'],
  FUNDING_PENDING: ['DISBURSING', 'EXPIRED'],
  DISBURSING: ['DISBURSED', 'PAYOUT_FAILED', 'OVERDUE', 'SETTLED'],
  PAYOUT_FAILED: ['DISBURSING', 'DISBURSED', 'OVERDUE', 'SETTLED'],
  DISBURSED: ['PAYOUT_FAILED', 'OVERDUE', 'SETTLED'],
  OVERDUE: ['SETTLED'],
};

/** Disbursed and not yet settled: the core enterprise owes, penalties and recourse may apply. */
export const SERVICING: readonly FinancingStatus[] = ['DISBURSING', 'PAYOUT_FAILED', 'DISBURSED', 'OVERDUE'];

export function canMoveMoney(from: FinancingStatus, to: FinancingStatus): boolean {
  return MONEY_TRANSITIONS[from]?.includes(to) ?? false;
}

/** Every state a financing can reach from `from`, by decisions and then by the money. */
function statesAfter(from: FinancingStatus): Set<FinancingStatus> {
  const reached = new Set<FinancingStatus>();
  const next = (status: FinancingStatus): FinancingStatus[] => [
    ...Object.values(FINANCING_DECISIONS)
      .filter((rule) => rule.from.includes(status))
      .map((rule) => rule.to),
    ...(MONEY_TRANSITIONS[status] ?? []),
  ];
  const pending = next(from);
  for (let status = pending.pop(); status !== undefined; status = pending.pop()) {
    if (reached.has(status)) continue;
    reached.add(status);
    pending.push(...next(status));
  }
  return reached;
}

/**
 * Whether `earlier` comes before `later` in a financing's life: `later` can follow it and not
 * the other way round. A payout that fails and is retried goes back and forth between states,
 * so neither of those comes before the other; nor does one ending before another.
 */
export function comesBefore(earlier: FinancingStatus, later: FinancingStatus): boolean {
  return statesAfter(earlier).has(later) && !statesAfter(later).has(earlier);
}

/** Refuses a decision the financing's state does not allow, naming the state. */
export function assertDecisionAllowed(status: FinancingStatus, kind: FinancingDecisionKind): FinancingStatus {
  const rule = FINANCING_DECISIONS[kind];
  if (!rule.from.includes(status)) throw new WrongStateError(`cannot ${rule.verb} a financing that is ${status}`, status);
  return rule.to;
}

/** The deadline that governs a state, if any: acknowledgement first, then approval. */
export function deadlineOf(status: FinancingStatus, deadlines: { acknowledgementDeadline: Date | null; approvalDeadline: Date | null }): Date | null {
  if (status === 'PENDING_ACKNOWLEDGEMENT') return deadlines.acknowledgementDeadline;
  if (status === 'PENDING_APPROVAL' || status === 'PENDING_CONFIRMATION') return deadlines.approvalDeadline;
  return null;
}

/** Refuses a person's decision at or after the deadline of the state it answers. */
export function assertBeforeDeadline(status: FinancingStatus, deadline: Date | null, now: Date, kind: FinancingDecisionKind): void {
  if (kind === 'EXPIRE' || deadline === null || now.getTime() < deadline.getTime()) return;
  const step = status === 'PENDING_ACKNOWLEDGEMENT' ? 'acknowledgement' : 'approval';
  throw new WrongStateError(`cannot ${FINANCING_DECISIONS[kind].verb} the financing: its ${step} deadline passed at ${deadline.toISOString()}`, status, 'DEADLINE_PASSED');
}

/** Who stands where in a financing, as far as the decisions need to know. */
export interface FinancingSides {
  supplierPartyId: string;
  funderPartyId: string;
  obligorPartyId: string;
  /** The maker of the approval, once there is one. */
  approvedByUserId: string | null;
}

const SIDE_PARTY: Record<Exclude<FinancingSide, 'PLATFORM'>, (financing: FinancingSides) => string> = {
  OBLIGOR: (financing) => financing.obligorPartyId,
  FUNDER: (financing) => financing.funderPartyId,
  SUPPLIER: (financing) => financing.supplierPartyId,
};

const SIDE_NAME: Record<Exclude<FinancingSide, 'PLATFORM'>, string> = { OBLIGOR: 'the core enterprise', FUNDER: 'the funder', SUPPLIER: 'the supplier' };

/** The user roles a person's decision needs (actor.ts): a second approval is a checker's act. */
export function decisionPermission(kind: Exclude<FinancingDecisionKind, 'EXPIRE'>): Action {
  return kind === 'CONFIRM_APPROVAL' ? 'CONFIRM_FINANCING_APPROVAL' : 'DECIDE_FINANCING';
}

/**
 * The object half of a person's decision: the caller's party is the side whose decision it
 * is, and the checker of an approval is not its maker (four eyes). The use case asks before it
 * sends the decision (a fast answer); the store asks again under the financing's row lock.
 */
export function assertMayDecide(financing: FinancingSides, kind: FinancingDecisionKind, actor: Pick<Actor, 'userId' | 'partyId'>): void {
  const rule = FINANCING_DECISIONS[kind];
  if (rule.side === 'PLATFORM') return;
  if (actor.partyId !== SIDE_PARTY[rule.side](financing)) throw new ForbiddenError(`only ${SIDE_NAME[rule.side]} can ${rule.verb} a financing`);
  if (kind === 'CONFIRM_APPROVAL') {
    assertFourEyes(financing.approvedByUserId, actor, 'the user who approved a financing cannot confirm the approval: another user of the funder must check it');
  }
}

/** A failed or returned payout is retried by the supplier it pays, or by an operator; never by the funder or the obligor. */
export function assertMayRetryPayout(financing: Pick<FinancingSides, 'supplierPartyId'>, actor: Actor): void {
  if (isOperator(actor) || actor.partyId === financing.supplierPartyId) return;
  throw new ForbiddenError('only the supplier or an operator can retry a payout');
}
