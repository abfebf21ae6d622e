import { allHandlersFinished, condition } from '@temporalio/workflow';
import type { DomainError } from '../../domain/errors';
import { refuse, updateKey } from './update-support';

/**
 * A run's opening: its first Update (the registration, the application) commits to the
 * database in an activity before the run has processed the activity's result. A client whose
 * first call timed out retries it and is answered from the database, then sends its next
 * decision: that Update may reach the run, in the same activation as the activity's result and
 * ahead of it, before the run has finished opening. Its handler is therefore registered when
 * the run starts and waits for the opening, instead of the Update being rejected for want of a
 * handler (which the caller met as an unexpected error).
 */
export interface RunOpening<Run> {
  /** The opened run, or null while opening or when the first Update was refused. */
  run: Run | null;
  /** True once the first Update has been answered (or the wait for it ran out). */
  settled: boolean;
}

/**
 * Waits, at most `waitMs`, until the first Update has opened the run or been refused. A refusal
 * decides nothing while another request is still being checked (a twin under the same key, with
 * another body, refused before the first is answered): that one may yet open the run, which must
 * then go on, not be left with nothing following it.
 */
export async function awaitOpening(opened: () => boolean, refused: () => boolean, waitMs: number): Promise<void> {
  await condition(() => opened() || refused(), waitMs);
  if (!opened()) await condition(allHandlersFinished);
}

/**
 * A decision's handler and validator that wait for the run to open: the validator judges only
 * an opened run (one that is still opening is accepted and judged after the wait), the handler
 * gets the opened run and the Update's key. `notOpened` answers a run whose opening was refused.
 */
export function afterOpening<Run, Args, Result>(
  opening: RunOpening<Run>,
  notOpened: () => DomainError,
  validate: (run: Run, args: Args) => void,
  handle: (run: Run, args: Args, key: string) => Promise<Result>,
): { handler: (args: Args) => Promise<Result>; validator: (args: Args) => void } {
  return {
    validator: (args) => {
      if (!opening.settled) return;
      if (opening.run === null) refuse(notOpened());
      validate(opening.run, args);
    },
    // Not an async function: on an opened run the handler returns `handle`'s own promise, so its
    // completion takes the same turns as before this wait existed, and recorded histories replay.
    handler: (args) => {
      const key = updateKey();
      if (opening.settled) return handle(opening.run as Run, args, key);
      return condition(() => opening.settled).then(() => {
        if (opening.run === null) refuse(notOpened());
        validate(opening.run, args);
        return handle(opening.run, args, key);
      });
    },
  };
}
