import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from './credit-code';
import { ValidationError } from './errors';
import { BENEFICIARY_NAME_LENGTH_MAX, LEGAL_NAME_LENGTH_MAX, validateBankAccount, validatePartyInput } from './party-rules';
import { checkPrintable } from './printable-text';
import { validateRegistration } from './receivable-rules';

// Text printed on the documents is refused, when it is entered, any character the documents'
// font lacks: stored, it would stop every document naming it. And the names that go to the bank
// with a payout are no longer than the bank takes (100 characters, docs/bank-simulator.md).

const CREDIT_CODE = `91440300MA5G8K7X2${creditCodeCheckCharacter('91440300MA5G8K7X2')}`;
const NOW = new Date('2026-11-22T02:00:00Z');

function issuesOf(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw error;
  }
  return [];
}

describe('checkPrintable', () => {
  it('accepts Chinese, Latin, full-width punctuation and a line break', () => {
    const issues: Array<{ path: string[]; message: string }> = [];
    for (const text of ['深圳市华强精密电子有限公司', 'Shenzhen Huaqiang (HK) Co., Ltd.', '北京（中关村）科技有限公司', '合同\n第二行', '䶮 龘 𠂇']) checkPrintable(text, ['name'], issues);
    expect(issues).toEqual([]);
  });

  it('names every character the font lacks, once, with its code point', () => {
    const issues: Array<{ path: string[]; message: string }> = [];
    checkPrintable('深圳市𡈽华😀精密😀', ['input', 'legalName'], issues);
    expect(issues).toEqual([{ path: ['input', 'legalName'], message: `must not contain "𡈽" (U+2123D), "😀" (U+1F600): the documents' font cannot print them` }]);
  });
});

describe('text printed on documents', () => {
  it.each([
    ['a rare character (U+2123D)', '深圳市𡈽华精密电子有限公司', 'U+2123D'],
    ['an emoji (U+1F600)', '深圳市华强精密电子有限公司😀', 'U+1F600'],
    ['a character of a private use area (U+E000)', '深圳市华强\uE000有限公司', 'U+E000'],
  ])("refuses a legal name with %s", (_case, legalName, codePoint) => {
    const issues = issuesOf(() => validatePartyInput({ legalName, creditCode: CREDIT_CODE, roles: ['SUPPLIER'] }));
    expect(issues.map((issue) => issue.path)).toEqual(['input.legalName']);
    expect(issues[0]!.message).toContain(codePoint);
  });

  it("refuses a payout account's name or bank name the documents cannot print", () => {
    const account = { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' };
    expect(issuesOf(() => validateBankAccount({ ...account, accountName: '深圳市华强精密电子有限公司😀' })).map((issue) => issue.path)).toEqual(['input.accountName']);
    expect(issuesOf(() => validateBankAccount({ ...account, bankName: '中国工商银行深圳𡈽华支行' })).map((issue) => issue.path)).toEqual(['input.bankName']);
  });

  it('refuses a contract number the documents cannot print', () => {
    const input = { obligorCreditCode: CREDIT_CODE, contractNumber: 'HT-2026-0815🔥', currency: 'CNY', faceAmount: '1000.00', dueDate: '2027-02-20', invoices: [{ invoiceCode: '4403201130', invoiceNumber: '00012345', amount: '1000.00', issueDate: '2026-11-01' }], idempotencyKey: 'k-1' };
    const issues = issuesOf(() => validateRegistration(input, NOW));
    expect(issues).toEqual([{ path: 'input.contractNumber', message: `must not contain "🔥" (U+1F525): the documents' font cannot print it` }]);
  });
});

describe('names the bank takes', () => {
  it('takes a legal name and a payout account of as many characters as the bank takes as a beneficiary, and no more', () => {
    expect(LEGAL_NAME_LENGTH_MAX).toBe(BENEFICIARY_NAME_LENGTH_MAX);
    const name = (length: number) => `${'深圳华强'.repeat(length)}`.slice(0, length);
    expect(validatePartyInput({ legalName: name(LEGAL_NAME_LENGTH_MAX), creditCode: CREDIT_CODE, roles: ['SUPPLIER'] }).legalName).toHaveLength(LEGAL_NAME_LENGTH_MAX);
    expect(issuesOf(() => validatePartyInput({ legalName: name(LEGAL_NAME_LENGTH_MAX + 1), creditCode: CREDIT_CODE, roles: ['SUPPLIER'] })).map((issue) => issue.path)).toEqual(['input.legalName']);
    const account = (accountName: string, bankName: string) => ({ accountName, accountNumber: '6222020200112233445', bankName });
    expect(validateBankAccount(account(name(BENEFICIARY_NAME_LENGTH_MAX), name(BENEFICIARY_NAME_LENGTH_MAX))).accountName).toHaveLength(BENEFICIARY_NAME_LENGTH_MAX);
    expect(issuesOf(() => validateBankAccount(account(name(BENEFICIARY_NAME_LENGTH_MAX + 1), name(BENEFICIARY_NAME_LENGTH_MAX + 1)))).map((issue) => issue.path)).toEqual(['input.accountName', 'input.bankName']);
  });

  it('counts characters as the bank does: a character outside the BMP is one', () => {
    const name = '𠂇'.repeat(BENEFICIARY_NAME_LENGTH_MAX);
    expect(validateBankAccount({ accountName: name, accountNumber: '6222020200112233445', bankName: '中国工商银行' }).accountName).toBe(name);
  });
});
