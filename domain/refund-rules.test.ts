import { describe, expect, it } from 'vitest';
import { ValidationError, WrongStateError } from './errors';
import { REFUND_BENEFICIARY_BANK, refundBeneficiary, refundReference, resolutionChoiceOf } from './refund-rules';

describe('refund rules', () => {
  it('a proposal names exactly one destination: an account, or a refund to the payer', () => {
    expect(resolutionChoiceOf({ accountId: 'a' })).toEqual({ kind: 'APPLY', accountId: 'a' });
    expect(resolutionChoiceOf({ accountId: 'a', refund: false })).toEqual({ kind: 'APPLY', accountId: 'a' });
    expect(resolutionChoiceOf({ refund: true })).toEqual({ kind: 'REFUND' });
    expect(resolutionChoiceOf({ accountId: null, refund: true })).toEqual({ kind: 'REFUND' });
    expect(resolutionChoiceOf({ writeOff: true, refund: false, accountId: null })).toEqual({ kind: 'WRITE_OFF' });
    const several = [{ accountId: 'a', refund: true }, { accountId: 'a', writeOff: true }, { refund: true, writeOff: true }, { accountId: 'a', refund: true, writeOff: true }];
    for (const input of [{}, { refund: false }, { writeOff: false }, { accountId: null, refund: null, writeOff: null }, ...several]) {
      expect(() => resolutionChoiceOf(input), JSON.stringify(input)).toThrow(ValidationError);
      try {
        resolutionChoiceOf(input);
      } catch (error) {
        expect((error as ValidationError).code).toBe('RESOLUTION_AMBIGUOUS');
      }
    }
  });

  it('refunds to the payer named by the bank line, and refuses where there is none or nothing is booked', () => {
    const line = { status: 'OPEN', heldAmount: '88.80', payerName: ' 广州云海 ', payerAccountNumber: '6222020200990011223' };
    expect(refundBeneficiary(line)).toEqual({ accountName: '广州云海', accountNumber: '6222020200990011223', bankName: REFUND_BENEFICIARY_BANK });
    expect(() => refundBeneficiary({ ...line, heldAmount: null })).toThrow(WrongStateError);
    for (const payer of [{ payerAccountNumber: '' }, { payerAccountNumber: '1234567' }, { payerAccountNumber: '1'.repeat(33) }, { payerAccountNumber: '6222-0202' }, { payerName: '  ' }]) {
      expect(() => refundBeneficiary({ ...line, ...payer }), JSON.stringify(payer)).toThrow(/no payer account to refund to/);
    }
    expect(REFUND_BENEFICIARY_BANK.length).toBeLessThanOrEqual(100);
  });

  it('numbers refunds like the other payouts of a balance', () => {
    expect(refundReference(2026, 42n)).toBe('RFD-2026-00000042');
  });
});
