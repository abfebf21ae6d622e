import { ValidationError, WrongStateError } from './errors';
import { yearlyNumber } from './numbers';

// Money held in suspense for a payer goes back to the payer by a payout (docs/ledger.md,
// "Exceptions"): a bank credit the matcher could not book where it was addressed, or what a payer
// paid beyond the receivable's confirmed amount. The payee is the payer as the bank line named
// it, to the account the money came from (原路退回); the payer is not a party of the platform.

/** What each refund's reference starts with: RFD-2026-00000001. */
export const REFUND_REFERENCE_PREFIX = 'RFD';

/**
 * The beneficiary bank of a refund. An inbound bank line names the payer and the payer's account
 * but not the payer's bank; the refund goes back the way the money came (原路退回), which the
 * bank routes by the original credit.
 */
export const REFUND_BENEFICIARY_BANK = '原付款行（原路退回） the payer\'s bank, back the way the money came';

/** The account numbers a bank pays to: digits only, as the bank adapter takes them. */
const PAYER_ACCOUNT_SHAPE = /^\d{8,32}$/;

export function refundReference(year: number, number: bigint | number): string {
  return yearlyNumber(REFUND_REFERENCE_PREFIX, year, number);
}

export type ResolutionChoice = { kind: 'APPLY'; accountId: string } | { kind: 'REFUND' } | { kind: 'WRITE_OFF' };

/**
 * A maker's proposal names exactly one destination: a virtual account to apply the money to,
 * the payer to refund it to, or the platform's reconciliation gains (a write-off of money nobody
 * can claim). Two or none cannot be carried out.
 */
export function resolutionChoiceOf(input: { accountId?: string | null; refund?: boolean | null; writeOff?: boolean | null }): ResolutionChoice {
  const accountId = input.accountId ?? null;
  const chosen = [accountId !== null, input.refund === true, input.writeOff === true].filter(Boolean).length;
  const choices = 'an account to apply the money to (accountId), a refund to the payer (refund: true) or a write-off (writeOff: true)';
  if (chosen > 1) throw ValidationError.field(['input'], `name one of ${choices}, not several`, 'RESOLUTION_AMBIGUOUS');
  if (input.refund === true) return { kind: 'REFUND' };
  if (input.writeOff === true) return { kind: 'WRITE_OFF' };
  if (accountId !== null) return { kind: 'APPLY', accountId };
  throw ValidationError.field(['input'], `name ${choices}`, 'RESOLUTION_AMBIGUOUS');
}

/**
 * The payer a refund pays: its name and account as the bank line gave them. Money that came
 * another way (an offline repayment, a recourse claim) has no payer bank line, and money the
 * ledger could not hold (NOT_BOOKABLE) has nothing to refund: both are refused, with why.
 */
export function refundBeneficiary(exception: { status: string; heldAmount: unknown; payerName: string; payerAccountNumber: string }): { accountName: string; accountNumber: string; bankName: string } {
  if (exception.heldAmount === null) throw new WrongStateError('the ledger holds nothing for this bank line (NOT_BOOKABLE): there is no money to refund', exception.status);
  const accountName = exception.payerName.trim();
  if (!PAYER_ACCOUNT_SHAPE.test(exception.payerAccountNumber) || accountName === '') {
    throw ValidationError.field(['input', 'refund'], 'there is no payer account to refund to: the money did not come from a bank line naming its payer (apply it to an account instead)', 'NO_PAYER_ACCOUNT');
  }
  return { accountName, accountNumber: exception.payerAccountNumber, bankName: REFUND_BENEFICIARY_BANK };
}
