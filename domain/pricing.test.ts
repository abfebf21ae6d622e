import { describe, expect, it } from 'vitest';
import { Decimal } from './money';
import { quote, simpleInterest, type PricingTerms } from './pricing';

const TERMS: PricingTerms = {
  currency: 'CNY',
  annualRate: new Decimal('0.06'),
  dayCount: 'ACT_360',
  interestMode: 'UPFRONT',
  flatFee: new Decimal(0),
  feeRate: new Decimal('0.001'),
};

describe('pricing, against hand-computed cases', () => {
  it('800,000.00 CNY at 6% a year, ACT/360, 90 days: interest 12,000.00; upfront with a 0.1% fee nets 787,200.00', () => {
    const result = quote(new Decimal('800000.00'), '2026-11-22', '2027-02-20', TERMS);
    expect(result.tenorDays).toBe(90);
    expect(result.interest.toFixed(2)).toBe('12000.00');
    expect(result.fees.toFixed(2)).toBe('800.00');
    expect(result.netDisbursement.toFixed(2)).toBe('787200.00');
    expect(result.repaymentAtMaturity.toFixed(2)).toBe('800000.00');
    // 12,800 / 787,200 = 0.01626016...; × 365 / 90 = 0.06594399... → 0.065944
    expect(result.effectiveAnnualRate.toFixed(6)).toBe('0.065944');
  });

  it('in arrears, the supplier gets principal less fees and the funder collects interest at maturity', () => {
    const result = quote(new Decimal('800000.00'), '2026-11-22', '2027-02-20', { ...TERMS, interestMode: 'ARREARS' });
    expect(result.netDisbursement.toFixed(2)).toBe('799200.00');
    expect(result.repaymentAtMaturity.toFixed(2)).toBe('812000.00');
    expect(result.interestAtMaturity.toFixed(2)).toBe('12000.00');
    // 12,800 / 799,200 × 365 / 90 = 0.0649539...
    expect(result.effectiveAnnualRate.toFixed(6)).toBe('0.064954');
  });

  it('ACT/365 on the same case: 800,000 × 6% × 90 / 365 = 11,835.616... → 11,835.62', () => {
    expect(simpleInterest(new Decimal('800000'), new Decimal('0.06'), 90, 'ACT_365', 'CNY').toFixed(2)).toBe('11835.62');
  });

  it('rounds half-up once per figure: 1,000.00 at 5% for 1 day ACT/360 = 0.13888... → 0.14; 0.125 → 0.13', () => {
    expect(simpleInterest(new Decimal('1000.00'), new Decimal('0.05'), 1, 'ACT_360', 'CNY').toFixed(2)).toBe('0.14');
    expect(simpleInterest(new Decimal('900.00'), new Decimal('0.05'), 1, 'ACT_360', 'CNY').toFixed(2)).toBe('0.13');
  });

  it('adds a flat fee to the percentage fee', () => {
    const result = quote(new Decimal('800000.00'), '2026-11-22', '2027-02-20', { ...TERMS, flatFee: new Decimal('200.00') });
    expect(result.fees.toFixed(2)).toBe('1000.00');
    expect(result.netDisbursement.toFixed(2)).toBe('787000.00');
  });

  it('counts tenor days from the value date, first day excluded, last included, across a leap day', () => {
    expect(quote(new Decimal('1000.00'), '2028-02-28', '2028-03-01', TERMS).tenorDays).toBe(2);
  });

  it('refuses a due date on or before the value date, and a price that eats the whole amount', () => {
    expect(() => quote(new Decimal('1000.00'), '2027-02-20', '2027-02-20', TERMS)).toThrow(/after the value date/);
    expect(() => quote(new Decimal('1.00'), '2026-11-22', '2027-02-20', { ...TERMS, flatFee: new Decimal('5.00') })).toThrow(/whole amount/);
  });
});
