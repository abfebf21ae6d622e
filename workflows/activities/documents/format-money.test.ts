import { describe, expect, it } from 'vitest';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';

describe('formatMoney', () => {
  it.each([
    ['800000.00', 'CNY', 'CNY 800,000.00'],
    ['800000', 'CNY', 'CNY 800,000.00'],
    ['0.5', 'CNY', 'CNY 0.50'],
    ['999.99', 'USD', 'USD 999.99'],
    ['1000', 'USD', 'USD 1,000.00'],
    ['1234567', 'JPY', 'JPY 1,234,567'],
    ['-50000.00', 'CNY', 'CNY -50,000.00'],
    ['0', 'CNY', 'CNY 0.00'],
    // Beyond a double's 15-16 significant digits: a JavaScript number would print ...,000.00.
    ['999999999999999999.99', 'CNY', 'CNY 999,999,999,999,999,999.99'],
  ])('formats %s %s as %s', (amount, currency, expected) => {
    expect(formatMoney(amount, currency)).toBe(expected);
  });

  it('formats without the currency for table columns that name it in the header', () => {
    expect(formatMoney('500000.00', 'CNY', { withCurrency: false })).toBe('500,000.00');
  });

  it.each([
    ['0.001', 'CNY'],
    ['1.5', 'JPY'],
    ['1e6', 'CNY'],
    ['1,000.00', 'CNY'],
    ['', 'CNY'],
    ['100', 'XXX'],
  ])('refuses %s %s rather than rounding or guessing', (amount, currency) => {
    expect(() => formatMoney(amount, currency)).toThrow(RangeError);
  });
});

describe('formatShanghaiTime', () => {
  it('shows the instant in UTC+08:00, to the minute', () => {
    expect(formatShanghaiTime(new Date('2026-03-15T02:30:59Z'))).toBe('2026-03-15 10:30');
    expect(formatShanghaiTime(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01 00:00');
  });

  it('refuses an invalid date', () => {
    expect(() => formatShanghaiTime(new Date('nope'))).toThrow(RangeError);
  });
});
