import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Logger } from 'pino';
import { DomainError } from '../../domain/errors';
import { DOMAIN_ERROR_FAILURE_TYPE, encodeDomainError } from '../contracts/domain-error-codec';

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** The attempt's place in its retries, when called by a worker (tests call activities directly). */
function attemptInfo(): { activityType: string; attempt: number } | undefined {
  try {
    const { activityType, attempt } = Context.current().info;
    return { activityType, attempt };
  } catch {
    return undefined;
  }
}

/**
 * The activity edge, applied once to every activity where they are created: a rule violation
 * becomes a non-retryable ApplicationFailure carrying the encoded error (retrying cannot make a
 * wrong amount right, and an endless retry would hide it); anything else is logged and thrown
 * as it is, for the activity's retry policy. Every activity therefore fails and logs the same way.
 */
export function atActivityEdge<Activities extends Record<string, ActivityFunction>>(activities: Activities, logger: Logger): Activities {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, run] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await run(...args);
      } catch (error) {
        const info = attemptInfo();
        if (error instanceof DomainError) {
          logger.info({ activity: name, attempt: info?.attempt, code: error.code }, `${name} refused: ${error.message}`);
          // BENIGN: an expected business outcome, not an operational failure (the SDK logs it at debug and keeps it out of failure metrics).
          throw ApplicationFailure.create({ type: DOMAIN_ERROR_FAILURE_TYPE, message: error.message, nonRetryable: true, details: [encodeDomainError(error)], category: ApplicationFailureCategory.BENIGN });
        }
        logger.warn({ activity: name, attempt: info?.attempt, err: error }, `${name} failed; the retry policy decides what happens next`);
        throw error;
      }
    };
  }
  return wrapped as Activities;
}
