import { ConflictError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from '../../../domain/errors';
import { databaseFailureOf } from '../database-failure';

// Database errors raised by the ledger, mapped to the domain errors they stand for (the store's edge).

function accountInRow(detail: string | undefined): { id: string; code: string } | undefined {
  const match = /\(([0-9a-f-]{36}), ([^,]+),/.exec(detail ?? '');
  return match ? { id: match[1] as string, code: match[2] as string } : undefined;
}

/** Maps a database error raised by the ledger to the domain error it stands for; anything else passes through. */
export function toDomainError(error: unknown): unknown {
  const failure = databaseFailureOf(error);
  if (!failure) return error;
  const detail = failure.detail || undefined;
  switch (failure.code) {
    case 'LG001':
      return new ConflictError('IDEMPOTENCY_KEY_REUSED', failure.message);
    case 'LG002':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'TRANSACTION_UNBALANCED');
    case 'LG003':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'CURRENCY_MISMATCH');
    case 'LG004':
      return new ValidationError([{ path: ['amount'], message: failure.message }], 'AMOUNT_TOO_MANY_DECIMALS');
    case 'LG005':
      return new WrongStateError(failure.message, 'CLOSED');
    case 'LG006':
      return new NotFoundError('LedgerAccount', detail ?? 'unknown');
    case 'LG007':
      return new NotFoundError('LedgerHold', detail ?? 'unknown');
    case 'LG008':
      return new WrongStateError(failure.message, detail ?? 'RESOLVED');
    case 'LG009':
      return new WrongStateError(failure.message, 'EXPIRED');
    case 'LG010':
      return new LimitExceededError('EXCEEDS_HOLD_AMOUNT', failure.message);
    case 'LG012':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'BOOKS_MIXED');
    case 'LG013':
      return new ValidationError([{ path: ['entries'], message: failure.message }], 'TOO_FEW_ENTRIES');
    case 'LG015':
      // The message names the closed accounting day the posting was aimed at.
      return new WrongStateError(failure.message, 'CLOSED', 'ACCOUNTING_DAY_CLOSED');
    case 'LG014':
      return new ValidationError([{ path: ['transactions'], message: failure.message }], 'DUPLICATE_IDEMPOTENCY_KEY');
    case '23505':
      if (failure.constraint === 'ledger_transaction_reverses_once') return new ConflictError('TRANSACTION_ALREADY_REVERSED', 'this transaction has already been reversed');
      if (failure.constraint === 'ledger_hold_resolution_key_key') return new ConflictError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key already resolved another hold');
      if (failure.constraint === 'ledger_account_code_key') return new ConflictError('ACCOUNT_CODE_TAKEN', failure.message);
      return error;
    case '23514': {
      if (failure.constraint === 'ledger_account_debits_within_credits' || failure.constraint === 'ledger_account_credits_within_debits') {
        const account = accountInRow(detail);
        const which = account ? `account ${account.code} (${account.id})` : 'an account';
        return new LimitExceededError('EXCEEDS_AVAILABLE_BALANCE', `${which} does not have the available balance for this; nothing was posted`);
      }
      if (failure.constraint === 'ledger_transaction_not_future') {
        return new ValidationError([{ path: ['effectiveAt'], message: 'must not be in the future' }], 'EFFECTIVE_AT_IN_FUTURE');
      }
      if (failure.message.startsWith('ledger account ')) return new ValidationError([{ path: [], message: failure.message }]);
      return error;
    }
    default:
      return error;
  }
}
