import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Attention, ResumeArgs } from '../../contracts/attention';
import type { ActorRef, NotificationKind, ReceivableDecision, ReceivableState, RegisterReceivableArgs } from '../../contracts/receivable';
import { ATTENTION_RECORD, DATABASE_STEP, DOCUMENT, PERSON_WAITING } from '../activity-bounds';
import { runStep } from '../attention';
import type { ReceivableRun } from './receivable-run';
import { decisionKey } from '../../contracts/decision-key';

// Every activity the confirmation workflow calls, each with its bound (activity-bounds.ts):
// what a person waits for fails the request at its bound; every other step waits for an
// operator at its bound (attention.ts).

const personWaiting = proxyActivities<Activities>(PERSON_WAITING);
const databaseStep = proxyActivities<Activities>(DATABASE_STEP);
const document = proxyActivities<Activities>(DOCUMENT);
const attentionRecord = proxyActivities<Activities>(ATTENTION_RECORD);

/** The registration, for the person waiting on it (update-with-start). */
export function registerReceivable(receivableId: string, args: RegisterReceivableArgs, confirmationWindowMs: number) {
  return personWaiting.registerReceivable({ receivableId, actor: args.actor, input: args.input, confirmationWindowMs });
}

/** A person's decision (an Update): applied under the decision's key, answered with the new state. */
export async function decide(run: ReceivableRun, decision: ReceivableDecision, actor: ActorRef | null, action: string, updateId: string): Promise<ReceivableState> {
  const answer = await personWaiting.decideReceivable({ receivableId: run.receivableId, decision, actor, idempotencyKey: decisionKey(run.workflowId, action, updateId) });
  // Two decisions the database applied one after the other (a confirmation, then a cancellation)
  // may finish here in either order: the run keeps the later state, never the earlier one.
  if (!run.keepsLatestState || STAGE[answer.status] >= STAGE[run.state.status]) run.state = answer;
  return answer;
}

/** How far a receivable's decisions have taken it: a state never gives way to an earlier one. */
const STAGE: Record<ReceivableState['status'], number> = { REGISTERED: 0, CONFIRMED: 1, FINANCING_PENDING: 1, FINANCED: 1, SETTLED: 1, REJECTED: 2, CANCELLED: 2, EXPIRED: 2 };

/** The deadline passed: the database settles a race with a decision (an answered receivable does not expire). */
export async function expire(run: ReceivableRun): Promise<void> {
  const decision = { receivableId: run.receivableId, decision: { kind: 'EXPIRE' } as const, actor: null, idempotencyKey: `${run.workflowId}:expire` };
  run.state = await runStep(run, 'decideReceivable:EXPIRE', () => databaseStep.decideReceivable(decision));
}

export function notify(run: ReceivableRun, to: 'SUPPLIER' | 'OBLIGOR', kind: NotificationKind, dedupe: string): Promise<void> {
  const message = { receivableId: run.receivableId, to, kind, dedupeKey: `${run.workflowId}:${dedupe}` };
  return runStep(run, `notifyReceivableParty:${to}:${kind}`, () => databaseStep.notifyReceivableParty(message));
}

export function generateDocument(run: ReceivableRun, kind: 'REGISTRATION_CERTIFICATE' | 'CONFIRMATION_LETTER') {
  return runStep(run, `generateReceivableDocument:${kind}`, () => document.generateReceivableDocument({ receivableId: run.receivableId, kind }));
}

/** Writes the mark on the receivable and tells the operators (ReceivableRun.record). */
export function recordReceivableAttention(run: ReceivableRun, attention: Attention): Promise<void> {
  return attentionRecord.recordReceivableAttention({ receivableId: run.receivableId, attention, dedupeKey: `${run.workflowId}:attention:${attention.step}:${attention.since.toISOString()}` });
}

/** An operator resumes (an Update): the mark is cleared before the steps run again. */
export function clearReceivableAttention(run: ReceivableRun, args: ResumeArgs): Promise<void> {
  return personWaiting.clearReceivableAttention({ receivableId: run.receivableId, actor: args.actor });
}
