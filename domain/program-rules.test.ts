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
  recourse: true,
  recourseAfterDays: 30,
  assignmentMode: 'OPEN',
  programLimit: '50000000.00',
  supplierLimit: '10000000.00',
  obligorLimit: '50000000.00',
};

function issuesOf(terms: ProgramTermsInput): string[] {
  try {
    validateProgramTerms(terms, 'CNY');
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((issue) => `${issue.path.at(-1)}: ${issue.message}`);
  }
}

describe('program terms', () => {
  it('accepts recourse after more days than the grace days', () => {
    expect(issuesOf(TERMS)).toEqual([]);
    expect(validateProgramTerms({ ...TERMS, graceDays: 3, recourseAfterDays: 4 }, 'CNY').recourseAfterDays).toBe(4);
  });

  it('refuses recourse on or before the last grace day: the financing is not overdue yet', () => {
    expect(issuesOf({ ...TERMS, graceDays: 3, recourseAfterDays: 3 })).toEqual(['recourseAfterDays: must be greater than the 3 grace days: recourse applies only once the financing is overdue']);
    expect(issuesOf({ ...TERMS, graceDays: 10, recourseAfterDays: 1 })).toHaveLength(1);
    expect(issuesOf({ ...TERMS, graceDays: 0, recourseAfterDays: 1 })).toEqual([]);
  });
});
