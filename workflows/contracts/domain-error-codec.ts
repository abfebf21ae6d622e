import {
  ConflictError,
  type DomainError,
  ForbiddenError,
  LimitExceededError,
  NotFoundError,
  ReceivableEncumberedError,
  ValidationError,
  WrongStateError,
  type FieldIssue,
} from '../../domain/errors';

// Domain errors cross Temporal (activity → workflow → update caller) as the details of a
// non-retryable ApplicationFailure. This codec is the one place that knows their shapes, so
// the API can hand the caller the same typed error the activity raised.

export interface EncodedDomainError {
  kind: string;
  code: string;
  message: string;
  issues?: FieldIssue[];
  entity?: string;
  id?: string;
  currentState?: string;
  registrationNumber?: string | null;
  invoiceCode?: string;
  invoiceNumber?: string;
}

export function encodeDomainError(error: DomainError): EncodedDomainError {
  const base = { kind: error.name, code: error.code, message: error.message };
  if (error instanceof ValidationError) return { ...base, issues: error.issues };
  if (error instanceof NotFoundError) return { ...base, entity: error.entity, id: error.id };
  if (error instanceof WrongStateError) return { ...base, currentState: error.currentState };
  if (error instanceof ReceivableEncumberedError) return { ...base, registrationNumber: error.registrationNumber, invoiceCode: error.invoiceCode, invoiceNumber: error.invoiceNumber };
  return base;
}

export function decodeDomainError(encoded: EncodedDomainError): DomainError {
  switch (encoded.kind) {
    case 'ValidationError':
      return new ValidationError(encoded.issues ?? [{ path: [], message: encoded.message }], encoded.code);
    case 'NotFoundError':
      return new NotFoundError(encoded.entity ?? 'Object', encoded.id ?? '');
    case 'ForbiddenError':
      return new ForbiddenError(encoded.message, encoded.code);
    case 'WrongStateError':
      return new WrongStateError(encoded.message, encoded.currentState ?? 'UNKNOWN', encoded.code === 'DEADLINE_PASSED' || encoded.code === 'ACCOUNTING_DAY_CLOSED' ? encoded.code : 'WRONG_STATE');
    case 'LimitExceededError':
      return new LimitExceededError(encoded.code, encoded.message);
    case 'ReceivableEncumberedError':
      return new ReceivableEncumberedError(encoded.registrationNumber ?? null, encoded.invoiceCode ?? '', encoded.invoiceNumber ?? '');
    default:
      return new ConflictError(encoded.code, encoded.message);
  }
}

export function isEncodedDomainError(value: unknown): value is EncodedDomainError {
  return typeof value === 'object' && value !== null && typeof (value as EncodedDomainError).kind === 'string' && typeof (value as EncodedDomainError).code === 'string';
}

/** The ApplicationFailure type that marks a domain error (and is never retried). */
export const DOMAIN_ERROR_FAILURE_TYPE = 'DomainError';
