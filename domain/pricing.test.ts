import { describe, expect, it } from 'vitest';
import { Decimal } from './money';
import { advanced, priceAtDisbursement, quote, simpleInterest, type PricingTerms } from './pricing';

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

  it('reprices at disbursement: quoted for 90 days at 12,000.00, disbursed 3 days later for 87 days at 11,600.00', () => {
    const quoted = quote(new Decimal('800000.00'), '2026-11-22', '2027-02-20', TERMS);
    const price = priceAtDisbursement(new Decimal('800000.00'), '2026-11-25', '2027-02-20', { ...TERMS, tenorDaysMin: 1 });
    if (!price.disbursable) throw new Error(price.reason);
    const { quote: actual } = price;
    expect([quoted.tenorDays, quoted.interest.toFixed(2), quoted.netDisbursement.toFixed(2)]).toEqual([90, '12000.00', '787200.00']);
    // 800,000.00 × 0.06 × 87 / 360 = 11,600.00; net 800,000.00 − 800.00 − 11,600.00 = 787,600.00.
    expect([actual.valueDate, actual.tenorDays, actual.interest.toFixed(2), actual.fees.toFixed(2), actual.netDisbursement.toFixed(2), actual.repaymentAtMaturity.toFixed(2)]).toEqual([
      '2026-11-25',
      87,
      '11600.00',
      '800.00',
      '787600.00',
      '800000.00',
    ]);
    // 12,400 / 787,600 × 365 / 87 = 0.0660525…
    expect(actual.effectiveAnnualRate.toFixed(6)).toBe('0.066053');
    // In arrears the funder collects the 87 days' interest at maturity.
    const arrears = priceAtDisbursement(new Decimal('800000.00'), '2026-11-25', '2027-02-20', { ...TERMS, interestMode: 'ARREARS', tenorDaysMin: 1 });
    expect(arrears.disbursable && [arrears.quote.netDisbursement.toFixed(2), arrears.quote.repaymentAtMaturity.toFixed(2)]).toEqual(['799200.00', '811600.00']);
  });

  it('refuses to disburse on or after the due date, and inside the program\'s minimum tenor', () => {
    const terms = { ...TERMS, tenorDaysMin: 7 };
    const principal = new Decimal('800000.00');
    expect(priceAtDisbursement(principal, '2026-12-09', '2026-12-02', terms)).toMatchObject({ disbursable: false, code: 'DUE_ON_OR_BEFORE_DISBURSEMENT' });
    expect(priceAtDisbursement(principal, '2026-12-02', '2026-12-02', terms)).toMatchObject({ disbursable: false, code: 'DUE_ON_OR_BEFORE_DISBURSEMENT' });
    expect(priceAtDisbursement(principal, '2026-11-26', '2026-12-02', terms)).toMatchObject({ disbursable: false, code: 'TENOR_BELOW_MINIMUM', reason: expect.stringContaining('6 days, less than the program\'s minimum tenor of 7 days') });
    const seven = priceAtDisbursement(principal, '2026-11-25', '2026-12-02', terms);
    expect(seven.disbursable && [seven.quote.tenorDays, seven.quote.interest.toFixed(2)]).toEqual([7, '933.33']);
    const oneDay = priceAtDisbursement(principal, '2026-12-01', '2026-12-02', { ...TERMS, tenorDaysMin: 1 });
    expect(oneDay.disbursable && oneDay.quote.tenorDays).toBe(1);
  });
});

describe('what the funder advances', () => {
  // The API answers a financing's `disbursed` from its own figures; that holds only while every
  // quote's net disbursement is the principal less fees and the interest taken up front.
  it('is the principal less the interest taken up front, in either interest mode, with odd amounts, fees and tenors', () => {
    const cases: Array<[string, number, string, string]> = [
      ['800000.00', 90, '0', '0.001'],
      ['1234567.89', 37, '200.00', '0.0013'],
      ['0.99', 1, '0', '0'],
      ['999999.99', 179, '15.50', '0.000999'],
    ];
    for (const interestMode of ['UPFRONT', 'ARREARS'] as const) {
      for (const [amount, days, flatFee, feeRate] of cases) {
        const principal = new Decimal(amount);
        const dueDate = new Date(Date.UTC(2026, 10, 22 + days)).toISOString().slice(0, 10);
        const result = quote(principal, '2026-11-22', dueDate, { ...TERMS, interestMode, flatFee: new Decimal(flatFee), feeRate: new Decimal(feeRate) });
        expect(advanced(result).toFixed(4)).toBe(principal.minus(interestMode === 'UPFRONT' ? result.interest : 0).toFixed(4));
      }
    }
  });
});
