import { ActivityFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { VoucherDecider, VoucherNotificationKind, VoucherTransferDecision, VoucherTransferState } from '../../contracts/voucher-acceptance';
import { ATTENTION_RECORD, DATABASE_STEP, DOCUMENT, PERSON_WAITING } from '../activity-bounds';

// Every activity the voucher acceptance workflow calls, each with its bound (activity-bounds.ts):
// a person's decision fails the request at its bound; the clock's expiry and the notifications
// retry for as long as a database outage may last.

const personWaiting = proxyActivities<Activities>(PERSON_WAITING);
const databaseStep = proxyActivities<Activities>(DATABASE_STEP);
const document = proxyActivities<Activities>(DOCUMENT);
const attentionRecord = proxyActivities<Activities>(ATTENTION_RECORD);

/**
 * The change that tells operators of a certificate whose rendering failed
 * (docs/workflows/changing-a-workflow.md): a history written before it ends with the log line alone.
 */
export const TRANSFER_CERTIFICATE_FAILURE_NOTICE_PATCH = 'transfer-certificate-failure-notice';

const REASON_LENGTH_MAX = 1000;

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
 * Every operator party is told, so that one fixes the cause and renders the certificate again
 * (renderTransferCertificate); the transfer's parties are told nothing of the failure.
 */
export async function certify(transferId: string, workflowId: string): Promise<void> {
  try {
    await document.generateTransferCertificate({ transferId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = (error.cause?.message ?? error.message).slice(0, REASON_LENGTH_MAX);
    log.error(`${workflowId}: the transfer certificate could not be rendered; the acceptance stands: ${reason}`);
    if (!patched(TRANSFER_CERTIFICATE_FAILURE_NOTICE_PATCH)) return;
    try {
      await attentionRecord.reportTransferCertificateFailure({ transferId, reason, dedupeKey: `${workflowId}:certificate-failed` });
    } catch (noticeError) {
      // The database is likely what failed: the log line above is then all there is to find it by.
      if (!(noticeError instanceof ActivityFailure)) throw noticeError;
      log.error(`${workflowId}: could not tell the operators that the transfer certificate is missing: ${noticeError.message}`);
    }
  }
}
