import { describe, expect, it } from 'vitest';
import { checkStatementDayEnded } from './statement-document';

// A statement is of a day that has ended: the midnight after it, in the cut-off's zone
// (docs/reconciliation.md, "Importing").

const refusal = (date: string, now: string, zone = 'Asia/Shanghai') => {
  try {
    checkStatementDayEnded({ date }, new Date(now), zone);
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('the day a statement is of', () => {
  it('is accepted from the midnight that ends it, in the zone', () => {
    // 2026-12-10 ends at 2026-12-11 00:00 Asia/Shanghai, 2026-12-10T16:00Z.
    expect(refusal('2026-12-10', '2026-12-10T16:00:00.000Z')).toBe('accepted');
    expect(refusal('2026-12-10', '2026-12-11T01:30:00.000Z')).toBe('accepted');
    expect(refusal('2026-01-01', '2026-12-11T01:30:00.000Z')).toBe('accepted');
  });

  it('is refused before that midnight: the same day, and any day to come', () => {
    expect(refusal('2026-12-10', '2026-12-10T15:59:59.999Z')).toBe('STATEMENT_DAY_NOT_ENDED');
    expect(refusal('2026-12-10', '2026-12-10T02:00:00.000Z')).toBe('STATEMENT_DAY_NOT_ENDED');
    expect(refusal('2099-12-31', '2026-12-11T01:30:00.000Z')).toBe('STATEMENT_DAY_NOT_ENDED');
  });

  it('reads midnight in the zone of the cut-off', () => {
    // In UTC the 10th ends 8 hours later than in Shanghai.
    expect(refusal('2026-12-10', '2026-12-10T20:00:00.000Z', 'UTC')).toBe('STATEMENT_DAY_NOT_ENDED');
    expect(refusal('2026-12-10', '2026-12-11T00:00:00.000Z', 'UTC')).toBe('accepted');
  });

  it('names the day and when it ends', () => {
    expect(() => checkStatementDayEnded({ date: '2099-12-31' }, new Date('2026-12-11T01:30:00.000Z'), 'Asia/Shanghai')).toThrow(/2099-12-31.*has not ended.*2099-12-31T16:00:00.000Z/);
  });
});
