import { ValidationError, type FieldIssue } from './errors';
import { AmountError, Decimal, isCurrency, parseAmount, type Currency } from './money';
import { yearlyNumber } from './numbers';

// A balance paid out of the escrow to a party's own bank account (docs/ledger.md, "Payouts of a
// balance"): a supplier withdrawing its settlement account (提现), or the platform sweeping its
// fee income to its own bank account, so that customer money and platform money are never mixed
// at the bank. Both are payouts under the rules of a disbursement's: one reference, a timeout is
// unknown and not failed, the bank is asked before anything is sent again, a return is booked
// for what came back.

export type BalancePayoutPurpose = 'WITHDRAWAL' | 'FEE_SWEEP';

/** What each purpose's reference starts with: WDR-2026-00000001, FSW-2026-00000001. */
export const BALANCE_PAYOUT_PREFIX: Record<BalancePayoutPurpose, string> = { WITHDRAWAL: 'WDR', FEE_SWEEP: 'FSW' };

export function balancePayoutReference(purpose: BalancePayoutPurpose, year: number, number: bigint | number): string {
  return yearlyNumber(BALANCE_PAYOUT_PREFIX[purpose], year, number);
}

const AMOUNT_CODES: Record<AmountError['problem'], string> = {
  NOT_A_DECIMAL: 'AMOUNT_NOT_A_DECIMAL',
  NOT_POSITIVE: 'AMOUNT_NOT_POSITIVE',
  TOO_MANY_DECIMALS: 'AMOUNT_TOO_MANY_DECIMALS',
  TOO_LARGE: 'AMOUNT_TOO_LARGE',
  UNKNOWN_CURRENCY: 'CURRENCY_NOT_SUPPORTED',
};

/**
 * The currency and (when given) the amount of a request to pay a balance out: a supported
 * currency, a positive amount with no more decimals than it has. Nothing is rounded: an amount
 * the currency cannot hold is refused. A sweep may leave the amount out (all there is).
 */
export function validateBalancePayoutRequest(input: { amount: string | null; currency: string }, path: string[] = ['input']): { amount: Decimal | null; currency: Currency } {
  const currency = input.currency.trim().toUpperCase();
  if (!isCurrency(currency)) throw ValidationError.field([...path, 'currency'], `currency ${JSON.stringify(input.currency)} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  if (input.amount === null) return { amount: null, currency };
  try {
    return { amount: parseAmount(input.amount.trim(), currency), currency };
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    throw ValidationError.field([...path, 'amount'], error.message, AMOUNT_CODES[error.problem]);
  }
}

/**
 * What a supplier may withdraw: its available settlement balance less what a failed or returned
 * disbursement payout left there to be paid again by a person's retry (that money is spoken for:
 * the financing waits for it to go out to the corrected account). Never below zero.
 */
export function withdrawable(available: Decimal, awaitingPayoutRetry: Decimal): Decimal {
  return Decimal.max(available.minus(awaitingPayoutRetry), 0);
}

/**
 * Payouts go only to an account in the payee's own legal name (同名账户): a withdrawal or a
 * sweep to a registered account held in another name is refused.
 */
export function assertOwnName(partyLegalName: string, accountName: string): void {
  const normalise = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (normalise(partyLegalName) === normalise(accountName)) return;
  const issues: FieldIssue[] = [{ path: ['payoutAccount', 'accountName'], message: `the registered payout account is in the name of ${accountName}, not ${partyLegalName}: money leaves only to an account in the party's own name` }];
  throw new ValidationError(issues, 'PAYOUT_ACCOUNT_NOT_OWN_NAME');
}
