import { condition, patched } from '@temporalio/workflow';
import type { FinancingStatus } from '../../contracts/financing';
import { expire, generateDocument, notify } from './financing-steps';
import { obligorKnows, statusOf, type FinancingRun } from './financing-run';

// Origination (docs/workflows/financing.md): under OPEN assignment the core enterprise
// acknowledges or refuses before its deadline; then two users of the funder approve and
// confirm before theirs; the supplier may withdraw until then. The decisions themselves arrive
// as Updates (financing-workflow.ts); this phase asks, waits and expires.

/** Waits while the financing is `waiting`; at the deadline it expires (the database settles a race with a decision). */
async function waitWhile(run: FinancingRun, waiting: FinancingStatus, deadline: Date | null): Promise<void> {
  if (statusOf(run) !== waiting || deadline === null) return;
  const wait = deadline.getTime() - Date.now();
  if (wait > 0) await condition(() => statusOf(run) !== waiting, wait);
  if (statusOf(run) === waiting) await expire(run, `expire:${waiting}`);
}

/** Asks each side in turn and waits for its decision or its deadline; ends in APPROVED or a closed state. */
export async function awaitDecisions(run: FinancingRun): Promise<void> {
  if (statusOf(run) === 'PENDING_ACKNOWLEDGEMENT') {
    await notify(run, 'OBLIGOR', 'ACKNOWLEDGEMENT_REQUESTED');
    await waitWhile(run, 'PENDING_ACKNOWLEDGEMENT', run.origination.acknowledgementDeadline);
    if (statusOf(run) === 'PENDING_APPROVAL') {
      await generateDocument(run, 'ASSIGNMENT_ACKNOWLEDGEMENT');
      await notify(run, 'SUPPLIER', 'ASSIGNMENT_ACKNOWLEDGED');
    }
  }
  if (statusOf(run) === 'PENDING_APPROVAL') {
    await notify(run, 'FUNDER', 'APPROVAL_REQUESTED');
    // Under OPEN assignment the funder's clock started at the acknowledgement: read it from the state.
    await waitWhile(run, 'PENDING_APPROVAL', run.state.approvalDeadline);
  }
  if (statusOf(run) === 'PENDING_CONFIRMATION') {
    await notify(run, 'FUNDER', 'APPROVAL_CONFIRMATION_REQUESTED');
    await waitWhile(run, 'PENDING_CONFIRMATION', run.state.approvalDeadline);
  }
}

/**
 * The change that took the documents after approval (the terms summary, the disbursement
 * advice) off the path of the money: runs started before it render each before the next step.
 */
export const DOCUMENTS_ALONGSIDE_MONEY_PATCH = 'documents-alongside-money';

/**
 * The change that took the news of the approval and of the disbursement off the path of the
 * money: runs started before it tell the supplier, then the core enterprise, before the funding,
 * and the supplier of the disbursement before the payout is sent.
 */
export const NOTICES_ALONGSIDE_MONEY_PATCH = 'notices-alongside-money';

/** What the approval left under way: the terms summary, and the news of it (null on the paths before NOTICES_ALONGSIDE_MONEY_PATCH, which awaited it). */
export interface Approval {
  document: Promise<unknown>;
  notices: Promise<unknown> | null;
}

/**
 * The terms summary, and the news to the supplier (and to the core enterprise if it knows).
 * Both go on alongside the funding; what is returned is what the caller must wait for before
 * the run ends or continues as new. Runs started before the patches waited for each in turn.
 */
export async function announceApproval(run: FinancingRun): Promise<Approval> {
  if (!patched(DOCUMENTS_ALONGSIDE_MONEY_PATCH)) {
    await generateDocument(run, 'FINANCING_TERMS');
    await notify(run, 'SUPPLIER', 'FINANCING_APPROVED');
    if (obligorKnows(run)) await notify(run, 'OBLIGOR', 'FINANCING_APPROVED');
    return { document: Promise.resolve(), notices: null };
  }
  // A PDF must never delay the money: the funding and the payout go on while it renders.
  const document = generateDocument(run, 'FINANCING_TERMS');
  if (!patched(NOTICES_ALONGSIDE_MONEY_PATCH)) {
    await notify(run, 'SUPPLIER', 'FINANCING_APPROVED');
    if (obligorKnows(run)) await notify(run, 'OBLIGOR', 'FINANCING_APPROVED');
    return { document, notices: null };
  }
  // Nor an inbox message: each party is told once, whenever its message is written, and the
  // two messages go to different parties, so nothing orders one after the other.
  const notices = Promise.all([notify(run, 'SUPPLIER', 'FINANCING_APPROVED'), ...(obligorKnows(run) ? [notify(run, 'OBLIGOR', 'FINANCING_APPROVED')] : [])]);
  return { document, notices };
}

/** A financing a person ended before approval: the other sides are told. */
export async function announceClosing(run: FinancingRun): Promise<void> {
  switch (statusOf(run)) {
    case 'REFUSED':
      await notify(run, 'SUPPLIER', 'ASSIGNMENT_REFUSED');
      break;
    case 'REJECTED':
      await notify(run, 'SUPPLIER', 'FINANCING_REJECTED');
      if (obligorKnows(run)) await notify(run, 'OBLIGOR', 'FINANCING_REJECTED');
      break;
    case 'WITHDRAWN':
      await notify(run, 'FUNDER', 'FINANCING_WITHDRAWN');
      if (obligorKnows(run)) await notify(run, 'OBLIGOR', 'FINANCING_WITHDRAWN');
      break;
    default:
      break;
  }
}

/** A deadline passed (acknowledgement, approval or funding): everyone concerned is told. */
export async function announceExpiry(run: FinancingRun): Promise<void> {
  await notify(run, 'SUPPLIER', 'FINANCING_EXPIRED');
  await notify(run, 'FUNDER', 'FINANCING_EXPIRED');
  if (obligorKnows(run)) await notify(run, 'OBLIGOR', 'FINANCING_EXPIRED');
}
