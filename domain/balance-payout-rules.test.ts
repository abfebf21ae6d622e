import { describe, expect, it } from 'vitest';
import { assertOwnName, balancePayoutReference, validateBalancePayoutRequest, withdrawable } from './balance-payout-rules';
import { Decimal } from './money';

describe('a request to pay a balance out', () => {
  it('takes a positive amount with at most the currency\'s decimals, and a sweep without one', () => {
    expect(validateBalancePayoutRequest({ amount: '30000.00', currency: 'CNY' })).toEqual({ amount: new Decimal('30000'), currency: 'CNY' });
    expect(validateBalancePayoutRequest({ amount: '0.01', currency: 'cny' }).amount?.toFixed(2)).toBe('0.01');
    expect(validateBalancePayoutRequest({ amount: '7000', currency: 'JPY' }).amount?.toFixed()).toBe('7000');
    expect(validateBalancePayoutRequest({ amount: null, currency: 'CNY' })).toEqual({ amount: null, currency: 'CNY' });
  });

  it.each([
    ['0', 'CNY', 'AMOUNT_NOT_POSITIVE', 'amount'],
    ['0.00', 'CNY', 'AMOUNT_NOT_POSITIVE', 'amount'],
    ['-1.00', 'CNY', 'AMOUNT_NOT_POSITIVE', 'amount'],
    ['10.001', 'CNY', 'AMOUNT_TOO_MANY_DECIMALS', 'amount'],
    ['1.5', 'JPY', 'AMOUNT_TOO_MANY_DECIMALS', 'amount'],
    ['1e3', 'CNY', 'AMOUNT_NOT_A_DECIMAL', 'amount'],
    ['1,000.00', 'CNY', 'AMOUNT_NOT_A_DECIMAL', 'amount'],
    ['100.00', 'XYZ', 'CURRENCY_NOT_SUPPORTED', 'currency'],
  ])('refuses %s %s with %s', (amount, currency, code, field) => {
    expect(() => validateBalancePayoutRequest({ amount, currency })).toThrow(expect.objectContaining({ code, issues: [expect.objectContaining({ path: ['input', field] })] }));
  });

  it('leaves what waits for a payout retry out of what can be withdrawn, never below zero', () => {
    expect(withdrawable(new Decimal('789200.00'), new Decimal('787200.00')).toFixed(2)).toBe('2000.00');
    expect(withdrawable(new Decimal('787200.00'), new Decimal('787200.00')).toFixed(2)).toBe('0.00');
    expect(withdrawable(new Decimal('100.00'), new Decimal('787200.00')).toFixed(2)).toBe('0.00');
  });

  it('pays only to an account in the payee\'s own name, whatever the spacing or Unicode form', () => {
    expect(() => assertOwnName('深圳市华强精密电子有限公司', ' 深圳市华强精密电子有限公司 ')).not.toThrow();
    expect(() => assertOwnName('Acme  Trading Ltd', 'Acme Trading Ltd')).not.toThrow();
    expect(() => assertOwnName('深圳市华强精密电子有限公司', '深圳市某某贸易有限公司')).toThrow(expect.objectContaining({ code: 'PAYOUT_ACCOUNT_NOT_OWN_NAME' }));
  });

  it('numbers withdrawals and sweeps apart', () => {
    expect(balancePayoutReference('WITHDRAWAL', 2026, 12)).toBe('WDR-2026-00000012');
    expect(balancePayoutReference('FEE_SWEEP', 2027, 1n)).toBe('FSW-2027-00000001');
  });
});
