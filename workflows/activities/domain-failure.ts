import { ApplicationFailure } from '@temporalio/activity';
import { DomainError } from '../../domain/errors';
import { DOMAIN_ERROR_FAILURE_TYPE, encodeDomainError } from '../contracts/domain-error-codec';

/**
 * The activity edge: a rule violation becomes a non-retryable ApplicationFailure carrying
 * the encoded error (retrying cannot make a wrong amount right); anything else is thrown
 * as it is and retried by the activity's policy.
 */
export async function withDomainFailures<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) {
      throw ApplicationFailure.create({ type: DOMAIN_ERROR_FAILURE_TYPE, message: error.message, nonRetryable: true, details: [encodeDomainError(error)] });
    }
    throw error;
  }
}
