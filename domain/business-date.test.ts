import { describe, expect, it } from 'vitest';
import { addDays, businessDateOf, daysBetween, isIsoDate, startOfBusinessDate } from './business-date';

describe('business dates', () => {
  it.each(['2026-11-22', '2028-02-29', '2026-12-31'])('accepts %s', (value) => expect(isIsoDate(value)).toBe(true));
  it.each(['2026-02-29', '2026-13-01', '2026-11-31', '26-11-22', '2026-1-2', '2026-11-22T00:00:00Z', ''])('rejects %j', (value) => expect(isIsoDate(value)).toBe(false));

  it('takes the date in China: 20:00 UTC is already the next day', () => {
    expect(businessDateOf(new Date('2026-11-21T15:59:59Z'))).toBe('2026-11-21');
    expect(businessDateOf(new Date('2026-11-21T16:00:00Z'))).toBe('2026-11-22');
  });

  it('starts a business date at 16:00 UTC the day before', () => {
    expect(startOfBusinessDate('2026-11-22').toISOString()).toBe('2026-11-21T16:00:00.000Z');
  });

  it('counts days with the first excluded and the last included', () => {
    expect(daysBetween('2026-11-22', '2027-02-20')).toBe(90);
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-22', 90)).toBe('2027-02-20');
  });
});
