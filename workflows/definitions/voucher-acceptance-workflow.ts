import { allHandlersFinished, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { WrongStateError } from '../../domain/errors';
import {
  acceptVoucherTransferUpdate,
  approveVoucherTransferUpdate,
  cancelVoucherTransferUpdate,
  refuseVoucherTransferUpdate,
  rejectVoucherTransferUpdate,
  voucherTransferEndedSignal,
  voucherTransferStateQuery,
  type VoucherAcceptanceInput,
  type VoucherDecisionArgs,
  type VoucherReasonArgs,
  type VoucherTransferDecision,
  type VoucherTransferState,
  type VoucherTransferStatus,
} from '../contracts/voucher-acceptance';
import { refuse } from './update-support';
import { certify, decide, expire, notify } from './voucher/voucher-acceptance-steps';

/**
 * The change that renders each accepted transfer's certificate (docs/workflows/changing-a-workflow.md):
 * a history written before it ends with the outcome's notification and no document activity.
 */
export const TRANSFER_CERTIFICATE_PATCH = 'transfer-certificate';

const DECIDED: readonly VoucherTransferStatus[] = ['ACCEPTED', 'REJECTED', 'CANCELLED', 'REFUSED', 'EXPIRED', 'RECIPIENT_NAME_MISMATCH'];

/** Which state each decision is taken in: the transferor's before approval, the recipient's after. */
const DECIDED_IN: Record<Exclude<VoucherTransferDecision['kind'], 'EXPIRE'>, VoucherTransferStatus> = {
  APPROVE: 'PENDING_APPROVAL',
  REJECT: 'PENDING_APPROVAL',
  CANCEL: 'PENDING_APPROVAL',
  ACCEPT: 'PENDING_ACCEPTANCE',
  REFUSE: 'PENDING_ACCEPTANCE',
};

/**
 * One voucher transfer's acceptance (签收), the included: waits for the transferor's
 * checker to approve, then offers the transfer to the recipient, reminds it on schedule, and ends
 * when it accepts or refuses, the transferor rejects or cancels, or the deadline passes (on the
 * workflow's clock). The decisions are Updates answered with the new state; the database applies
 * each under the transfer's row lock. Workflow id: `voucher-transfer:<transferId>`. See
 * docs/workflows/voucher-acceptance.md.
 */
export async function voucherAcceptanceWorkflow(input: VoucherAcceptanceInput): Promise<VoucherTransferState> {
  const { transferId } = input;
  const { workflowId } = workflowInfo();
  const state: VoucherTransferState = { status: 'PENDING_APPROVAL' };
  const decided = () => DECIDED.includes(state.status);
  // Set when the database ended the transfer without a decision through this workflow (the
  // recipient registered under another name): an Update's answer that arrives later, from before
  // that end, must not put the workflow back to waiting.
  let endedElsewhere: VoucherTransferStatus | null = null;

  const handler = <Args extends VoucherDecisionArgs>(kind: Exclude<VoucherTransferDecision['kind'], 'EXPIRE'>, make: (args: Args) => VoucherTransferDecision) =>
    [
      async (args: Args) => {
        const answer = await decide(transferId, make(args), args.actor);
        state.status = endedElsewhere ?? answer.status;
        return answer;
      },
      {
        // Turns away what is already decided without writing to the history; the database re-checks.
        validator: (_args: Args) => {
          if (state.status !== DECIDED_IN[kind]) refuse(new WrongStateError(`cannot ${kind.toLowerCase()} a voucher transfer that is ${state.status}`, state.status));
        },
      },
    ] as const;
  setHandler(approveVoucherTransferUpdate, ...handler('APPROVE', () => ({ kind: 'APPROVE' })));
  setHandler(rejectVoucherTransferUpdate, ...handler<VoucherReasonArgs>('REJECT', (args) => ({ kind: 'REJECT', reason: args.reason })));
  setHandler(cancelVoucherTransferUpdate, ...handler<VoucherReasonArgs>('CANCEL', (args) => ({ kind: 'CANCEL', reason: args.reason })));
  setHandler(acceptVoucherTransferUpdate, ...handler('ACCEPT', () => ({ kind: 'ACCEPT' })));
  setHandler(refuseVoucherTransferUpdate, ...handler<VoucherReasonArgs>('REFUSE', (args) => ({ kind: 'REFUSE', reason: args.reason })));
  setHandler(voucherTransferStateQuery, () => state);
  // The end is already committed: the workflow only stops waiting and announces it. A copy of the
  // signal, or one arriving after another end, changes nothing.
  setHandler(voucherTransferEndedSignal, ({ status }) => {
    if (decided()) return;
    endedElsewhere = status;
    state.status = status;
  });

  const proposedAt = new Date(input.proposedAt).getTime();
  const deadline = new Date(input.acceptanceDeadline).getTime();
  const untilDeadline = () => Math.max(0, deadline - Date.now());

  // Approval: the transferor's checker, before the same deadline.
  if (untilDeadline() > 0) await condition(() => state.status !== 'PENDING_APPROVAL', untilDeadline());
  if (state.status === 'PENDING_ACCEPTANCE') {
    await notify(transferId, workflowId, 'RECIPIENT', 'VOUCHER_TRANSFER_OFFERED', 'offered');
    const reminders = [...input.reminderOffsetsMs].sort((a, b) => a - b).filter((offset) => proposedAt + offset < deadline);
    for (const [index, offset] of reminders.entries()) {
      const wait = proposedAt + offset - Date.now();
      if (wait > 0 && (await condition(decided, wait))) break;
      if (decided()) break;
      await notify(transferId, workflowId, 'RECIPIENT', 'VOUCHER_TRANSFER_REMINDER', `reminder:${index + 1}`);
    }
    if (!decided() && untilDeadline() > 0) await condition(decided, untilDeadline());
  }
  // A decision may race the deadline; the database settles it (a decided transfer does not expire).
  if (!decided()) state.status = (await expire(transferId)).status;
  // Let an Update that arrived during the last step finish and answer its caller.
  await condition(allHandlersFinished);
  // The certificate follows the acceptance, off its path: the claim has moved and the recipient
  // had its answer before anything is rendered, and the transferor's news does not wait for a PDF.
  const certificate = state.status === 'ACCEPTED' && patched(TRANSFER_CERTIFICATE_PATCH) ? certify(transferId, workflowId) : Promise.resolve();
  await announce(transferId, workflowId, state.status);
  await certificate;
  return state;
}

/** The outcome, to whoever did not take the decision. */
async function announce(transferId: string, workflowId: string, status: VoucherTransferStatus): Promise<void> {
  switch (status) {
    case 'ACCEPTED':
      await notify(transferId, workflowId, 'TRANSFEROR', 'VOUCHER_TRANSFER_ACCEPTED', 'accepted');
      break;
    case 'REFUSED':
      await notify(transferId, workflowId, 'TRANSFEROR', 'VOUCHER_TRANSFER_REFUSED', 'refused');
      break;
    case 'EXPIRED':
      await notify(transferId, workflowId, 'TRANSFEROR', 'VOUCHER_TRANSFER_EXPIRED', 'expired:transferor');
      await notify(transferId, workflowId, 'RECIPIENT', 'VOUCHER_TRANSFER_EXPIRED', 'expired:recipient');
      break;
    case 'CANCELLED':
      await notify(transferId, workflowId, 'TRANSFEROR', 'VOUCHER_TRANSFER_CANCELLED', 'cancelled');
      break;
    case 'REJECTED':
      await notify(transferId, workflowId, 'TRANSFEROR', 'VOUCHER_TRANSFER_REJECTED', 'rejected');
      break;
    case 'RECIPIENT_NAME_MISMATCH':
      // Written already by the party's creation under this very key: this copy is the one a lost notice would need.
      await notify(transferId, workflowId, 'TRANSFEROR', 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH', 'recipient-name-mismatch');
      break;
    default:
      break;
  }
}
