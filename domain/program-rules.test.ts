import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import { validateProgramTerms, type ProgramTermsInput } from './program-rules';

const TERMS: ProgramTermsInput = {
  advanceRate: '0.8',
  annualRate: '0.06',
  interestMode: 'UPFRONT',
  dayCount: 'ACT_360',
  feeRate: '0.001',
  tenorDaysMax: 180,
  graceDays: 3,
  penaltyRate: '0.18',
  recourse: false,
  assignmentMode: 'OPEN',
  programLimit: '1000000.00',
  supplierLimit: '1000000.00',
  obligorLimit: '5000000.00',
};

function issuesOf(input: ProgramTermsInput): string[] {
  try {
    validateProgramTerms(input, 'CNY');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('program terms: the minimum tenor', () => {
  it('finances at least one day when the program says nothing, and takes any whole number up to the maximum tenor', () => {
    expect(validateProgramTerms(TERMS, 'CNY').tenorDaysMin).toBe(1);
    expect(validateProgramTerms({ ...TERMS, tenorDaysMin: null }, 'CNY').tenorDaysMin).toBe(1);
    expect(validateProgramTerms({ ...TERMS, tenorDaysMin: 30 }, 'CNY').tenorDaysMin).toBe(30);
    expect(validateProgramTerms({ ...TERMS, tenorDaysMin: 180 }, 'CNY').tenorDaysMin).toBe(180);
  });

  it('refuses zero, a fraction, and a minimum above the maximum, with the other terms', () => {
    expect(issuesOf({ ...TERMS, tenorDaysMin: 0 })).toEqual(['input.terms.tenorDaysMin: must be a whole number from 1 to 1830']);
    expect(issuesOf({ ...TERMS, tenorDaysMin: 1.5 })).toEqual(['input.terms.tenorDaysMin: must be a whole number from 1 to 1830']);
    expect(issuesOf({ ...TERMS, tenorDaysMin: 181 })).toEqual(['input.terms.tenorDaysMin: must not exceed tenorDaysMax']);
    expect(issuesOf({ ...TERMS, tenorDaysMin: 181, graceDays: -1 })).toEqual(['input.terms.tenorDaysMin: must not exceed tenorDaysMax', 'input.terms.graceDays: must be a whole number from 0 to 90']);
  });
});

describe('program terms: recourse', () => {
  const RECOURSE: ProgramTermsInput = { ...TERMS, recourse: true, recourseAfterDays: 30 };

  it('accepts recourse after more days than the grace days', () => {
    expect(issuesOf(RECOURSE)).toEqual([]);
    expect(validateProgramTerms({ ...RECOURSE, graceDays: 3, recourseAfterDays: 4 }, 'CNY').recourseAfterDays).toBe(4);
  });

  it('refuses recourse on or before the last grace day: the financing is not overdue yet', () => {
    expect(issuesOf({ ...RECOURSE, graceDays: 3, recourseAfterDays: 3 })).toEqual(['input.terms.recourseAfterDays: must be greater than the 3 grace days: recourse applies only once the financing is overdue']);
    expect(issuesOf({ ...RECOURSE, graceDays: 10, recourseAfterDays: 1 })).toHaveLength(1);
    expect(issuesOf({ ...RECOURSE, graceDays: 0, recourseAfterDays: 1 })).toEqual([]);
  });
});
