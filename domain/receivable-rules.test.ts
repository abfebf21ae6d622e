import { describe, expect, it } from 'vitest';
import { ValidationError, WrongStateError } from './errors';
import { Decimal } from './money';
import { assertTransition, fingerprintSource, isDecisionAllowed, normaliseInvoiceIdentifier, transitionRefused, validateConfirmedAmount, validateRegistration, type RegistrationInput } from './receivable-rules';

const NOW = new Date('2026-11-22T02:00:00Z'); // 10:00 in China, 2026-11-22

function input(overrides: Partial<RegistrationInput> = {}): RegistrationInput {
  return {
    obligorCreditCode: '91440101ma5g00003x',
    contractNumber: 'HT-2026-0815',
    currency: 'CNY',
    faceAmount: '1000000.00',
    dueDate: '2027-02-20',
    invoices: [
      { invoiceCode: '4403201130', invoiceNumber: '00012345', amount: '600000.00', issueDate: '2026-11-01' },
      { invoiceCode: '4403201130', invoiceNumber: '00012346', amount: '400000.00', issueDate: '2026-11-02' },
    ],
    documentHashes: ['A'.repeat(64)],
    idempotencyKey: 'erp-4711',
    ...overrides,
  };
}

function issuesOf(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw error;
  }
  return [];
}

describe('validateRegistration', () => {
  it('accepts a well-formed registration and normalises it', () => {
    const valid = validateRegistration(input(), NOW);
    expect(valid.currency).toBe('CNY');
    expect(valid.faceAmount.eq('1000000')).toBe(true);
    expect(valid.invoices[1]?.amount.eq('400000')).toBe(true);
    expect(valid.documentHashes).toEqual(['a'.repeat(64)]);
    expect(valid.obligorCreditCode).toBe('91440101MA5G00003X');
  });

  it.each([
    ['a zero invoice amount', { invoices: [{ invoiceCode: 'A1', invoiceNumber: '1', amount: '0', issueDate: '2026-11-01' }], faceAmount: '0.01' }, 'input.invoices.0.amount', /greater than zero/],
    ['a negative face amount', { faceAmount: '-1000000.00' }, 'input.faceAmount', /greater than zero/],
    ['too many decimals', { faceAmount: '1000000.001' }, 'input.faceAmount', /more than 2 decimal places/],
    ['an exponent', { faceAmount: '1e6' }, 'input.faceAmount', /plain decimal/],
    ['a face amount that is not the invoices total', { faceAmount: '999999.99' }, 'input.faceAmount', /sum of the invoice amounts \(1000000\.00\)/],
    ['an unknown currency', { currency: 'XXX' }, 'input.currency', /not supported/],
    ['a due date in the past', { dueDate: '2026-11-01' }, 'input.dueDate', /after today \(2026-11-22\)/],
    ['a due date of today', { dueDate: '2026-11-22' }, 'input.dueDate', /after today/],
    ['an impossible date', { dueDate: '2027-02-30' }, 'input.dueDate', /YYYY-MM-DD/],
    ['a due date decades away', { dueDate: '2060-01-01' }, 'input.dueDate', /five years/],
    ['no invoices', { invoices: [], faceAmount: '1.00' }, 'input.invoices', /at least one/],
    ['a blank contract number', { contractNumber: '  ' }, 'input.contractNumber', /1 to 64/],
    ['a malformed document hash', { documentHashes: ['abc'] }, 'input.documentHashes.0', /SHA-256/],
    ['a blank idempotency key', { idempotencyKey: '' }, 'input.idempotencyKey', /1 to 200/],
  ])('refuses %s', (_case, overrides, path, message) => {
    const issue = issuesOf(() => validateRegistration(input(overrides), NOW)).find((candidate) => candidate.path === path);
    expect(issue?.message).toMatch(message);
  });

  it('refuses an invoice issued after the due date or in the future', () => {
    const issues = issuesOf(() =>
      validateRegistration(
        input({ faceAmount: '2.00', dueDate: '2027-01-01', invoices: [
          { invoiceCode: 'A', invoiceNumber: '1', amount: '1.00', issueDate: '2027-01-02' },
          { invoiceCode: 'A', invoiceNumber: '2', amount: '1.00', issueDate: '2026-12-01' },
        ] }),
        NOW,
      ),
    );
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['input.invoices.0.issueDate', 'input.invoices.1.issueDate']));
  });

  it('refuses the same invoice twice in one request, however it is spaced or cased', () => {
    const issues = issuesOf(() =>
      validateRegistration(
        input({ faceAmount: '2.00', invoices: [
          { invoiceCode: '4403201130', invoiceNumber: '00012345', amount: '1.00', issueDate: '2026-11-01' },
          { invoiceCode: '4403 2011 30', invoiceNumber: '0001-2345', amount: '1.00', issueDate: '2026-11-01' },
        ] }),
        NOW,
      ),
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'input.invoices.1', message: expect.stringMatching(/duplicates invoice #1/) })]);
  });

  it('reports every problem at once', () => {
    expect(issuesOf(() => validateRegistration(input({ currency: 'XXX', dueDate: 'soon', contractNumber: '' }), NOW)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('registry fingerprints', () => {
  it('normalise spacing, dashes, width and case', () => {
    expect(normaliseInvoiceIdentifier(' ４４０３ 2011-30 ')).toBe('4403201130');
    expect(fingerprintSource('91440101ma5g00003x ', '4403 201130', 'ab-12')).toBe('91440101MA5G00003X|4403201130|AB12');
  });
});

describe('confirmation', () => {
  const face = new Decimal('1000000');
  it('confirms the face amount by default and a lower amount on dilution', () => {
    expect(validateConfirmedAmount(undefined, face, 'CNY').eq(face)).toBe(true);
    expect(validateConfirmedAmount('950000.00', face, 'CNY').eq('950000')).toBe(true);
  });
  it('refuses more than the face amount, zero and excess decimals', () => {
    expect(() => validateConfirmedAmount('1000000.01', face, 'CNY')).toThrow(/must not exceed the face amount 1000000.00/);
    expect(() => validateConfirmedAmount('0', face, 'CNY')).toThrow(/greater than zero/);
    expect(() => validateConfirmedAmount('1.001', face, 'CNY')).toThrow(/decimal places/);
  });
});

describe('state machine', () => {
  it('allows confirming a registered receivable and refuses confirming twice', () => {
    expect(() => assertTransition('REGISTERED', 'CONFIRMED', 'confirm')).not.toThrow();
    expect(() => assertTransition('CONFIRMED', 'CONFIRMED', 'confirm')).toThrow(WrongStateError);
    expect(() => assertTransition('EXPIRED', 'CONFIRMED', 'confirm')).toThrow(/cannot confirm a receivable that is EXPIRED/);
    expect(() => assertTransition('FINANCED', 'CANCELLED', 'cancel')).toThrow(WrongStateError);
  });

  it("lets decisions move a receivable only from the confirmation's states, never out of a financing", () => {
    expect(isDecisionAllowed('REGISTERED', 'CONFIRMED')).toBe(true);
    expect(isDecisionAllowed('CONFIRMED', 'CANCELLED')).toBe(true);
    // The financing's own way back when it ends, not a confirmation.
    expect(isDecisionAllowed('FINANCING_PENDING', 'CONFIRMED')).toBe(false);
    expect(isDecisionAllowed('CONFIRMED', 'CONFIRMED')).toBe(false);
    expect(isDecisionAllowed('FINANCED', 'CANCELLED')).toBe(false);
  });

  it('names in a refusal the state the caller is told', () => {
    expect(transitionRefused('confirm', 'CONFIRMED')).toMatchObject({ message: 'cannot confirm a receivable that is CONFIRMED', currentState: 'CONFIRMED', code: 'WRONG_STATE' });
  });
});
