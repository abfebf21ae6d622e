import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from './credit-code';
import { DomainError, LimitExceededError, NotFoundError, ValidationError, WrongStateError } from './errors';
import { LEGAL_NAME_LENGTH_MAX } from './party-rules';
import {
  assertVoucherVisible,
  buildLineageTree,
  comparePartNumbers,
  formatPartNumber,
  formatVoucherNumber,
  holderChain,
  isPartNumber,
  isVoucherNumber,
  partStatusAsSeen,
  resolveRecipient,
  sameCompanyName,
  validateVoucherIssue,
  validateVoucherTransfer,
  validateVoucherTransferInput,
  visibleParts,
  VOUCHER_PARTS_MAX,
  type LineageRow,
  type VisibilityFinancing,
  type VisibilityInput,
  type VisibilityPart,
  type VoucherIssueInput,
  type VoucherTransferContext,
  type VoucherTransferInput,
} from './voucher-rules';

const NOW = new Date('2026-11-22T02:00:00Z'); // 10:00 on 2026-11-22 in China

/** A valid unified social credit code ending in `tail` (six digits). */
const creditCode = (tail: string) => {
  const body = `91440300MA5G${tail}`;
  return body + creditCodeCheckCharacter(body);
};
const CORE_CODE = creditCode('00001');
const T1_CODE = creditCode('00002');
const A_CODE = creditCode('00003');

function failure(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a domain error');
}
const pathsOf = (error: DomainError) => (error instanceof ValidationError ? error.issues.map((issue) => issue.path.join('.')) : []);

describe('numbers', () => {
  it('writes voucher numbers as VCH-<year>-<8 digits>', () => {
    expect(formatVoucherNumber(2027, 1)).toBe('VCH-2027-00000001');
    expect(formatVoucherNumber(2027, 99_999_999)).toBe('VCH-2027-99999999');
    expect(() => formatVoucherNumber(2027, 0)).toThrow(RangeError);
    expect(() => formatVoucherNumber(2027, 100_000_000)).toThrow(RangeError);
    expect(() => formatVoucherNumber(27, 1)).toThrow(RangeError);
    expect(isVoucherNumber('VCH-2027-00000001')).toBe(true);
    expect(isVoucherNumber('VCH-2027-00000000')).toBe(false);
    expect(isVoucherNumber('VCH-2027-0000001')).toBe(false);
    expect(isVoucherNumber('vch-2027-00000001')).toBe(false);
  });

  it('writes part numbers as <voucher number>-<4 digits>, widening past 9999', () => {
    expect(formatPartNumber('VCH-2027-00000001', 1)).toBe('VCH-2027-00000001-0001');
    expect(formatPartNumber('VCH-2027-00000001', 9999)).toBe('VCH-2027-00000001-9999');
    expect(formatPartNumber('VCH-2027-00000001', 10_000)).toBe('VCH-2027-00000001-10000');
    expect(() => formatPartNumber('VCH-2027-00000001', VOUCHER_PARTS_MAX + 1)).toThrow(RangeError);
    expect(() => formatPartNumber('VCH-2027-00000001', 0)).toThrow(RangeError);
    expect(() => formatPartNumber('REG-1', 1)).toThrow(RangeError);
    expect(isPartNumber('VCH-2027-00000001-0001')).toBe(true);
    expect(isPartNumber('VCH-2027-00000001-10000')).toBe(true);
    expect(isPartNumber('VCH-2027-00000001-00001')).toBe(false);
    expect(isPartNumber('VCH-2027-00000001-0000')).toBe(false);
    expect(isPartNumber('VCH-2027-00000001-001')).toBe(false);
  });

  it('orders part numbers by their sequence', () => {
    const numbers = [10_000, 2, 9_999, 1, 10].map((sequence) => formatPartNumber('VCH-2027-00000001', sequence));
    expect(numbers.sort(comparePartNumbers).map((number) => number.slice(18))).toEqual(['0001', '0002', '0010', '9999', '10000']);
  });
});

describe('validateVoucherIssue', () => {
  const issue = (overrides: Partial<VoucherIssueInput> = {}): VoucherIssueInput => ({
    holderCreditCode: T1_CODE.toLowerCase(),
    contractNumber: 'HT-2026-0815',
    currency: 'CNY',
    amount: '10000000.00',
    dueDate: '2027-02-20',
    invoices: [
      { invoiceCode: '4403201130', invoiceNumber: '00012345', amount: '6000000.00', issueDate: '2026-11-01' },
      { invoiceCode: '4403201130', invoiceNumber: '00012346', amount: '4000000.00', issueDate: '2026-11-02' },
    ],
    idempotencyKey: 'issue-1',
    ...overrides,
  });

  it('accepts an issue as a registration would be accepted, normalising the holder', () => {
    const valid = validateVoucherIssue(issue(), { creditCode: CORE_CODE }, NOW);
    expect(valid.holderCreditCode).toBe(T1_CODE);
    expect(valid.amount.toFixed(2)).toBe('10000000.00');
    expect(valid.currency).toBe('CNY');
    expect(valid.invoices).toHaveLength(2);
  });

  it('refuses an issue to the issuer itself', () => {
    const error = failure(() => validateVoucherIssue(issue({ holderCreditCode: ` ${CORE_CODE.toLowerCase()} ` }), { creditCode: CORE_CODE }, NOW));
    expect(error.code).toBe('VOUCHER_ISSUE_TO_SELF');
    expect(pathsOf(error)).toEqual(['input.holderCreditCode']);
  });

  it('reports the registration rules under the voucher field names, all at once', () => {
    const error = failure(() => validateVoucherIssue(issue({ holderCreditCode: '123', amount: '9999999.99', dueDate: '2026-11-22' }), { creditCode: CORE_CODE }, NOW));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(pathsOf(error)).toEqual(['input.holderCreditCode', 'input.dueDate']);
    // With the due date put right, the amount's mismatch with the invoices shows, named `amount`.
    const mismatch = failure(() => validateVoucherIssue(issue({ amount: '9999999.99' }), { creditCode: CORE_CODE }, NOW));
    expect(pathsOf(mismatch)).toEqual(['input.amount']);
    expect((mismatch as ValidationError).issues[0]?.message).toContain('10000000.00');
  });

  it('refuses an amount with three decimals, an unknown currency and no invoices', () => {
    expect(pathsOf(failure(() => validateVoucherIssue(issue({ amount: '10000000.001' }), { creditCode: CORE_CODE }, NOW)))).toEqual(['input.amount']);
    expect(pathsOf(failure(() => validateVoucherIssue(issue({ currency: 'XBT' }), { creditCode: CORE_CODE }, NOW)))).toEqual(['input.currency']);
    expect(pathsOf(failure(() => validateVoucherIssue(issue({ invoices: [] }), { creditCode: CORE_CODE }, NOW)))).toEqual(['input.invoices']);
  });
});

describe('validateVoucherTransfer', () => {
  const transfer = (overrides: Partial<VoucherTransferInput> = {}): VoucherTransferInput => ({
    recipientCreditCode: A_CODE,
    amount: '3000000.00',
    currency: 'CNY',
    contractNumber: 'T1-A-2026-07',
    invoices: [
      { invoiceCode: '3100201130', invoiceNumber: '88000001', amount: '2000000.00', issueDate: '2026-11-10' },
      { invoiceCode: '3100201130', invoiceNumber: '88000002', amount: '1000000.00', issueDate: '2026-11-11' },
    ],
    idempotencyKey: 'transfer-1',
    ...overrides,
  });
  const context = (overrides: { voucher?: Partial<VoucherTransferContext['voucher']>; part?: Partial<VoucherTransferContext['part']> } = {}): VoucherTransferContext => ({
    voucher: { status: 'ACTIVE', currency: 'CNY', dueDate: '2027-02-20', issuerCreditCode: CORE_CODE, ...overrides.voucher },
    part: { status: 'ACTIVE', holderCreditCode: T1_CODE, availableAmount: '10000000.00', ...overrides.part },
  });

  it('accepts a transfer of up to the available amount backed by invoices of at least its amount', () => {
    const valid = validateVoucherTransfer(transfer(), context(), NOW);
    expect(valid.amount.toFixed(2)).toBe('3000000.00');
    expect(valid.recipientCreditCode).toBe(A_CODE);
    expect(validateVoucherTransfer(transfer({ amount: '3000000.00' }), context({ part: { availableAmount: '3000000' } }), NOW).amount.toFixed(2)).toBe('3000000.00');
    // Invoices above the amount: the transfer pays part of what is owed under them.
    expect(validateVoucherTransfer(transfer({ amount: '0.01' }), context(), NOW).amount.toFixed(2)).toBe('0.01');
  });

  it('refuses the available amount plus one cent, with the ledger refusal code', () => {
    const error = failure(() => validateVoucherTransfer(transfer(), context({ part: { availableAmount: '2999999.99' } }), NOW));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.code).toBe('EXCEEDS_AVAILABLE_AMOUNT');
    expect(error.message).toContain('2999999.99');
  });

  it('refuses invoices totalling one cent less than the amount', () => {
    const error = failure(() => validateVoucherTransfer(transfer({ amount: '3000000.01' }), context(), NOW));
    expect(error.code).toBe('INVOICES_BELOW_TRANSFER_AMOUNT');
    expect(pathsOf(error)).toEqual(['input.invoices']);
  });

  it('refuses a transfer to the holder itself', () => {
    const error = failure(() => validateVoucherTransfer(transfer({ recipientCreditCode: T1_CODE.toLowerCase() }), context(), NOW));
    expect(error.code).toBe('VOUCHER_TRANSFER_TO_SELF');
  });

  it('refuses a transfer to the voucher\'s issuer, from any tier: it would hold a claim on itself', () => {
    for (const holderCreditCode of [T1_CODE, A_CODE]) {
      const error = failure(() => validateVoucherTransfer(transfer({ recipientCreditCode: ` ${CORE_CODE.toLowerCase()} ` }), context({ part: { holderCreditCode } }), NOW));
      expect(error.code).toBe('VOUCHER_TRANSFER_TO_ISSUER');
      expect(pathsOf(error)).toEqual(['input.recipientCreditCode']);
    }
  });

  it('refuses another currency than the voucher', () => {
    const error = failure(() => validateVoucherTransfer(transfer({ currency: 'usd' }), context(), NOW));
    expect(error.code).toBe('CURRENCY_MISMATCH');
    expect(pathsOf(error)).toEqual(['input.currency']);
  });

  it.each([
    ['a zero amount', { amount: '0' }, ['input.amount']],
    ['a negative amount', { amount: '-1.00' }, ['input.amount']],
    ['three decimals', { amount: '1.001' }, ['input.amount']],
    ['no contract number', { contractNumber: '  ' }, ['input.contractNumber']],
    ['no invoices', { invoices: [] }, ['input.invoices']],
    ['an invoice issued tomorrow', { invoices: [{ invoiceCode: '3100201130', invoiceNumber: '88000001', amount: '3000000.00', issueDate: '2026-11-23' }] }, ['input.invoices.0.issueDate']],
    [
      'an invoice twice',
      {
        invoices: [
          { invoiceCode: '3100201130', invoiceNumber: '88000001', amount: '1500000.00', issueDate: '2026-11-10' },
          { invoiceCode: '3100-201130', invoiceNumber: '88000001', amount: '1500000.00', issueDate: '2026-11-10' },
        ],
      },
      ['input.invoices.1'],
    ],
    ['a recipient code with a wrong check character', { recipientCreditCode: `${A_CODE.slice(0, 17)}${A_CODE.endsWith('0') ? '1' : '0'}` }, ['input.recipientCreditCode']],
    ['a bad document digest', { documentHashes: ['abc'] }, ['input.documentHashes.0']],
    ['an empty idempotency key', { idempotencyKey: ' ' }, ['input.idempotencyKey']],
  ])('refuses %s', (_name, change, paths) => {
    const error = failure(() => validateVoucherTransfer(transfer(change), context(), NOW));
    expect(error).toBeInstanceOf(ValidationError);
    expect(pathsOf(error)).toEqual(paths);
  });

  it.each([
    ['a voucher not yet accepted', { voucher: { status: 'PENDING_ACCEPTANCE' as const } }, 'WRONG_STATE'],
    ['a paid voucher', { voucher: { status: 'PAID' as const } }, 'WRONG_STATE'],
    ['a part being financed', { part: { status: 'FINANCING' as const } }, 'WRONG_STATE'],
    ['a financed part', { part: { status: 'FINANCED' as const } }, 'WRONG_STATE'],
    ['a part not yet accepted', { part: { status: 'PENDING_ACCEPTANCE' as const } }, 'WRONG_STATE'],
    ['a voucher due today', { voucher: { dueDate: '2026-11-22' } }, 'DEADLINE_PASSED'],
  ])('refuses a transfer from %s', (_name, change, code) => {
    const error = failure(() => validateVoucherTransfer(transfer({ invoices: [{ invoiceCode: '3100201130', invoiceNumber: '88000001', amount: '3000000.00', issueDate: '2026-11-10' }] }), context(change), NOW));
    expect(error).toBeInstanceOf(WrongStateError);
    expect(error.code).toBe(code);
  });

  it('checks the input before the state, and the state before the available amount', () => {
    expect(failure(() => validateVoucherTransfer(transfer({ amount: '0' }), context({ part: { status: 'FINANCED', availableAmount: '0' } }), NOW))).toBeInstanceOf(ValidationError);
    expect(failure(() => validateVoucherTransfer(transfer(), context({ part: { status: 'FINANCED', availableAmount: '0' } }), NOW))).toBeInstanceOf(WrongStateError);
  });
});

// The feature's scenario: Core issues 10,000,000.00 to T1; T1 transfers to A, B and C; C to D and E.
const V = 'VCH-2027-00000001';
const scenarioParts: VisibilityPart[] = [
  { id: 'p1', parentPartId: null, tier: 1, partNumber: `${V}-0001`, holderPartyId: 'T1', holderName: 'T1' },
  { id: 'p2', parentPartId: 'p1', tier: 2, partNumber: `${V}-0002`, holderPartyId: 'A', holderName: 'A' },
  { id: 'p3', parentPartId: 'p1', tier: 2, partNumber: `${V}-0003`, holderPartyId: 'B', holderName: 'B' },
  { id: 'p4', parentPartId: 'p1', tier: 2, partNumber: `${V}-0004`, holderPartyId: 'C', holderName: 'C' },
  { id: 'p6', parentPartId: 'p4', tier: 3, partNumber: `${V}-0006`, holderPartyId: 'E', holderName: 'E' },
  { id: 'p5', parentPartId: 'p4', tier: 3, partNumber: `${V}-0005`, holderPartyId: 'D', holderName: 'D' },
];
const scenarioFinancings: VisibilityFinancing[] = [
  { partId: 'p3', funderPartyId: 'F1', funderName: 'F1', assignmentMode: 'OPEN' },
  { partId: 'p5', funderPartyId: 'F2', funderName: 'F2', assignmentMode: 'SILENT' },
];

describe('lineage', () => {
  it('builds the tree from flat rows, children in part-number order', () => {
    const root = buildLineageTree(scenarioParts);
    expect(root.id).toBe('p1');
    expect(root.children.map((child) => child.id)).toEqual(['p2', 'p3', 'p4']);
    expect(root.children[2]?.children.map((child) => child.id)).toEqual(['p5', 'p6']);
    expect(root.children[2]?.children[0]?.holderName).toBe('D');
  });

  it('builds a connected subset rooted below tier 1 (what one caller sees)', () => {
    const root = buildLineageTree(scenarioParts.filter((part) => ['p4', 'p5'].includes(part.id)));
    expect(root.id).toBe('p4');
    expect(root.children.map((child) => child.id)).toEqual(['p5']);
  });

  it('gives the chain of holders from the issue down to a part', () => {
    expect(holderChain(scenarioParts, 'p5').map((part) => part.holderName)).toEqual(['T1', 'C', 'D']);
    expect(holderChain(scenarioParts, 'p1').map((part) => part.holderName)).toEqual(['T1']);
  });

  it('refuses rows that do not form one lineage', () => {
    const row = (id: string, parentPartId: string | null, tier: number): LineageRow => ({ id, parentPartId, tier, partNumber: `${V}-${id}` });
    expect(() => buildLineageTree([])).toThrow(/no parts/);
    expect(() => buildLineageTree([row('1', null, 1), row('2', null, 1)])).toThrow(/both lack a parent/);
    expect(() => buildLineageTree([row('1', null, 1), row('2', '1', 3)])).toThrow(/tier 3 under part 1 at tier 1/);
    expect(() => buildLineageTree([row('1', null, 1), row('1', null, 1)])).toThrow(/appears twice/);
    expect(() => buildLineageTree([row('1', null, 2)])).toThrow(/not 1/);
    // A cycle has no root, or breaks the tiers.
    expect(() => buildLineageTree([row('1', '2', 1), row('2', '1', 2)])).toThrow(/tier/);
    expect(() => holderChain([row('1', null, 1), row('3', '2', 3)], '3')).toThrow(/parent 2 is not among the rows/);
    expect(() => holderChain([row('1', null, 1)], '9')).toThrow(/not among the rows/);
    expect(() => holderChain([row('1', '2', 1), row('2', '1', 2)], '1')).toThrow(/tier/);
  });

  it('builds a chain 10,000 tiers deep without recursion', () => {
    const rows: LineageRow[] = Array.from({ length: 10_000 }, (_, index) => ({ id: `p${index + 1}`, parentPartId: index === 0 ? null : `p${index}`, tier: index + 1, partNumber: formatPartNumber(V, index + 1) }));
    let node = buildLineageTree([...rows].reverse());
    let depth = 1;
    while (node.children.length > 0) {
      node = node.children[0]!;
      depth += 1;
    }
    expect(depth).toBe(10_000);
    expect(holderChain(rows, 'p10000')).toHaveLength(10_000);
  });
});

describe('visibleParts', () => {
  const view = (partyId: string, operator = false) => {
    const input: VisibilityInput = { caller: { partyId, operator }, voucher: { issuerPartyId: 'Core' }, parts: scenarioParts, financings: scenarioFinancings };
    return visibleParts(input).map((part) => `${part.holderName}${part.assignee ? `@${part.assignee.funderName}` : ''}:${part.reason}`);
  };

  it('shows the core every part and holder, and the funder only under open assignment', () => {
    expect(view('Core')).toEqual(['T1:ISSUER', 'A:ISSUER', 'B@F1:ISSUER', 'C:ISSUER', 'D:ISSUER', 'E:ISSUER']);
  });

  it('shows a holder its part, the chain it received through and the parts its transfers made; not its siblings', () => {
    expect(view('T1')).toEqual(['T1:HOLDER', 'A:OWN_TRANSFER', 'B:OWN_TRANSFER', 'C:OWN_TRANSFER']);
    expect(view('C')).toEqual(['T1:ANCESTOR', 'C:HOLDER', 'D:OWN_TRANSFER', 'E:OWN_TRANSFER']);
    expect(view('A')).toEqual(['T1:ANCESTOR', 'A:HOLDER']);
    expect(view('E')).toEqual(['T1:ANCESTOR', 'C:ANCESTOR', 'E:HOLDER']);
  });

  it('shows a holder its own financing, silent or open', () => {
    expect(view('D')).toEqual(['T1:ANCESTOR', 'C:ANCESTOR', 'D@F2:HOLDER']);
    expect(view('B')).toEqual(['T1:ANCESTOR', 'B@F1:HOLDER']);
  });

  it('shows a funder the parts it finances and their lineage', () => {
    expect(view('F2')).toEqual(['T1:ANCESTOR', 'C:ANCESTOR', 'D@F2:FUNDER']);
    expect(view('F1')).toEqual(['T1:ANCESTOR', 'B@F1:FUNDER']);
  });

  it('shows an operator everything and anyone else nothing (NOT_FOUND)', () => {
    expect(view('ops', true)).toEqual(['T1:OPERATOR', 'A:OPERATOR', 'B@F1:OPERATOR', 'C:OPERATOR', 'D@F2:OPERATOR', 'E:OPERATOR']);
    expect(view('X')).toEqual([]);
    expect(() => assertVoucherVisible('v1', { caller: { partyId: 'X', operator: false }, voucher: { issuerPartyId: 'Core' }, parts: scenarioParts, financings: scenarioFinancings })).toThrow(NotFoundError);
  });

  it('never tells the core of a silent assignment, even where the core also holds a part', () => {
    const parts = scenarioParts.map((part) => (part.id === 'p6' ? { ...part, holderPartyId: 'Core', holderName: 'Core' } : part));
    const seen = visibleParts({ caller: { partyId: 'Core', operator: false }, voucher: { issuerPartyId: 'Core' }, parts, financings: scenarioFinancings });
    expect(seen.find((part) => part.partId === 'p5')?.assignee).toBeNull();
    expect(JSON.stringify(seen)).not.toContain('F2');
    expect(JSON.stringify(seen)).not.toContain('SILENT');
  });

  it('joins the views of a party with two roles', () => {
    // F1 also holds E's part: it sees B as funder, E as holder, and both chains.
    const parts = scenarioParts.map((part) => (part.id === 'p6' ? { ...part, holderPartyId: 'F1', holderName: 'F1' } : part));
    const seen = visibleParts({ caller: { partyId: 'F1', operator: false }, voucher: { issuerPartyId: 'Core' }, parts, financings: scenarioFinancings });
    expect(seen.map((part) => `${part.holderName}:${part.reason}`)).toEqual(['T1:ANCESTOR', 'B:FUNDER', 'C:ANCESTOR', 'F1:HOLDER']);
  });

  it('refuses two financings on one part', () => {
    expect(() =>
      visibleParts({ caller: { partyId: 'Core', operator: false }, voucher: { issuerPartyId: 'Core' }, parts: scenarioParts, financings: [...scenarioFinancings, { ...scenarioFinancings[0]!, funderPartyId: 'F9' }] }),
    ).toThrow(/two financings/);
  });

  it('shows a part being financed or financed as active to whoever may not know the assignee', () => {
    expect(partStatusAsSeen('FINANCED', false)).toBe('ACTIVE');
    expect(partStatusAsSeen('FINANCING', false)).toBe('ACTIVE');
    expect(partStatusAsSeen('FINANCED', true)).toBe('FINANCED');
    expect(partStatusAsSeen('PAID', false)).toBe('PAID');
  });
});

describe('resolveRecipient', () => {
  const registered = { legalName: '中山市恒达电镀厂（普通合伙）' };

  it('takes a registered party with no name given, or with its own name in either width of brackets', () => {
    expect(resolveRecipient(registered, { creditCode: A_CODE, name: null }, 'recipient')).toEqual({ registered: true });
    expect(resolveRecipient(registered, { creditCode: A_CODE, name: '中山市恒达电镀厂(普通合伙)' }, 'recipient')).toEqual({ registered: true });
    expect(sameCompanyName(' 中山市恒达电镀厂（普通合伙） ', '中山市恒达电镀厂(普通合伙)')).toBe(true);
  });

  it('refuses another name for a registered party without telling the registered one', () => {
    const error = failure(() => resolveRecipient(registered, { creditCode: A_CODE, name: '中山市恒达电镀厂' }, 'recipient'));
    expect(error.code).toBe('RECIPIENT_NAME_MISMATCH');
    expect(pathsOf(error)).toEqual(['input.recipientName']);
    expect(error.message).not.toContain('普通合伙');
    expect(sameCompanyName('中山市恒达电镀厂', '中山市恒达電镀厂')).toBe(false);
  });

  it('reads a name the same across spaces at its ends, runs of spaces (full-width ones too) and character widths, and not across a missing space', () => {
    expect(sameCompanyName('Shenzhen  Huaqiang\u3000Precision Co., Ltd.', ' Ｓｈｅｎｚｈｅｎ Huaqiang Precision Co.， Ltd． ')).toBe(true);
    expect(sameCompanyName('中山市 恒达电镀厂', '中山市恒达电镀厂')).toBe(false);
    expect(sameCompanyName('中山市恒达电镀厂有限公司', '中山市恒达电镀有限公司')).toBe(false);
  });

  it('needs the name of a company not yet registered, and then waits for it', () => {
    const error = failure(() => resolveRecipient(null, { creditCode: A_CODE, name: null }, 'holder'));
    expect(error.code).toBe('RECIPIENT_NOT_REGISTERED');
    expect(pathsOf(error)).toEqual(['input.holderCreditCode']);
    expect(resolveRecipient(null, { creditCode: A_CODE, name: '中山市恒达电镀厂' }, 'holder')).toEqual({ registered: false, creditCode: A_CODE, name: '中山市恒达电镀厂' });
  });

  it('normalises a given name and refuses a blank, too long or unprintable one in the input check', () => {
    const terms = { voucher: { currency: 'CNY' as const, dueDate: '2027-02-20', issuerCreditCode: CORE_CODE }, holderCreditCode: T1_CODE };
    const input = (recipientName: string) => ({ recipientCreditCode: A_CODE, recipientName, amount: '100.00', currency: 'CNY', contractNumber: 'CG-1', invoices: [{ invoiceCode: '4403201130', invoiceNumber: '00000001', amount: '100.00', issueDate: '2026-11-01' }], idempotencyKey: 'k-1' });
    expect(validateVoucherTransferInput(input('  中山市  恒达电镀厂 '), terms, NOW).recipientName).toBe('中山市 恒达电镀厂');
    expect(pathsOf(failure(() => validateVoucherTransferInput(input('   '), terms, NOW)))).toEqual(['input.recipientName']);
    expect(pathsOf(failure(() => validateVoucherTransferInput(input('厂'.repeat(LEGAL_NAME_LENGTH_MAX + 1)), terms, NOW)))).toEqual(['input.recipientName']);
    expect(validateVoucherTransferInput(input('厂'.repeat(LEGAL_NAME_LENGTH_MAX)), terms, NOW).recipientName).toHaveLength(LEGAL_NAME_LENGTH_MAX);
    expect(pathsOf(failure(() => validateVoucherTransferInput(input('中山市𡈽达电镀厂'), terms, NOW)))).toEqual(['input.recipientName']);
  });
});
