import { describe, expect, it } from 'vitest';
import { accountingDateOf, addDays, calendarDateOf, cutOffInstant, cutOffMinutes, CUT_OFF_SETTLE_MS, datesToClose, DEFAULT_CUT_OFF, lastEndedDate, validateCutOffSettings } from './accounting-day';

const SHANGHAI = DEFAULT_CUT_OFF;

describe('accounting day arithmetic', () => {
  it('cuts Asia/Shanghai days at 23:00 local, 15:00 UTC, with no daylight saving', () => {
    expect(cutOffInstant('2026-12-10', SHANGHAI).toISOString()).toBe('2026-12-10T15:00:00.000Z');
    expect(cutOffInstant('2026-07-01', SHANGHAI).toISOString()).toBe('2026-07-01T15:00:00.000Z');
    expect(cutOffInstant('2024-02-29', SHANGHAI).toISOString()).toBe('2024-02-29T15:00:00.000Z');
  });

  it('puts an instant exactly at the cut-off into the next day, and one millisecond before into the day', () => {
    const cutOff = cutOffInstant('2026-12-10', SHANGHAI);
    expect(accountingDateOf(cutOff, SHANGHAI)).toBe('2026-12-11');
    expect(accountingDateOf(new Date(cutOff.getTime() - 1), SHANGHAI)).toBe('2026-12-10');
    // 23:30 Shanghai on the 10th is the 11th's business; 00:30 on the 11th too.
    expect(accountingDateOf(new Date('2026-12-10T15:30:00Z'), SHANGHAI)).toBe('2026-12-11');
    expect(accountingDateOf(new Date('2026-12-10T16:30:00Z'), SHANGHAI)).toBe('2026-12-11');
    // 22:59 Shanghai on the 10th is the 10th's, and so is 00:30 on the 10th.
    expect(accountingDateOf(new Date('2026-12-10T14:59:00Z'), SHANGHAI)).toBe('2026-12-10');
    expect(accountingDateOf(new Date('2026-12-09T16:30:00Z'), SHANGHAI)).toBe('2026-12-10');
  });

  it('reads the calendar date on the zone’s wall clock, whatever the cut-off', () => {
    // 23:30 in Shanghai on the 10th is the 11th's accounting day but still the 10th's calendar date (its statement's).
    expect(calendarDateOf(new Date('2026-12-10T15:30:00Z'), 'Asia/Shanghai')).toBe('2026-12-10');
    expect(calendarDateOf(new Date('2026-12-10T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-12-10');
    expect(calendarDateOf(new Date('2026-12-10T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2026-12-11');
    // New York in winter (UTC-5) and summer (UTC-4).
    expect(calendarDateOf(new Date('2027-01-15T04:59:59Z'), 'America/New_York')).toBe('2027-01-14');
    expect(calendarDateOf(new Date('2027-07-15T04:00:00Z'), 'America/New_York')).toBe('2027-07-15');
    expect(() => calendarDateOf(new Date(Number.NaN), 'Asia/Shanghai')).toThrow(RangeError);
  });

  it('reads 24:00 as the midnight that ends the date', () => {
    const midnight = { zone: 'Asia/Shanghai', time: '24:00' };
    expect(cutOffInstant('2026-12-10', midnight).toISOString()).toBe('2026-12-10T16:00:00.000Z');
    expect(accountingDateOf(new Date('2026-12-10T15:59:59.999Z'), midnight)).toBe('2026-12-10');
    expect(accountingDateOf(new Date('2026-12-10T16:00:00.000Z'), midnight)).toBe('2026-12-11');
  });

  it('follows a zone with daylight saving: 23- and 25-hour days, a skipped wall time', () => {
    const berlin = { zone: 'Europe/Berlin', time: '23:00' };
    expect(cutOffInstant('2027-03-27', berlin).toISOString()).toBe('2027-03-27T22:00:00.000Z');
    expect(cutOffInstant('2027-03-28', berlin).toISOString()).toBe('2027-03-28T21:00:00.000Z');
    expect(cutOffInstant('2027-10-31', berlin).toISOString()).toBe('2027-10-31T22:00:00.000Z');
    // 02:30 does not exist in New York on 2027-03-14: moved forward by the hour skipped, 03:30 EDT.
    const newYork = { zone: 'America/New_York', time: '02:30' };
    expect(cutOffInstant('2027-03-14', newYork).toISOString()).toBe('2027-03-14T07:30:00.000Z');
    expect(accountingDateOf(new Date('2027-03-14T06:59:59Z'), newYork)).toBe('2027-03-14');
    // 01:30 happens twice on 2027-11-07: the first one.
    expect(cutOffInstant('2027-11-07', { zone: 'America/New_York', time: '01:30' }).toISOString()).toBe('2027-11-07T05:30:00.000Z');
  });

  it('closes the days from the one after the last closed through the last whose cut-off settled, oldest first', () => {
    const now = new Date('2026-12-13T15:05:00Z'); // 23:05 Shanghai on the 13th
    expect(lastEndedDate(now, SHANGHAI)).toBe('2026-12-13');
    expect(datesToClose({ lastClosedDate: '2026-12-10', firstEffectiveAt: null, now }, SHANGHAI)).toEqual(['2026-12-11', '2026-12-12', '2026-12-13']);
    // Within the settling minute the day just ended waits.
    const early = new Date(cutOffInstant('2026-12-13', SHANGHAI).getTime() + CUT_OFF_SETTLE_MS - 1);
    expect(datesToClose({ lastClosedDate: '2026-12-10', firstEffectiveAt: null, now: early }, SHANGHAI)).toEqual(['2026-12-11', '2026-12-12']);
    expect(datesToClose({ lastClosedDate: '2026-12-13', firstEffectiveAt: null, now }, SHANGHAI)).toEqual([]);
    // Never closed: from the first posting's day, else the day just ended.
    expect(datesToClose({ lastClosedDate: null, firstEffectiveAt: new Date('2026-12-11T15:00:00Z'), now }, SHANGHAI)).toEqual(['2026-12-12', '2026-12-13']);
    expect(datesToClose({ lastClosedDate: null, firstEffectiveAt: null, now }, SHANGHAI)).toEqual(['2026-12-13']);
    expect(datesToClose({ lastClosedDate: '2026-01-01', firstEffectiveAt: null, now }, SHANGHAI, 3)).toEqual(['2026-01-02', '2026-01-03', '2026-01-04']);
  });

  it('refuses settings and dates that cannot be valid', () => {
    expect(cutOffMinutes('23:00')).toBe(1380);
    expect(() => cutOffMinutes('00:00')).toThrow(RangeError);
    expect(() => cutOffMinutes('24:01')).toThrow(RangeError);
    expect(() => cutOffMinutes('23:60')).toThrow(RangeError);
    expect(() => cutOffMinutes('7:00')).toThrow(RangeError);
    expect(() => validateCutOffSettings({ zone: 'Mars/Olympus', time: '23:00' })).toThrow(/time zone/);
    expect(() => addDays('2026-02-30', 1)).toThrow(/does not exist/);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  });
});
