import { describe, expect, it } from 'vitest';
import { dayRange, nameUpTo, textUpTo } from './validators';

describe('text validators', () => {
  it('take text in any script, with line breaks in free text', () => {
    expect(textUpTo(500).safeParse('合同变更\n第二行\tcontract changed').success).toBe(true);
    expect(nameUpTo(200).safeParse('深圳市华强精密电子有限公司 (Shenzhen)').success).toBe(true);
  });

  it.each(['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u202a', '\u202e', '\u2066', '\u2069'])('refuse U+%s in free text and names', (character) => {
    for (const validator of [textUpTo(500), nameUpTo(200)]) {
      const result = validator.safeParse(`深圳${character}有限公司`);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/control characters|bidirectional/);
    }
  });

  it('keep names on one line', () => {
    expect(nameUpTo(200).safeParse('深圳市华强\n精密电子有限公司').error?.issues[0]?.message).toBe('must be on one line, without tabs');
  });

  it('say the real limit', () => {
    expect(nameUpTo(200).safeParse('名'.repeat(801)).error?.issues[0]?.message).toBe('must be at most 200 characters');
  });
});

describe('a range of days', () => {
  const range = dayRange('dueDateFrom', 'dueDateTo');

  it.each([
    [{ dueDateFrom: '2027-01-01', dueDateTo: '2027-06-30' }],
    [{ dueDateFrom: '2027-06-30', dueDateTo: '2027-06-30' }],
    [{ dueDateFrom: '2027-06-30' }],
    [{ dueDateFrom: null, dueDateTo: '2027-01-01' }],
    [{ status: ['CONFIRMED'] }],
  ])('takes %j', (value) => {
    expect(range.safeParse(value).success).toBe(true);
  });

  it.each([
    [{ dueDateFrom: '2027-06-30', dueDateTo: '2027-06-29' }],
    [{ dueDateFrom: '2028-01-01', dueDateTo: '2027-12-31' }],
  ])('refuses %j, naming its end', (value) => {
    const issues = range.safeParse(value).error?.issues;
    expect(issues?.map((issue) => [issue.path, issue.message])).toEqual([[['dueDateTo'], 'must not be before dueDateFrom']]);
  });
});
