// 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters from a
// 31-character alphabet (no I, O, Z, S, V); the last is a check character computed
// from the first 17 with fixed weights, modulo 31.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const SHAPE = /^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

export type CreditCodeProblem = 'LENGTH' | 'CHARACTERS' | 'CHECKSUM';

/** The check character for the first 17 characters of a code. */
export function creditCodeCheckCharacter(body: string): string {
  let sum = 0;
  for (let index = 0; index < WEIGHTS.length; index += 1) {
    const value = ALPHABET.indexOf(body.charAt(index));
    if (value < 0) throw new RangeError(`invalid character ${JSON.stringify(body.charAt(index))} at position ${index + 1}`);
    sum += value * (WEIGHTS[index] as number);
  }
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/** Upper-cases and trims; does not validate. */
export function normaliseCreditCode(value: string): string {
  return value.trim().toUpperCase();
}

/** Why a code is invalid, or undefined when it is valid. Expects a normalised code. */
export function creditCodeProblem(code: string): CreditCodeProblem | undefined {
  if (code.length !== 18) return 'LENGTH';
  if (!SHAPE.test(code)) return 'CHARACTERS';
  return creditCodeCheckCharacter(code.slice(0, 17)) === code.charAt(17) ? undefined : 'CHECKSUM';
}

export const CREDIT_CODE_PROBLEM_MESSAGES: Record<CreditCodeProblem, string> = {
  LENGTH: 'a unified social credit code has exactly 18 characters',
  CHARACTERS: 'a unified social credit code uses digits and the letters A-Y except I, O, S, V and Z, with digits in positions 3-8',
  CHECKSUM: 'the check character (18th) does not match the first 17 characters',
};
