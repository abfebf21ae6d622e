import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  cancelReceivableUpdate,
  confirmReceivableUpdate,
  receivableStateQuery,
  registerReceivableUpdate,
  rejectReceivableUpdate,
  type ActorRef,
  type ReceivableDecision,
  type ReceivableRegistration,
  type ReceivableState,
  type ReceivableWorkflowInput,
} from '../contracts/receivable';
import { WrongStateError } from '../../domain/errors';
import { refuse, updateKey } from './update-support';

type Activities = ReturnType<typeof createActivities>;

// Every activity writes to PostgreSQL and is idempotent, so an outage is simply retried until
// the database is back (no attempt limit: giving up would strand the receivable); a rule
// violation is never retried (it comes back as a non-retryable domain error).
const { decideReceivable, generateReceivableDocument, notifyReceivableParty } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// The registration answers a person waiting on the API: it is bounded, and a registration that
// cannot be written in that time fails the request (the client retries with its idempotency key).
const { registerReceivable } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** How long a run started without its registration Update waits for one before it ends. */
const REGISTRATION_WAIT_MS = 10 * 60 * 1000;

/**
 * The workflow's first Update performs the registration (sent with the start, update-with-start).
 * A repeat of the same request finds the receivable registered and gets the same answer. Returns
 * null when the registration was refused (the run then ends with nothing to do) or when this run
 * is not the receivable's first (its confirmation is already decided elsewhere).
 */
async function awaitRegistration(input: ReceivableWorkflowInput): Promise<ReceivableRegistration | null> {
  if (input.registrationNumber && input.registeredAt && input.confirmationDeadline) {
    return { registrationNumber: input.registrationNumber, registeredAt: input.registeredAt, confirmationDeadline: input.confirmationDeadline };
  }
  let registered: ReceivableRegistration | null = null;
  let refused = false;
  setHandler(registerReceivableUpdate, async ({ actor, input: registration }) => {
    try {
      const answer = await registerReceivable({ receivableId: input.receivableId, actor, input: registration, confirmationWindowMs: input.confirmationWindowMs ?? 0 });
      // A repeat that finds the receivable already decided belongs to an earlier run: nothing to wait for here.
      if (registered === null) {
        if (answer.receivableId === input.receivableId && answer.status === 'REGISTERED') registered = answer;
        else refused = true;
      }
      return answer;
    } catch (error) {
      if (registered === null) refused = true;
      throw error;
    }
  });
  await condition(() => registered !== null || refused, REGISTRATION_WAIT_MS);
  return registered;
}

/**
 * One receivable's confirmation (确权): asks the core enterprise, reminds it on schedule,
 * and ends when it confirms or rejects, the supplier cancels, or the deadline passes.
 * Decisions arrive as Updates so the caller gets the new state (or the refusal) at once.
 * Workflow id: `receivable:<receivableId>`. See docs/workflows/receivable.md.
 */
export async function receivableConfirmationWorkflow(input: ReceivableWorkflowInput): Promise<ReceivableState | null> {
  const { receivableId } = input;
  const workflowId = workflowInfo().workflowId;
  const registration = await awaitRegistration(input);
  if (!registration) {
    await condition(allHandlersFinished);
    return null;
  }
  let state: ReceivableState = { status: 'REGISTERED', confirmedAmount: null };

  setHandler(receivableStateQuery, () => state);

  const decide = async (decision: ReceivableDecision, actor: ActorRef | null, key: string): Promise<ReceivableState> => {
    state = await decideReceivable({ receivableId, decision, actor, idempotencyKey: `${workflowId}:${key}` });
    return state;
  };
  // Validators turn away what is already decided without writing to the history; the
  // database re-checks everything inside the decision's transaction.
  const onlyWhileRegistered = (action: string) => (_args: unknown) => {
    if (state.status !== 'REGISTERED') refuse(new WrongStateError(`cannot ${action} a receivable that is ${state.status}`, state.status));
  };
  setHandler(confirmReceivableUpdate, (args) => decide({ kind: 'CONFIRM', confirmedAmount: args.confirmedAmount ?? null }, args.actor, `confirm:${updateKey()}`), {
    validator: onlyWhileRegistered('confirm'),
  });
  setHandler(rejectReceivableUpdate, (args) => decide({ kind: 'REJECT', reason: args.reason }, args.actor, `reject:${updateKey()}`), {
    validator: onlyWhileRegistered('reject'),
  });
  setHandler(cancelReceivableUpdate, (args) => decide({ kind: 'CANCEL', reason: args.reason }, args.actor, `cancel:${updateKey()}`), {
    validator: onlyWhileRegistered('cancel'),
  });

  // The certificate is rendered alongside the wait: a slow or failing renderer must not hold
  // up the core enterprise's answer or the deadline. It is awaited before the workflow ends.
  const certificate = generateReceivableDocument({ receivableId, kind: 'REGISTRATION_CERTIFICATE' });
  await notifyReceivableParty({ receivableId, to: 'OBLIGOR', kind: 'CONFIRMATION_REQUESTED', dedupeKey: `${workflowId}:requested` });

  const decided = () => state.status !== 'REGISTERED';
  const registeredAt = registration.registeredAt.getTime();
  const deadline = registration.confirmationDeadline.getTime();
  const reminders = [...input.reminderOffsetsMs].sort((a, b) => a - b).filter((offset) => registeredAt + offset < deadline);
  for (const [index, offset] of reminders.entries()) {
    const wait = registeredAt + offset - Date.now();
    if (wait > 0 && (await condition(decided, wait))) break;
    if (decided()) break;
    await notifyReceivableParty({ receivableId, to: 'OBLIGOR', kind: 'CONFIRMATION_REMINDER', dedupeKey: `${workflowId}:reminder:${index + 1}` });
  }
  if (!decided()) {
    const wait = deadline - Date.now();
    if (wait > 0) await condition(decided, wait);
  }
  if (!decided()) {
    // The decision may race the deadline; the database settles it (an answered receivable does not expire).
    await decide({ kind: 'EXPIRE' }, null, 'expire');
  }

  switch (state.status) {
    case 'CONFIRMED':
      await generateReceivableDocument({ receivableId, kind: 'CONFIRMATION_LETTER' });
      await notifyReceivableParty({ receivableId, to: 'SUPPLIER', kind: 'RECEIVABLE_CONFIRMED', dedupeKey: `${workflowId}:confirmed` });
      break;
    case 'REJECTED':
      await notifyReceivableParty({ receivableId, to: 'SUPPLIER', kind: 'RECEIVABLE_REJECTED', dedupeKey: `${workflowId}:rejected` });
      break;
    case 'EXPIRED':
      await notifyReceivableParty({ receivableId, to: 'SUPPLIER', kind: 'RECEIVABLE_EXPIRED', dedupeKey: `${workflowId}:expired:supplier` });
      await notifyReceivableParty({ receivableId, to: 'OBLIGOR', kind: 'RECEIVABLE_EXPIRED', dedupeKey: `${workflowId}:expired:obligor` });
      break;
    case 'CANCELLED':
      await notifyReceivableParty({ receivableId, to: 'OBLIGOR', kind: 'RECEIVABLE_CANCELLED', dedupeKey: `${workflowId}:cancelled` });
      break;
    default:
      break;
  }
  await certificate;
  // Let an Update that arrived during the last step finish and answer its caller.
  await condition(allHandlersFinished);
  return state;
}

