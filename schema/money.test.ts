import { describe, expect, it } from 'vitest';
import { Decimal, formatAmount, isCurrency } from '../domain/money';
import { wireAmount } from './money';

// wireAmount pads stored amounts as text; it must give exactly what formatting through Decimal gives.
const throughDecimal = (text: string, currency: string) => (isCurrency(currency) ? formatAmount(new Decimal(text), currency) : new Decimal(text).toFixed());

describe('wireAmount', () => {
  const texts = ['0', '-0', '5', '-5', '5.1', '5.10', '5.12', '5.125', '5.135', '-5.125', '0.005', '100000', '100000.0000', '1e-7', '1e+21', '123456789012345678901234.5678', '0.1', '-0.01'];
  for (const currency of ['CNY', 'JPY', 'USD', 'XXX']) {
    for (const text of texts) {
      it(`${text} ${currency}`, () => expect(wireAmount(text, currency)).toBe(throughDecimal(text, currency)));
    }
  }

  it('agrees with Decimal on random amounts of up to six decimals', () => {
    for (let index = 0; index < 2000; index += 1) {
      const text = new Decimal(Math.floor(Math.random() * 1e12) - 5e11).dividedBy(10 ** Math.floor(Math.random() * 7)).toString();
      expect(wireAmount(text, 'CNY')).toBe(throughDecimal(text, 'CNY'));
      expect(wireAmount(text, 'JPY')).toBe(throughDecimal(text, 'JPY'));
    }
  });
});
