import { CREDIT_CODE_PROBLEM_MESSAGES, creditCodeProblem, normaliseCreditCode } from './credit-code';
import { ValidationError, type FieldIssue } from './errors';
import { checkPrintable } from './printable-text';

/**
 * The longest account name and bank name the bank takes for a payout's beneficiary, in
 * characters (docs/bank-simulator.md, "Validation"): a payout account with a longer one could
 * never be paid.
 */
export const BENEFICIARY_NAME_LENGTH_MAX = 100;
/**
 * Money leaves a party only to an account in its own legal name (同名账户), so a legal name the
 * bank cannot take as a beneficiary's would leave the party's money stuck on the platform.
 */
export const LEGAL_NAME_LENGTH_MAX = BENEFICIARY_NAME_LENGTH_MAX;
export const DISPLAY_NAME_LENGTH_MAX = 100;
export const EMAIL_LENGTH_MAX = 254;
export const API_KEY_LABEL_LENGTH_MAX = 100;
/** How long a key lives at most, so that a leaked key dies on its own. */
export const API_KEY_LIFETIME_DAYS_DEFAULT = 90;

export interface PartyInput {
  legalName: string;
  creditCode: string;
  roles: string[];
}

/** Normalises and validates a new party; throws one ValidationError listing every problem. */
export function validatePartyInput(input: PartyInput, path: string[] = ['input']): { legalName: string; creditCode: string } {
  const issues: FieldIssue[] = [];
  // NFC so that the same Chinese name typed on two systems compares equal.
  const legalName = input.legalName.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (legalName.length === 0) issues.push({ path: [...path, 'legalName'], message: 'must not be blank' });
  if ([...legalName].length > LEGAL_NAME_LENGTH_MAX) issues.push({ path: [...path, 'legalName'], message: `must be at most ${LEGAL_NAME_LENGTH_MAX} characters` });
  checkPrintable(legalName, [...path, 'legalName'], issues);
  const creditCode = normaliseCreditCode(input.creditCode);
  const problem = creditCodeProblem(creditCode);
  if (problem) issues.push({ path: [...path, 'creditCode'], message: CREDIT_CODE_PROBLEM_MESSAGES[problem] });
  if (input.roles.length === 0) issues.push({ path: [...path, 'roles'], message: 'at least one role is required' });
  if (new Set(input.roles).size !== input.roles.length) issues.push({ path: [...path, 'roles'], message: 'roles must not repeat' });
  if (issues.length) throw new ValidationError(issues);
  return { legalName, creditCode };
}

/** A bank account number as shown anywhere but to the bank: the last four digits only. */
export function maskBankAccountNumber(accountNumber: string): string {
  return `**** ${accountNumber.slice(-4)}`;
}

export interface BankAccountInput {
  accountName: string;
  accountNumber: string;
  bankName: string;
}

/**
 * A payout destination: a name and a bank as written, digits only for the number (spaces and
 * dashes dropped). The names are limited as the bank limits a beneficiary's (in characters, as
 * it counts them), since both go to the bank with every payout.
 */
export function validateBankAccount(input: BankAccountInput, path: string[] = ['input']): BankAccountInput {
  const accountName = input.accountName.trim();
  const bankName = input.bankName.trim();
  const accountNumber = input.accountNumber.replace(/[\s-]/g, '');
  const issues: FieldIssue[] = [];
  // Both are printed inside the sentences of the change notice funders and operators read and on
  // the disbursement advice and settlement statement, and go to the bank with the payout: one
  // line each, as every name, in characters the documents can print.
  for (const [field, value] of [['accountName', accountName], ['bankName', bankName]] as const) {
    if (value.length === 0 || [...value].length > BENEFICIARY_NAME_LENGTH_MAX) issues.push({ path: [...path, field], message: `must be 1 to ${BENEFICIARY_NAME_LENGTH_MAX} characters` });
    if (/[\t\n\r]/.test(value)) issues.push({ path: [...path, field], message: 'must be on one line, without tabs' });
    checkPrintable(value, [...path, field], issues);
  }
  if (!/^\d{8,32}$/.test(accountNumber)) issues.push({ path: [...path, 'accountNumber'], message: 'must be 8 to 32 digits' });
  if (issues.length > 0) throw new ValidationError(issues);
  return { accountName, accountNumber, bankName };
}
