import { ConflictError, type DomainError, ForbiddenError, LimitExceededError, NotFoundError, ValidationError, WrongStateError, type FieldIssue } from '../domain/errors';
import { builder } from './builder';

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure. `code` is stable (see docs/errors.md); `message` says what is wrong.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Path to the field, e.g. ["input", "creditCode"].' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is malformed or breaks a rule; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ issues: t.field({ type: [FieldIssueRef], resolve: (error) => error.issues }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such object, or one your party may not see.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({ entity: t.exposeString('entity'), id: t.exposeString('id') }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your party or role may not perform this action.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The request collides with existing data (a duplicate, or a reused idempotency key).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ConflictError,
});

builder.objectType(WrongStateError, {
  name: 'WrongStateError',
  description: 'The object is not in a state that allows this action.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof WrongStateError,
  fields: (t) => ({ currentState: t.exposeString('currentState') }),
});

builder.objectType(LimitExceededError, {
  name: 'LimitExceededError',
  description: 'A balance, hold or credit limit has no room for the amount.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LimitExceededError,
});

/** The errors nearly every field can return: bad input, or a role that may not act. */
export const COMMON_ERRORS = [ValidationError, ForbiddenError] as const;
/** Plus "not found", for fields that take an id. */
export const LOOKUP_ERRORS = [...COMMON_ERRORS, NotFoundError] as const;
