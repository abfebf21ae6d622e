import { describe, expect, it } from 'vitest';
import { formatCapitalAmount } from './format-capital-amount';

describe('formatCapitalAmount', () => {
  it.each([
    ['0', '零元整'],
    ['0.05', '伍分'],
    ['0.50', '伍角整'],
    ['0.56', '伍角陆分'],
    ['1', '壹元整'],
    ['10', '壹拾元整'],
    ['10.05', '壹拾元零伍分'],
    ['100.50', '壹佰元伍角整'],
    ['101', '壹佰零壹元整'],
    ['1001', '壹仟零壹元整'],
    ['1010', '壹仟零壹拾元整'],
    ['1234.56', '壹仟贰佰叁拾肆元伍角陆分'],
    ['10001', '壹万零壹元整'],
    ['10100', '壹万零壹佰元整'],
    ['11000', '壹万壹仟元整'],
    ['100000', '壹拾万元整'],
    ['800000.00', '捌拾万元整'],
    ['1080000.00', '壹佰零捌万元整'],
    ['2500000.00', '贰佰伍拾万元整'],
    ['10000000.00', '壹仟万元整'],
    ['14646.58', '壹万肆仟陆佰肆拾陆元伍角捌分'],
    ['100000000', '壹亿元整'],
    ['100000001', '壹亿零壹元整'],
    ['100010000', '壹亿零壹万元整'],
    ['110000000', '壹亿壹仟万元整'],
    ['1000000000000', '壹万亿元整'],
    ['1234500000000', '壹万贰仟叁佰肆拾伍亿元整'],
    ['1000000010000', '壹万亿零壹万元整'],
    ['10000000000000000', '壹亿亿元整'],
    ['1000000000000000000', '壹佰亿亿元整'],
    ['12.300', '壹拾贰元叁角整'],
  ])('writes %s as %s', (amount, expected) => {
    expect(formatCapitalAmount(amount, 'CNY')).toBe(expected);
  });

  it('writes renminbi only', () => {
    expect(formatCapitalAmount('100.00', 'USD')).toBeNull();
    expect(() => formatCapitalAmount('100.00', 'XBT')).toThrow(RangeError);
  });

  it('refuses what it would have to round or guess', () => {
    expect(() => formatCapitalAmount('1.005', 'CNY')).toThrow(/more decimals/);
    expect(() => formatCapitalAmount('-1.00', 'CNY')).toThrow(/plain non-negative/);
    expect(() => formatCapitalAmount('1e3', 'CNY')).toThrow(/plain non-negative/);
  });
});
