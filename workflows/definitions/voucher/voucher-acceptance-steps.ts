import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { VoucherDecider, VoucherNotificationKind, VoucherTransferDecision, VoucherTransferState } from '../../contracts/voucher-acceptance';
import { DATABASE_STEP, PERSON_WAITING } from '../activity-bounds';

// Every activity the voucher acceptance workflow calls, each with its bound (activity-bounds.ts):
// a person's decision fails the request at its bound; the clock's expiry and the notifications
// retry for as long as a database outage may last.

const personWaiting = proxyActivities<Activities>(PERSON_WAITING);
const databaseStep = proxyActivities<Activities>(DATABASE_STEP);

/** A person's decision (an Update): answered with the new state. */
export function decide(transferId: string, decision: VoucherTransferDecision, actor: VoucherDecider): Promise<VoucherTransferState> {
  return personWaiting.decideVoucherTransfer({ transferId, decision, actor });
}

/** The deadline passed: the database settles a race with a decision (a decided transfer does not expire). */
export function expire(transferId: string): Promise<VoucherTransferState> {
  return databaseStep.decideVoucherTransfer({ transferId, decision: { kind: 'EXPIRE' }, actor: null });
}

export function notify(transferId: string, workflowId: string, to: 'TRANSFEROR' | 'RECIPIENT', kind: VoucherNotificationKind, dedupe: string): Promise<void> {
  return databaseStep.notifyVoucherTransferParty({ transferId, to, kind, dedupeKey: `${workflowId}:${dedupe}` });
}
