// Expected failures: rule violations a caller can act on. Each has a stable
// UPPER_SNAKE `code` (catalogued in docs/errors.md) and a message that says what is
// wrong. The GraphQL layer returns them as typed results; activities turn them into
// non-retryable failures. Anything else is a bug and is masked at the edge.

export interface FieldIssue {
  /** Path to the offending input, e.g. ["input", "invoices", "0", "amount"]. */
  path: string[];
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** Input is malformed or breaks a rule that depends on the input alone. */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code: string;
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], code = 'VALIDATION_FAILED') {
    super(issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; '));
    this.code = code;
    this.issues = issues;
  }

  static field(path: string[], message: string, code?: string): ValidationError {
    return new ValidationError([{ path, message }], code);
  }
}

/** Unknown id, or an object the caller's party may not see: the two are indistinguishable on purpose. */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** The caller may see the object but lacks the role for this action. */
export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly code: string;
  constructor(message: string, code = 'FORBIDDEN') {
    super(message);
    this.code = code;
  }
}

/** The request collides with existing data: a duplicate, or a reused idempotency key. */
export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The object is not in a state where this action is allowed (or no longer: its deadline passed). */
export class WrongStateError extends DomainError {
  override readonly name = 'WrongStateError';
  constructor(
    message: string,
    readonly currentState: string,
    readonly code: 'WRONG_STATE' | 'DEADLINE_PASSED' | 'ACCOUNTING_DAY_CLOSED' | 'MAKER_NOT_ACTIVE' = 'WRONG_STATE',
  ) {
    super(message);
  }
}

/** A balance, hold or credit limit does not have room for the amount. */
export class LimitExceededError extends DomainError {
  override readonly name = 'LimitExceededError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An invoice in the registration is already active in another registration (no double financing). */
export class ReceivableEncumberedError extends DomainError {
  override readonly name = 'ReceivableEncumberedError';
  readonly code = 'RECEIVABLE_ALREADY_ENCUMBERED';
  /** `registrationNumber` is the registration that holds the invoice when it is the caller's own; null when it is another party's (whose it is, is not told). */
  constructor(
    readonly registrationNumber: string | null,
    readonly invoiceCode: string,
    readonly invoiceNumber: string,
  ) {
    super(`invoice ${invoiceCode} ${invoiceNumber} is already encumbered by ${registrationNumber === null ? 'an active registration' : `registration ${registrationNumber}`}`);
  }
}

/**
 * A bank statement whose opening balance is not the closing balance of the statement before it
 * (or whose closing balance is not the opening of the one after): a day is missing or the file
 * is not the bank's. Both figures are named, with the day each comes from.
 */
export class StatementContinuityError extends DomainError {
  override readonly name = 'StatementContinuityError';
  readonly code = 'STATEMENT_BALANCE_DISCONTINUOUS';
  constructor(
    readonly statementDate: string,
    readonly balance: string,
    readonly adjacentDate: string,
    readonly adjacentBalance: string,
    readonly currency: string,
    side: 'OPENING' | 'CLOSING',
  ) {
    super(
      side === 'OPENING'
        ? `the opening balance ${balance} ${currency} of the statement of ${statementDate} is not the closing balance ${adjacentBalance} ${currency} of the statement of ${adjacentDate}`
        : `the closing balance ${balance} ${currency} of the statement of ${statementDate} is not the opening balance ${adjacentBalance} ${currency} of the statement of ${adjacentDate}`,
    );
  }
}

/** A subscriber resumed after an event too far back: more events have happened since than a replay holds. */
export class EventReplayWindowError extends DomainError {
  override readonly name = 'EventReplayWindowError';
  readonly code = 'EVENT_REPLAY_WINDOW_EXCEEDED';
  constructor(
    readonly after: string,
    readonly eventsMax: number,
  ) {
    super(`more than ${eventsMax} events have happened since event ${after}: subscribe afresh and read the current state with queries`);
  }
}
