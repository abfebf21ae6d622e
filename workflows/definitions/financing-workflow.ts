import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  FINANCING_UPDATES,
  financingStateQuery,
  type FinancingDecision,
  type FinancingNotificationKind,
  type FinancingState,
  type FinancingWorkflowInput,
} from '../contracts/financing';
import type { ActorRef } from '../contracts/receivable';
import { DomainError } from '../domain/errors';
import { assertBeforeDeadline, assertDecisionAllowed, deadlineOf, type FinancingDecisionKind } from '../domain/financing-rules';
import { refuse, updateKey } from './update-support';

type Activities = ReturnType<typeof createActivities>;

// As for receivables: activities write to PostgreSQL idempotently and are retried until the
// database answers; a rule violation comes back as a non-retryable domain error.
const { decideFinancing, generateFinancingDocument, notifyFinancingParty } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One financing from application to approval (docs/workflows/financing.md): under OPEN
 * assignment the core enterprise acknowledges (or refuses) the assignment before a deadline;
 * then two different users of the funder approve and confirm before another; the supplier may
 * withdraw until then. Every decision is an Update answered with the new state or a typed
 * error; a deadline that passes expires the financing. Ending before approval releases the
 * limits and the receivable (in the same database transaction as the state change).
 * Workflow id: `financing:<financingId>`.
 */
export async function financingWorkflow(input: FinancingWorkflowInput): Promise<FinancingState> {
  const { financingId } = input;
  const workflowId = workflowInfo().workflowId;
  let state: FinancingState = {
    status: input.assignmentMode === 'OPEN' ? 'PENDING_ACKNOWLEDGEMENT' : 'PENDING_APPROVAL',
    approvalDeadline: input.approvalDeadline,
  };
  setHandler(financingStateQuery, () => state);
  // Read through a function: Update handlers change the state while the main flow awaits.
  const status = () => state.status;

  const decide = async (decision: FinancingDecision, actor: ActorRef | null, key: string): Promise<FinancingState> => {
    state = await decideFinancing({ financingId, decision, actor, idempotencyKey: `${workflowId}:${key}` });
    return state;
  };
  // Validators turn away what the state or the clock already rules out, without touching the
  // history; the database checks everything again under the financing's row lock.
  const validator = (kind: FinancingDecisionKind) => (_args: unknown) => {
    try {
      assertDecisionAllowed(state.status, kind);
      assertBeforeDeadline(state.status, deadlineOf(state.status, { acknowledgementDeadline: input.acknowledgementDeadline, approvalDeadline: state.approvalDeadline }), new Date(), kind);
    } catch (error) {
      if (error instanceof DomainError) refuse(error);
      throw error;
    }
  };
  setHandler(
    FINANCING_UPDATES.ACKNOWLEDGE,
    // The funder's clock starts when the assignment is acknowledged.
    ({ actor }) => decide({ kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + input.approvalWindowMs) }, actor, `acknowledge:${updateKey()}`),
    { validator: validator('ACKNOWLEDGE') },
  );
  setHandler(FINANCING_UPDATES.REFUSE, ({ actor, reason }) => decide({ kind: 'REFUSE', reason }, actor, `refuse:${updateKey()}`), { validator: validator('REFUSE') });
  setHandler(FINANCING_UPDATES.APPROVE, ({ actor }) => decide({ kind: 'APPROVE' }, actor, `approve:${updateKey()}`), { validator: validator('APPROVE') });
  setHandler(FINANCING_UPDATES.CONFIRM_APPROVAL, ({ actor }) => decide({ kind: 'CONFIRM_APPROVAL' }, actor, `confirm-approval:${updateKey()}`), {
    validator: validator('CONFIRM_APPROVAL'),
  });
  setHandler(FINANCING_UPDATES.REJECT, ({ actor, reason }) => decide({ kind: 'REJECT', reason }, actor, `reject:${updateKey()}`), { validator: validator('REJECT') });
  setHandler(FINANCING_UPDATES.WITHDRAW, ({ actor, reason }) => decide({ kind: 'WITHDRAW', reason }, actor, `withdraw:${updateKey()}`), { validator: validator('WITHDRAW') });

  const notify = (to: 'SUPPLIER' | 'OBLIGOR' | 'FUNDER', kind: FinancingNotificationKind) => notifyFinancingParty({ financingId, to, kind, dedupeKey: `${workflowId}:${kind}:${to}` });
  const waitWhile = async (waiting: FinancingState['status'], deadline: Date | null) => {
    if (status() !== waiting || deadline === null) return;
    const wait = deadline.getTime() - Date.now();
    if (wait > 0) await condition(() => status() !== waiting, wait);
    // The decision may race the deadline; the database settles it (a decided financing does not expire).
    if (status() === waiting) await decide({ kind: 'EXPIRE' }, null, `expire:${waiting}`);
  };

  // Rendered alongside the wait, like the receivable's certificate: it must not delay anyone's answer.
  const notice = generateFinancingDocument({ financingId, kind: 'NOTICE_OF_ASSIGNMENT' });

  if (status() === 'PENDING_ACKNOWLEDGEMENT') {
    await notify('OBLIGOR', 'ACKNOWLEDGEMENT_REQUESTED');
    await waitWhile('PENDING_ACKNOWLEDGEMENT', input.acknowledgementDeadline);
    if (status() === 'PENDING_APPROVAL') {
      await generateFinancingDocument({ financingId, kind: 'ASSIGNMENT_ACKNOWLEDGEMENT' });
      await notify('SUPPLIER', 'ASSIGNMENT_ACKNOWLEDGED');
    }
  }
  if (status() === 'PENDING_APPROVAL') {
    await notify('FUNDER', 'APPROVAL_REQUESTED');
    await waitWhile('PENDING_APPROVAL', state.approvalDeadline);
  }
  if (status() === 'PENDING_CONFIRMATION') {
    await notify('FUNDER', 'APPROVAL_CONFIRMATION_REQUESTED');
    await waitWhile('PENDING_CONFIRMATION', state.approvalDeadline);
  }

  const obligorKnows = input.assignmentMode === 'OPEN';
  switch (status()) {
    case 'APPROVED':
      await generateFinancingDocument({ financingId, kind: 'FINANCING_TERMS' });
      await notify('SUPPLIER', 'FINANCING_APPROVED');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_APPROVED');
      break;
    case 'REFUSED':
      await notify('SUPPLIER', 'ASSIGNMENT_REFUSED');
      break;
    case 'REJECTED':
      await notify('SUPPLIER', 'FINANCING_REJECTED');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_REJECTED');
      break;
    case 'WITHDRAWN':
      await notify('FUNDER', 'FINANCING_WITHDRAWN');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_WITHDRAWN');
      break;
    case 'EXPIRED':
      await notify('SUPPLIER', 'FINANCING_EXPIRED');
      await notify('FUNDER', 'FINANCING_EXPIRED');
      if (obligorKnows) await notify('OBLIGOR', 'FINANCING_EXPIRED');
      break;
    default:
      break;
  }
  await notice;
  // Let an Update that arrived during the last step finish and answer its caller.
  await condition(allHandlersFinished);
  return state;
}

