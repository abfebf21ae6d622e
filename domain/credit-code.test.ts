import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter, creditCodeProblem, normaliseCreditCode } from './credit-code';

describe('unified social credit code', () => {
  // Published codes of real registrants, used as fixed points for the checksum.
  const published = ['91350100M000100Y43', '91440300708461136T'];

  it.each(published)('accepts %s', (code) => {
    expect(creditCodeProblem(code)).toBeUndefined();
  });

  it('computes the check character of each published code', () => {
    for (const code of published) expect(creditCodeCheckCharacter(code.slice(0, 17))).toBe(code.charAt(17));
  });

  it('rejects a wrong check character', () => {
    expect(creditCodeProblem('91350100M000100Y44')).toBe('CHECKSUM');
  });

  it('rejects every single-character substitution of a valid code', () => {
    const code = published[0] as string;
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (let position = 0; position < 17; position += 1) {
      for (const replacement of alphabet) {
        if (replacement === code[position]) continue;
        const mutated = code.slice(0, position) + replacement + code.slice(position + 1);
        expect(creditCodeProblem(mutated), mutated).not.toBeUndefined();
      }
    }
  });

  it.each([
    ['', 'LENGTH'],
    ['91350100M000100Y4', 'LENGTH'],
    ['91350100M000100Y433', 'LENGTH'],
    ['91350100M00O100Y43', 'CHARACTERS'],
    ['9135010AM000100Y43', 'CHARACTERS'],
    ['91350100m000100y43', 'CHARACTERS'],
  ])('rejects %j as %s', (code, problem) => {
    expect(creditCodeProblem(code)).toBe(problem);
  });

  it('normalises case and whitespace before validation', () => {
    expect(creditCodeProblem(normaliseCreditCode('  91350100m000100y43 '))).toBeUndefined();
  });
});
