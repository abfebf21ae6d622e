import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Attention, ResumeArgs } from '../../contracts/attention';
import type { ApplyForFinancingArgs, FinancingDecision, FinancingDocumentKind, FinancingNotificationKind, FinancingState, NoticeFacts, RetryPayoutArgs } from '../../contracts/financing';
import type { ActorRef } from '../../contracts/receivable';
import { decisionKey } from '../../contracts/decision-key';
import type { IsoDate } from '../../../domain/business-date';
import { comesBefore } from '../../../domain/financing-rules';
import { ATTENTION_RECORD, BANK_CALL, DATABASE_STEP, DOCUMENT, PERSON_WAITING } from '../activity-bounds';
import { runStep } from '../attention';
import type { FinancingRun } from './financing-run';

// Every activity the financing workflow calls, each with its bound (activity-bounds.ts). What
// a person waits for fails the request at its bound; every other step goes through runStep and
// waits for an operator at its bound. The step names are what operators see in `attention`.

const personWaiting = proxyActivities<Activities>(PERSON_WAITING);
const databaseStep = proxyActivities<Activities>(DATABASE_STEP);
const document = proxyActivities<Activities>(DOCUMENT);
const bank = proxyActivities<Activities>(BANK_CALL);
const attentionRecord = proxyActivities<Activities>(ATTENTION_RECORD);

export type Party = 'SUPPLIER' | 'OBLIGOR' | 'FUNDER';

/** The application, for the person waiting on it (update-with-start). */
export function applyForFinancing(financingId: string, args: ApplyForFinancingArgs, windows: { acknowledgementWindowMs: number; approvalWindowMs: number; fundingWindowMs: number }) {
  return personWaiting.applyForFinancing({ financingId, actor: args.actor, input: args.input, windows });
}

/** A person's decision (an Update): applied under the decision's key (decision-key.ts), answered with the new state. */
export async function decide(run: FinancingRun, decision: FinancingDecision, actor: ActorRef | null, action: string, updateId: string): Promise<FinancingState> {
  const answer = await personWaiting.decideFinancing({ financingId: run.financingId, decision, actor, idempotencyKey: decisionKey(run.workflowId, action, updateId) });
  takeDecided(run, answer);
  return answer;
}

/**
 * A decision's answer (a person's, or the expiry's) becomes the run's state, unless the run
 * already holds a later one: two decisions the database applied one after the other (an
 * acknowledgement or an approval, then the supplier's withdrawal) may finish here in either
 * order, and the run must follow the database, never go back to the earlier state.
 */
function takeDecided(run: FinancingRun, answer: FinancingState): void {
  if (!run.keepsLatestState || !comesBefore(answer.status, run.state.status)) run.state = answer;
}

/**
 * A deadline passed: the database settles the race with a decision (a decided financing does not
 * expire, nor one whose current window, opened by a decision since, has not closed on the
 * workflow's clock, at which the deadlines are set).
 */
export async function expire(run: FinancingRun, key: string): Promise<void> {
  const decision = { financingId: run.financingId, decision: { kind: 'EXPIRE' } as const, actor: null, idempotencyKey: `${run.workflowId}:${key}`, at: new Date() };
  takeDecided(run, await runStep(run, `decideFinancing:EXPIRE`, () => databaseStep.decideFinancing(decision)));
}

/** A person asks for a new payout attempt (an Update). */
export function retryPayout(run: FinancingRun, args: RetryPayoutArgs, key: string) {
  return personWaiting.retryPayout({ financingId: run.financingId, actor: args.actor, requestKey: `${run.workflowId}:${key}`, at: new Date() });
}

/**
 * A notice to one party, once per event: `event` names which one when a kind can happen more
 * than once (each payout that fails, each repayment that reverses penalty); without it the
 * kind happens once in a financing's life.
 */
export function notify(run: FinancingRun, to: Party, kind: FinancingNotificationKind, { event, facts }: { event?: string; facts?: NoticeFacts } = {}): Promise<void> {
  const message = { financingId: run.financingId, to, kind, dedupeKey: `${run.workflowId}:${kind}:${to}${event === undefined ? '' : `:${event}`}`, ...(facts ? { facts } : {}) };
  return runStep(run, `notifyFinancingParty:${to}:${kind}`, () => databaseStep.notifyFinancingParty(message));
}

export function generateDocument(run: FinancingRun, kind: FinancingDocumentKind) {
  return runStep(run, `generateFinancingDocument:${kind}`, () => document.generateFinancingDocument({ financingId: run.financingId, kind }));
}

export function reserveFunding(run: FinancingRun) {
  return runStep(run, 'reserveFunding', () => databaseStep.reserveFunding({ financingId: run.financingId, fundingWindowMs: run.input.fundingWindowMs, at: new Date() }));
}

export function disburse(run: FinancingRun) {
  return runStep(run, 'disburse', () => databaseStep.disburse({ financingId: run.financingId, at: new Date() }));
}

export function submitPayout(run: FinancingRun, payoutId: string) {
  return runStep(run, 'submitPayout', () => bank.submitPayout({ payoutId, at: new Date() }));
}

export function checkPayout(run: FinancingRun, payoutId: string) {
  return runStep(run, 'checkPayout', () => bank.checkPayout({ payoutId, at: new Date() }));
}

/** Whether recourse used all the proceeds awaiting a retry (payout.ts asks once the financing is settled). */
export function proceedsUsedByRecourse(run: FinancingRun) {
  return runStep(run, 'proceedsUsedByRecourse', () => databaseStep.proceedsUsedByRecourse({ financingId: run.financingId }));
}

export function accruePenalty(run: FinancingRun, today: IsoDate) {
  return runStep(run, 'accruePenalty', () => databaseStep.accruePenalty({ financingId: run.financingId, today, at: new Date() }));
}

/** One servicing step for a business date that has begun: allocation by value date, then penalty. */
export function serviceFinancing(run: FinancingRun, today: IsoDate, idempotencyKey: string) {
  return runStep(run, 'serviceFinancing', () => databaseStep.serviceFinancing({ financingId: run.financingId, today, idempotencyKey, at: new Date() }));
}

export function allocateCollection(run: FinancingRun, idempotencyKey: string) {
  return runStep(run, 'allocateCollection', () => databaseStep.allocateCollection({ financingId: run.financingId, idempotencyKey, at: new Date() }));
}

export function claimRecourse(run: FinancingRun) {
  return runStep(run, 'claimRecourse', () => databaseStep.claimRecourse({ financingId: run.financingId, at: new Date() }));
}

export function readFinancingStatus(run: FinancingRun) {
  return runStep(run, 'readFinancingStatus', () => databaseStep.readFinancingStatus({ financingId: run.financingId }));
}

/** Writes the mark on the financing and tells the operators (FinancingRun.record). */
export function recordFinancingAttention(run: FinancingRun, attention: Attention): Promise<void> {
  return attentionRecord.recordFinancingAttention({ financingId: run.financingId, attention, dedupeKey: `${run.workflowId}:attention:${attention.step}:${attention.since.toISOString()}` });
}

/** An operator resumes (an Update): the mark is cleared before the steps run again. */
export function clearFinancingAttention(run: FinancingRun, args: ResumeArgs): Promise<void> {
  return personWaiting.clearFinancingAttention({ financingId: run.financingId, actor: args.actor });
}
