import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { VoucherDecider, VoucherNotificationKind, VoucherTransferDecision, VoucherTransferState } from '../../contracts/voucher-acceptance';
import { DATABASE_STEP, DOCUMENT, PERSON_WAITING } from '../activity-bounds';

// Every activity the voucher acceptance workflow calls, each with its bound (activity-bounds.ts):
// a person's decision fails the request at its bound; the clock's expiry and the notifications
// retry for as long as a database outage may last.

const personWaiting = proxyActivities<Activities>(PERSON_WAITING);
const databaseStep = proxyActivities<Activities>(DATABASE_STEP);
const document = proxyActivities<Activities>(DOCUMENT);

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

/**
 * The transfer certificate of an accepted transfer, rendered once and stored. The claim has
 * already moved: a rendering that keeps failing past its bound (a fault in the data or the code)
 * is logged at error level and leaves the acceptance as it is; the workflow still ends ACCEPTED.
 */
export async function certify(transferId: string, workflowId: string): Promise<void> {
  try {
    await document.generateTransferCertificate({ transferId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error(`${workflowId}: the transfer certificate could not be rendered; the acceptance stands: ${error.cause?.message ?? error.message}`);
  }
}
