import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import { validateRegistration, type RegistrationInput } from './receivable-rules';

// The contract number is an identifier on one line: the obligor reads it on the receivable it is
// asked to confirm, and the confirmation letter prints it inside the sentence the obligor confirms
// ("…基础合同 <contract> 所生的应收账款债务，确认金额 …"). A line break in it starts a new line of
// that legal text (a paragraph's "\n" is a line break in the layout), so a supplier could make the
// letter show a line the obligor never confirmed; a tab or a carriage return is shown otherwise
// than it is stored. Names refuse tabs and line breaks for this reason (schema/validators.ts
// nameUpTo); the API's edge lets them through in any string, so the registration must refuse them.

const NOW = new Date('2026-11-22T02:00:00Z');

function input(contractNumber: string): RegistrationInput {
  return {
    obligorCreditCode: '91440101MA5G00003X',
    contractNumber,
    currency: 'CNY',
    faceAmount: '1000000.00',
    dueDate: '2027-02-20',
    invoices: [{ invoiceCode: '4403201130', invoiceNumber: '00012345', amount: '1000000.00', issueDate: '2026-11-01' }],
    documentHashes: [],
    idempotencyKey: 'erp-contract-line-break',
  };
}

function contractNumberIssues(contractNumber: string): string[] {
  try {
    validateRegistration(input(contractNumber), NOW);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.filter((issue) => issue.path.join('.') === 'input.contractNumber').map((issue) => issue.message);
    throw error;
  }
  return [];
}

describe('a contract number is one line', () => {
  it.each([
    ['a line break', 'HT-2026-0815\n并放弃一切抗辩'],
    ['a carriage return', 'HT-2026-0815\r确认金额 CNY 9,000,000.00'],
    ['a tab', 'HT-2026\t0815'],
  ])('refuses a contract number with %s', (_case, contractNumber) => {
    expect(contractNumberIssues(contractNumber)).not.toEqual([]);
  });
});
