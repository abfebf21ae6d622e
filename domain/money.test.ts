import { describe, expect, it } from 'vitest';
import { AmountError, Decimal, formatAmount, parseAmount, roundMoney } from './money';

function problemOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof AmountError ? error.problem : 'UNEXPECTED';
  }
}

describe('parseAmount', () => {
  it.each([
    ['0.01', 'CNY', '0.01'],
    ['800000.00', 'CNY', '800000'],
    ['1', 'JPY', '1'],
    ['1000000000000000000', 'CNY', '1000000000000000000'],
  ])('accepts %s %s', (value, currency, expected) => {
    expect(parseAmount(value, currency).toString()).toBe(new Decimal(expected).toString());
  });

  it.each([
    ['0', 'CNY', 'NOT_POSITIVE'],
    ['0.00', 'CNY', 'NOT_POSITIVE'],
    ['-1', 'CNY', 'NOT_POSITIVE'],
    ['0.001', 'CNY', 'TOO_MANY_DECIMALS'],
    ['1.5', 'JPY', 'TOO_MANY_DECIMALS'],
    ['1000000000000000000.01', 'CNY', 'TOO_LARGE'],
    ['1e3', 'CNY', 'NOT_A_DECIMAL'],
    ['1,000.00', 'CNY', 'NOT_A_DECIMAL'],
    ['+1', 'CNY', 'NOT_A_DECIMAL'],
    [' 1', 'CNY', 'NOT_A_DECIMAL'],
    ['01', 'CNY', 'NOT_A_DECIMAL'],
    ['.5', 'CNY', 'NOT_A_DECIMAL'],
    ['NaN', 'CNY', 'NOT_A_DECIMAL'],
    ['Infinity', 'CNY', 'NOT_A_DECIMAL'],
    ['', 'CNY', 'NOT_A_DECIMAL'],
    ['1.00', 'XXX', 'UNKNOWN_CURRENCY'],
    ['1.00', 'cny', 'UNKNOWN_CURRENCY'],
  ])('rejects %j %s as %s', (value, currency, problem) => {
    expect(problemOf(() => parseAmount(value, currency))).toBe(problem);
  });
});

describe('roundMoney', () => {
  it.each([
    ['0.005', '0.01'],
    ['0.004999', '0.00'],
    ['2.675', '2.68'],
    ['-2.675', '-2.68'],
    ['12000.00499', '12000.00'],
  ])('rounds %s half-up to %s in CNY', (value, expected) => {
    expect(formatAmount(roundMoney(new Decimal(value), 'CNY'), 'CNY')).toBe(expected);
  });

  it('keeps exact arithmetic where floating point would not', () => {
    expect(new Decimal('0.1').plus('0.2').eq('0.3')).toBe(true);
  });
});
