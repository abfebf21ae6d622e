import { condition } from '@temporalio/workflow';
import { expire, generateDocument, notify } from './receivable-steps';
import { isDecided, type ReceivableRun } from './receivable-run';

// The confirmation (确权, docs/workflows/receivable.md): the core enterprise is asked, reminded
// on schedule and, at the deadline, the receivable expires. The decisions themselves arrive as
// Updates (receivable-confirmation-workflow.ts); this phase asks, waits and tells.

/** Asks, reminds at each offset before the deadline, and expires the receivable if nobody answered. */
export async function awaitConfirmation(run: ReceivableRun): Promise<void> {
  await notify(run, 'OBLIGOR', 'CONFIRMATION_REQUESTED', 'requested');
  const decided = () => isDecided(run);
  const registeredAt = run.registration.registeredAt.getTime();
  const deadline = run.registration.confirmationDeadline.getTime();
  const reminders = [...run.input.reminderOffsetsMs].sort((a, b) => a - b).filter((offset) => registeredAt + offset < deadline);
  for (const [index, offset] of reminders.entries()) {
    const wait = registeredAt + offset - Date.now();
    if (wait > 0 && (await condition(decided, wait))) break;
    if (decided()) break;
    await notify(run, 'OBLIGOR', 'CONFIRMATION_REMINDER', `reminder:${index + 1}`);
  }
  if (!decided()) {
    const wait = deadline - Date.now();
    if (wait > 0) await condition(decided, wait);
  }
  // The decision may race the deadline; the database settles it (an answered receivable does not expire).
  if (!decided()) await expire(run);
}

/** The confirmation letter, and the news to whoever did not take the decision. */
export async function announceOutcome(run: ReceivableRun): Promise<void> {
  switch (run.state.status) {
    case 'CONFIRMED':
      await generateDocument(run, 'CONFIRMATION_LETTER');
      await notify(run, 'SUPPLIER', 'RECEIVABLE_CONFIRMED', 'confirmed');
      break;
    case 'REJECTED':
      await notify(run, 'SUPPLIER', 'RECEIVABLE_REJECTED', 'rejected');
      break;
    case 'EXPIRED':
      await notify(run, 'SUPPLIER', 'RECEIVABLE_EXPIRED', 'expired:supplier');
      await notify(run, 'OBLIGOR', 'RECEIVABLE_EXPIRED', 'expired:obligor');
      break;
    case 'CANCELLED':
      await notify(run, 'OBLIGOR', 'RECEIVABLE_CANCELLED', 'cancelled');
      break;
    default:
      break;
  }
}
