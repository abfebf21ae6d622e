import { ApplicationFailure, currentUpdateInfo } from '@temporalio/workflow';
import { DOMAIN_ERROR_FAILURE_TYPE, encodeDomainError } from '../contracts/domain-error-codec';
import type { DomainError } from '../../domain/errors';

/** Answers an Update's caller with a typed error (never retried; the history is untouched when thrown from a validator). */
export function refuse(error: DomainError): never {
  throw ApplicationFailure.create({ type: DOMAIN_ERROR_FAILURE_TYPE, message: error.message, nonRetryable: true, details: [encodeDomainError(error)] });
}

/**
 * The Update's id keys its decision: the API sets it from the request, so a client's retry
 * is deduplicated by Temporal, and an activity retry finds the decision already applied.
 */
export function updateKey(): string {
  const info = currentUpdateInfo();
  if (!info) throw new Error('updateKey() called outside an Update handler');
  return info.id;
}
