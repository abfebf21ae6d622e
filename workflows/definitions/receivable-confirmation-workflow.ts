import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import {
  cancelReceivableUpdate,
  confirmReceivableUpdate,
  receivableAttentionQuery,
  receivableStateQuery,
  type ActorRef,
  type ConfirmReceivableArgs,
  type ReasonArgs,
  type ReceivableDecision,
  registerReceivableUpdate,
  rejectReceivableUpdate,
  resumeReceivableUpdate,
  type ReceivableRegistration,
  type ReceivableState,
  type ReceivableWorkflowInput,
} from '../contracts/receivable';
import { WrongStateError } from '../../domain/errors';
import { assertWaitingForOperator, resumeSteps } from './attention';
import { announceOutcome, awaitConfirmation } from './receivable/confirmation';
import { startReceivableRun, type ReceivableRun } from './receivable/receivable-run';
import { clearReceivableAttention, decide, generateDocument, registerReceivable } from './receivable/receivable-steps';
import { afterOpening, awaitOpening, type RunOpening } from './run-opening';
import { refuse } from './update-support';
import { RECEIVABLE_DECISION_ACTIONS } from '../contracts/decision-key';

// The confirmation workflow's wiring: its messages and the order of its phases. The run's
// state lives in one object (receivable/receivable-run.ts), the phase in receivable/confirmation.ts,
// and every activity call has its bound (receivable/receivable-steps.ts).

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
  setHandler(registerReceivableUpdate, async (args) => {
    try {
      const answer = await registerReceivable(input.receivableId, args, input.confirmationWindowMs ?? 0);
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
  await awaitOpening(() => registered !== null, () => refused, REGISTRATION_WAIT_MS);
  return registered;
}

/**
 * The decisions are Updates answered with the new state, registered when the run starts: a
 * decision may arrive while the registration is still finishing (run-opening.ts).
 */
function handleDecisions(opening: RunOpening<ReceivableRun>): void {
  // Validators turn away what is already decided without writing to the history; the
  // database re-checks everything inside the decision's transaction.
  const decision = <Args extends { actor: ActorRef }>(action: string, make: (args: Args) => ReceivableDecision) => {
    const { handler, validator } = afterOpening(
      opening,
      () => new WrongStateError(`cannot ${action} a receivable whose registration was refused`, 'NOT_REGISTERED'),
      (run: ReceivableRun) => {
        // A supplier may cancel a confirmed receivable too (not financed: the database decides),
        // also while the run is still announcing the confirmation.
        const open = action === RECEIVABLE_DECISION_ACTIONS.CANCEL && run.keepsLatestState ? ['REGISTERED', 'CONFIRMED'] : ['REGISTERED'];
        if (!open.includes(run.state.status)) refuse(new WrongStateError(`cannot ${action} a receivable that is ${run.state.status}`, run.state.status));
      },
      (run, args: Args, key) => decide(run, make(args), args.actor, action, key),
    );
    return [handler, { validator }] as const;
  };
  setHandler(confirmReceivableUpdate, ...decision(RECEIVABLE_DECISION_ACTIONS.CONFIRM, (args: ConfirmReceivableArgs) => ({ kind: 'CONFIRM', confirmedAmount: args.confirmedAmount ?? null })));
  setHandler(rejectReceivableUpdate, ...decision(RECEIVABLE_DECISION_ACTIONS.REJECT, (args: ReasonArgs) => ({ kind: 'REJECT', reason: args.reason })));
  setHandler(cancelReceivableUpdate, ...decision(RECEIVABLE_DECISION_ACTIONS.CANCEL, (args: ReasonArgs) => ({ kind: 'CANCEL', reason: args.reason })));
}

/** Queries and an operator's resume, once the run is open. */
function handleMessages(run: ReceivableRun): void {
  setHandler(receivableStateQuery, () => run.state);
  setHandler(receivableAttentionQuery, () => run.attention);
  setHandler(resumeReceivableUpdate, (args) => resumeSteps(run, () => clearReceivableAttention(run, args)), { validator: (_args: unknown) => assertWaitingForOperator(run, run.state.status) });
}

/**
 * One receivable's confirmation (确权): asks the core enterprise, reminds it on schedule,
 * and ends when it confirms or rejects, the supplier cancels, or the deadline passes.
 * Decisions arrive as Updates so the caller gets the new state (or the refusal) at once.
 * Workflow id: `receivable:<receivableId>`. See docs/workflows/receivable.md.
 */
export async function receivableConfirmationWorkflow(input: ReceivableWorkflowInput): Promise<ReceivableState | null> {
  const opening: RunOpening<ReceivableRun> = { run: null, settled: false };
  handleDecisions(opening);
  const registration = await awaitRegistration(input);
  if (!registration) {
    opening.settled = true;
    await condition(allHandlersFinished);
    return null;
  }
  const run = startReceivableRun(input, registration);
  handleMessages(run);
  Object.assign(opening, { run, settled: true });
  // The certificate is rendered alongside the wait: a slow or failing renderer must not hold
  // up the core enterprise's answer or the deadline. It is awaited before the workflow ends.
  const certificate = generateDocument(run, 'REGISTRATION_CERTIFICATE');
  await awaitConfirmation(run);
  let announced = run.state.status;
  await announceOutcome(run);
  await certificate;
  // Let an Update that arrived during the last step finish and answer its caller.
  await condition(allHandlersFinished);
  // A cancellation decided meanwhile (the supplier cancelling a receivable just confirmed, or its
  // Update racing the confirmation) is announced as well: the core enterprise is told.
  while (run.keepsLatestState && run.state.status !== announced) {
    announced = run.state.status;
    await announceOutcome(run);
    await condition(allHandlersFinished);
  }
  return run.state;
}
