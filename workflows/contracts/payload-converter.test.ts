import { describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/money';
import { payloadConverter } from './payload-converter';

function roundTrip<T>(value: T): T {
  return payloadConverter.fromPayload<T>(payloadConverter.toPayload(value));
}

describe('payload converter', () => {
  it('round-trips decimals exactly, including ones a double cannot hold', () => {
    const value = { amount: new Decimal('123456789012345678.99'), rate: new Decimal('0.0005') };
    const back = roundTrip(value);
    expect(Decimal.isDecimal(back.amount)).toBe(true);
    expect(back.amount.toString()).toBe('123456789012345678.99');
    expect(back.rate.eq('0.0005')).toBe(true);
  });

  it('round-trips dates as dates', () => {
    const at = new Date('2026-11-22T08:30:00.123Z');
    const back = roundTrip({ at, list: [at] });
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBe(at.getTime());
    expect(back.list[0]).toBeInstanceOf(Date);
  });

  it('leaves plain JSON alone, including objects that merely look similar', () => {
    const value = { a: 1, s: 'x', n: null, nested: { $decimal: 1 }, two: { $date: 'x', other: 1 } };
    expect(roundTrip(value)).toEqual(value);
  });

  it('writes readable json/plain payloads', () => {
    const payload = payloadConverter.toPayload({ amount: new Decimal('1.50') });
    expect(new TextDecoder().decode(payload.metadata?.encoding ?? undefined)).toBe('json/plain');
    expect(new TextDecoder().decode(payload.data ?? undefined)).toBe('{"amount":{"$decimal":"1.5"}}');
  });
});
