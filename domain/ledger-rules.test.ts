import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import {
  allocateWaterfall,
  balancesOf,
  canonicalEntries,
  canonicalJson,
  disbursementPostings,
  ENTRIES_PER_TRANSACTION_MAX,
  isVirtualAccountNumber,
  luhnCheckDigit,
  maskVirtualAccountNumber,
  penaltyForDays,
  postingEntries,
  POSTING_RULES,
  reallocationEntries,
  reallocationShortfall,
  recourseReturnEntries,
  recourseReturnShortfall,
  reversalEntries,
  signedAmount,
  splitSurplus,
  transfer,
  validateAmount,
  validateEntries,
  validateHeader,
  waterfallEntries,
  type LedgerEntryInput,
  type PostingRule,
} from './ledger-rules';
import { Decimal } from './money';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

const d = (value: string) => new Decimal(value);

function pair(amount: string, currency = 'CNY', creditAmount = amount): LedgerEntryInput[] {
  return [
    { accountId: A, direction: 'DEBIT', amount, currency },
    { accountId: B, direction: 'CREDIT', amount: creditAmount, currency },
  ];
}

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

/** Debits minus credits per currency over a set of legs: zero everywhere for a balanced posting. */
function netByCurrency(entries: readonly LedgerEntryInput[]): Record<string, string> {
  const net: Record<string, Decimal> = {};
  for (const entry of entries) {
    const signed = entry.direction === 'DEBIT' ? d(entry.amount) : d(entry.amount).negated();
    net[entry.currency] = (net[entry.currency] ?? d('0')).plus(signed);
  }
  return Object.fromEntries(Object.entries(net).map(([currency, value]) => [currency, value.toFixed()]));
}

describe('validateEntries', () => {
  it('accepts a balanced two-entry transaction and parses the amounts exactly', () => {
    const entries = validateEntries(pair('1250.50'));
    expect(entries.map((entry) => [entry.direction, entry.amount.toFixed(2), entry.currency])).toEqual([
      ['DEBIT', '1250.50', 'CNY'],
      ['CREDIT', '1250.50', 'CNY'],
    ]);
  });

  it('accepts several legs balanced per currency, in two currencies at once', () => {
    expect(() =>
      validateEntries([
        { accountId: A, direction: 'DEBIT', amount: '100.00', currency: 'CNY' },
        { accountId: B, direction: 'CREDIT', amount: '60.00', currency: 'CNY' },
        { accountId: C, direction: 'CREDIT', amount: '40.00', currency: 'CNY' },
        { accountId: A, direction: 'DEBIT', amount: '7', currency: 'JPY' },
        { accountId: C, direction: 'CREDIT', amount: '7', currency: 'JPY' },
      ]),
    ).not.toThrow();
  });

  it.each([
    ['zero', '0', 'AMOUNT_NOT_POSITIVE'],
    ['zero with decimals', '0.00', 'AMOUNT_NOT_POSITIVE'],
    ['negative', '-5.00', 'AMOUNT_NOT_POSITIVE'],
    ['one decimal too many', '10.001', 'AMOUNT_TOO_MANY_DECIMALS'],
    ['an exponent', '1e3', 'AMOUNT_NOT_A_DECIMAL'],
    ['a thousands separator', '1,000.00', 'AMOUNT_NOT_A_DECIMAL'],
    ['a JavaScript number turned string', 'NaN', 'AMOUNT_NOT_A_DECIMAL'],
    ['more than the maximum', '1000000000000000001', 'AMOUNT_TOO_LARGE'],
  ])('rejects %s (%s) with %s', (_label, amount, code) => {
    expect(rejection(() => validateEntries(pair(amount))).code).toBe(code);
  });

  it('rejects decimals a currency does not have: JPY has none, CNY has two', () => {
    expect(rejection(() => validateEntries(pair('100.5', 'JPY'))).code).toBe('AMOUNT_TOO_MANY_DECIMALS');
    expect(() => validateEntries(pair('100', 'JPY'))).not.toThrow();
    expect(() => validateEntries(pair('100.01', 'CNY'))).not.toThrow();
  });

  it('rejects an unsupported currency', () => {
    expect(rejection(() => validateEntries(pair('1.00', 'XXX'))).code).toBe('CURRENCY_NOT_SUPPORTED');
  });

  it('rejects an unbalanced transaction, one minor unit off, and says by how much', () => {
    const error = rejection(() => validateEntries(pair('100.00', 'CNY', '99.99')));
    expect(error.code).toBe('TRANSACTION_UNBALANCED');
    expect(error.message).toContain('0.01');
  });

  it('rejects a currency mismatch inside one transaction: CNY debits cannot balance USD credits', () => {
    const error = rejection(() =>
      validateEntries([
        { accountId: A, direction: 'DEBIT', amount: '100.00', currency: 'CNY' },
        { accountId: B, direction: 'CREDIT', amount: '100.00', currency: 'USD' },
      ]),
    );
    expect(error.code).toBe('TRANSACTION_UNBALANCED');
    expect(error.issues).toHaveLength(2);
  });

  it('rejects fewer than two entries and more than the maximum', () => {
    expect(rejection(() => validateEntries([])).code).toBe('TOO_FEW_ENTRIES');
    expect(rejection(() => validateEntries(pair('1.00').slice(0, 1))).code).toBe('TOO_FEW_ENTRIES');
    const many = Array.from({ length: ENTRIES_PER_TRANSACTION_MAX + 1 }, (_, index) => ({ accountId: index % 2 ? A : B, direction: 'DEBIT' as const, amount: '1.00', currency: 'CNY' }));
    expect(rejection(() => validateEntries(many)).code).toBe('TOO_MANY_ENTRIES');
  });

  it('rejects an account on both sides of one transaction', () => {
    const error = rejection(() =>
      validateEntries([
        { accountId: A, direction: 'DEBIT', amount: '5.00', currency: 'CNY' },
        { accountId: A, direction: 'CREDIT', amount: '5.00', currency: 'CNY' },
      ]),
    );
    expect(error.code).toBe('ACCOUNT_ON_BOTH_SIDES');
  });

  it('rejects malformed account ids and directions with the path of each field', () => {
    const error = rejection(() =>
      validateEntries([
        { accountId: 'not-a-uuid', direction: 'DEBIT', amount: '1.00', currency: 'CNY' },
        { accountId: B, direction: 'SIDEWAYS' as 'DEBIT', amount: '1.00', currency: 'CNY' },
      ]),
    );
    expect(error.issues.map((issue) => issue.path.join('.'))).toEqual(['entries.0.accountId', 'entries.1.direction']);
  });
});

describe('validateHeader and validateAmount', () => {
  it.each([
    ['an empty key', { idempotencyKey: ' ', code: 'DISBURSEMENT' }],
    ['a key with a control character', { idempotencyKey: 'a\u0000b', code: 'DISBURSEMENT' }],
    ['a key over 200 characters', { idempotencyKey: 'k'.repeat(201), code: 'DISBURSEMENT' }],
    ['a lower-case code', { idempotencyKey: 'k', code: 'disbursement' }],
    ['metadata that is an array', { idempotencyKey: 'k', code: 'X', metadata: [] as unknown as Record<string, unknown> }],
    ['metadata over the size limit', { idempotencyKey: 'k', code: 'X', metadata: { note: 'x'.repeat(5000) } }],
  ])('rejects %s', (_label, header) => {
    expect(() => validateHeader(header)).toThrow(ValidationError);
  });

  it('accepts a workflow-chosen key and an UPPER_SNAKE code', () => {
    expect(() => validateHeader({ idempotencyKey: 'financing:0f8e:disburse', code: 'DISBURSEMENT', metadata: { financingId: '0f8e' } })).not.toThrow();
  });

  it('validates a single amount against its currency', () => {
    expect(validateAmount('10.50', 'CNY').amount.toFixed(2)).toBe('10.50');
    expect(rejection(() => validateAmount('10.505', 'CNY')).code).toBe('AMOUNT_TOO_MANY_DECIMALS');
    expect(rejection(() => validateAmount('0', 'CNY')).code).toBe('AMOUNT_NOT_POSITIVE');
  });
});

describe('canonical request content', () => {
  it('does not depend on key order or on how an amount is written', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }));
    const one = canonicalEntries(validateEntries(pair('100')));
    const other = canonicalEntries(validateEntries([...pair('100.00')].reverse()));
    expect(one).toEqual(other);
  });

  it('differs when the content differs', () => {
    expect(canonicalEntries(validateEntries(pair('100.00')))).not.toEqual(canonicalEntries(validateEntries(pair('100.01'))));
  });
});

describe('balances', () => {
  const totals = { debitsPosted: d('30'), creditsPosted: d('100'), debitsPending: d('20'), creditsPending: d('50') };

  it('reads a credit-normal (liability) account: pending debits reduce what is available, pending credits do not add to it', () => {
    const balances = balancesOf('CREDIT', totals);
    expect(balances.posted.toFixed()).toBe('70');
    expect(balances.pending.toFixed()).toBe('100');
    expect(balances.available.toFixed()).toBe('50');
  });

  it('reads a debit-normal (asset) account as the mirror image', () => {
    const balances = balancesOf('DEBIT', { debitsPosted: d('100'), creditsPosted: d('30'), debitsPending: d('50'), creditsPending: d('20') });
    expect([balances.posted, balances.pending, balances.available].map((value) => value.toFixed())).toEqual(['70', '100', '50']);
  });

  it('signs an entry from the account’s side', () => {
    expect(signedAmount('CREDIT', 'CREDIT', d('5')).toFixed()).toBe('5');
    expect(signedAmount('CREDIT', 'DEBIT', d('5')).toFixed()).toBe('-5');
    expect(signedAmount('DEBIT', 'DEBIT', d('5')).toFixed()).toBe('5');
  });
});

describe('virtual account numbers', () => {
  it('computes the Luhn check digit (a known card number) and validates 19 digits', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    const payload = '955880000000000001';
    const number = payload + String(luhnCheckDigit(payload));
    expect(number).toBe('9558800000000000018');
    expect(isVirtualAccountNumber(number)).toBe(true);
    expect(isVirtualAccountNumber('9558800000000000017')).toBe(false);
    expect(isVirtualAccountNumber('955880000000000001')).toBe(false);
  });

  it('masks all but the first and last four digits', () => {
    expect(maskVirtualAccountNumber('9558800000000012345')).toBe('9558 **** **** ***2 345');
  });
});

describe('posting rules of the business events', () => {
  const accounts = {
    escrowBank: 'escrow',
    inboundClearing: 'clearing',
    funderFunding: 'funder',
    supplierSettlement: 'supplier',
    coreRepayment: 'core',
    collection: 'collection',
    feeIncome: 'fees',
    payoutInTransit: 'transit',
    penaltyReceivable: 'penalty',
    accrualControl: 'accrual',
    limitControl: 'limitControl',
    creditLimit: 'creditLimit',
  };

  it('every rule produces balanced legs', () => {
    const sets = [
      postingEntries('INBOUND_RECEIPT', d('500000.00'), 'CNY', accounts),
      postingEntries('INBOUND_MATCH', d('500000.00'), 'CNY', { inboundClearing: accounts.inboundClearing, target: accounts.funderFunding }),
      postingEntries('PAYOUT', d('1.00'), 'CNY', { source: accounts.supplierSettlement, payoutInTransit: accounts.payoutInTransit }),
      postingEntries('PAYOUT_SETTLED', d('1.00'), 'CNY', accounts),
      postingEntries('PAYOUT_REVERSED', d('1.00'), 'CNY', { payoutInTransit: accounts.payoutInTransit, source: accounts.supplierSettlement }),
      postingEntries('REPAYMENT', d('800000.00'), 'CNY', accounts),
      postingEntries('RECOURSE', d('12.34'), 'CNY', accounts),
      postingEntries('PENALTY_ACCRUAL', d('66.67'), 'CNY', accounts),
      postingEntries('CREDIT_LIMIT_GRANT', d('1000000.00'), 'CNY', accounts),
    ];
    for (const entries of sets) expect(netByCurrency(entries)).toEqual({ CNY: '0' });
  });

  it('each rule moves the amount from the account it always debited to the one it always credited', () => {
    const roles = { ...accounts, source: 'source', target: 'target', suspense: 'suspense', reconciliationGain: 'gain', reconciliationLoss: 'loss', creditedAccount: 'credited' };
    const expected: Record<PostingRule, [string, string]> = {
      INBOUND_RECEIPT: ['escrow', 'clearing'],
      INBOUND_MATCH: ['clearing', 'target'],
      DISBURSEMENT_FEES: ['supplier', 'fees'],
      PAYOUT: ['source', 'transit'],
      REFUND: ['suspense', 'transit'],
      PAYOUT_SETTLED: ['transit', 'escrow'],
      PAYOUT_REVERSED: ['transit', 'source'],
      PAYOUT_RETURNED: ['escrow', 'source'],
      REPAYMENT: ['core', 'collection'],
      RECOURSE: ['supplier', 'collection'],
      PENALTY_ACCRUAL: ['penalty', 'accrual'],
      PENALTY_COLLECTED: ['accrual', 'penalty'],
      PENALTY_RETURNED: ['funder', 'suspense'],
      CREDIT_LIMIT_GRANT: ['limitControl', 'creditLimit'],
      LIMIT_RELEASE: ['limitControl', 'creditLimit'],
      WRITE_OFF_GAIN: ['suspense', 'gain'],
      RECONCILIATION_PARKED: ['escrow', 'suspense'],
      RECONCILIATION_GAIN: ['escrow', 'gain'],
      RECONCILIATION_LOSS: ['loss', 'escrow'],
      RECONCILIATION_RECOVERED: ['credited', 'escrow'],
    };
    expect(Object.keys(POSTING_RULES).sort()).toEqual(Object.keys(expected).sort());
    for (const [rule, [debit, credit]] of Object.entries(expected) as Array<[PostingRule, [string, string]]>) {
      expect(postingEntries(rule, d('12.30'), 'CNY', roles), rule).toEqual([
        { accountId: debit, direction: 'DEBIT', amount: '12.30', currency: 'CNY' },
        { accountId: credit, direction: 'CREDIT', amount: '12.30', currency: 'CNY' },
      ]);
    }
    expect(transfer('escrow', 'clearing', d('7'), 'JPY')).toEqual(postingEntries('INBOUND_RECEIPT', d('7'), 'JPY', roles));
  });

  it('disbursement net of discount and fees: funder pays the advance, the supplier gets the rest after fees', () => {
    const plan = disbursementPostings({ principal: d('800000.00'), upfrontInterest: d('9863.01'), fees: d('800.00') }, 'CNY', accounts);
    expect(plan.advance.toFixed(2)).toBe('790136.99');
    expect(plan.net.toFixed(2)).toBe('789336.99');
    expect(plan.hold).toEqual({ debitAccountId: 'funder', creditAccountId: 'supplier', amount: '790136.99', currency: 'CNY' });
    expect(plan.feeEntries).toEqual([
      { accountId: 'supplier', direction: 'DEBIT', amount: '800.00', currency: 'CNY' },
      { accountId: 'fees', direction: 'CREDIT', amount: '800.00', currency: 'CNY' },
    ]);
    // Hold posted plus the fee deduction: funder -advance, supplier +net, platform +fees.
    const net = netByCurrency([
      { accountId: 'funder', direction: 'DEBIT', amount: plan.hold.amount, currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: plan.hold.amount, currency: 'CNY' },
      ...plan.feeEntries,
    ]);
    expect(net).toEqual({ CNY: '0' });
  });

  it('disbursement with interest in arrears and no fee has no fee leg', () => {
    const plan = disbursementPostings({ principal: d('1000.00'), upfrontInterest: d('0'), fees: d('0') }, 'CNY', accounts);
    expect(plan.advance.toFixed(2)).toBe('1000.00');
    expect(plan.feeEntries).toEqual([]);
  });

  it('refuses a disbursement whose deductions eat the whole principal, or with sub-cent figures', () => {
    expect(() => disbursementPostings({ principal: d('100.00'), upfrontInterest: d('60.00'), fees: d('40.00') }, 'CNY', accounts)).toThrow(ValidationError);
    expect(() => disbursementPostings({ principal: d('100.00'), upfrontInterest: d('0.005'), fees: d('0') }, 'CNY', accounts)).toThrow(ValidationError);
    expect(() => disbursementPostings({ principal: d('100.00'), upfrontInterest: d('-1'), fees: d('0') }, 'CNY', accounts)).toThrow(ValidationError);
  });

  it('waterfall pays penalty, fees, interest, principal by default, each in full before the next', () => {
    const due = { fees: d('100.00'), penalty: d('50.00'), interest: d('1000.00'), principal: d('10000.00') };
    const partial = allocateWaterfall(d('120.00'), due);
    expect(partial.allocated.penalty.toFixed(2)).toBe('50.00');
    expect(partial.allocated.fees.toFixed(2)).toBe('70.00');
    expect(partial.outstanding.fees.toFixed(2)).toBe('30.00');
    expect(partial.allocated.interest.isZero()).toBe(true);
    expect(() => allocateWaterfall(d('1.00'), due, ['fees', 'fees', 'interest', 'principal'])).toThrow(/exactly once/);
  });

  it('waterfall follows a program order (fees first here) and returns the surplus to the supplier', () => {
    const due = { fees: d('100.00'), penalty: d('50.00'), interest: d('1000.00'), principal: d('10000.00') };
    const order = ['fees', 'penalty', 'interest', 'principal'] as const;
    const full = allocateWaterfall(d('11200.00'), due, order);
    expect(full.surplus.toFixed(2)).toBe('50.00');
    const legs = waterfallEntries(full, 'CNY', accounts);
    expect(legs).toEqual([
      { accountId: 'collection', direction: 'DEBIT', amount: '11200.00', currency: 'CNY' },
      { accountId: 'fees', direction: 'CREDIT', amount: '100.00', currency: 'CNY' },
      { accountId: 'funder', direction: 'CREDIT', amount: '11050.00', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '50.00', currency: 'CNY' },
    ]);

    const partial = allocateWaterfall(d('1120.00'), due, order);
    expect(order.map((bucket) => partial.allocated[bucket].toFixed(2))).toEqual(['100.00', '50.00', '970.00', '0.00']);
    expect(partial.outstanding.interest.toFixed(2)).toBe('30.00');
    expect(partial.outstanding.principal.toFixed(2)).toBe('10000.00');
    expect(partial.surplus.isZero()).toBe(true);
    expect(netByCurrency(waterfallEntries(partial, 'CNY', accounts))).toEqual({ CNY: '0' });
  });

  it('surplus goes to the supplier up to the receivable\'s confirmed amount, and beyond it to suspense for the payer', () => {
    const due = { fees: d('0'), penalty: d('0'), interest: d('0'), principal: d('800000.00') };
    // 1,010,000.00 paid on a receivable confirmed for 1,000,000.00: 200,000.00 is the supplier's reserve, 10,000.00 the payer's.
    const over = splitSurplus(allocateWaterfall(d('1010000.00'), due), d('1000000.00'), d('0'));
    expect([over.surplus, over.overpaid].map((value) => value.toFixed(2))).toEqual(['200000.00', '10000.00']);
    expect(waterfallEntries(over, 'CNY', { ...accounts, suspense: 'suspense' })).toEqual([
      { accountId: 'collection', direction: 'DEBIT', amount: '1010000.00', currency: 'CNY' },
      { accountId: 'funder', direction: 'CREDIT', amount: '800000.00', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '200000.00', currency: 'CNY' },
      { accountId: 'suspense', direction: 'CREDIT', amount: '10000.00', currency: 'CNY' },
    ]);
    expect(() => waterfallEntries(over, 'CNY', accounts)).toThrow(/suspense/);
    // Exactly the confirmed amount: nothing for the payer; one cent more: one cent.
    expect(splitSurplus(allocateWaterfall(d('1000000.00'), due), d('1000000.00'), d('0')).overpaid.toFixed(2)).toBe('0.00');
    expect(splitSurplus(allocateWaterfall(d('1000000.01'), due), d('1000000.00'), d('0')).overpaid.toFixed(2)).toBe('0.01');
    // Penalty comes on top of the receivable: it does not eat the supplier's reserve.
    const late = splitSurplus(allocateWaterfall(d('1004000.00'), { ...due, penalty: d('4000.00') }), d('1000000.00'), d('0'));
    expect([late.surplus, late.overpaid].map((value) => value.toFixed(2))).toEqual(['200000.00', '0.00']);
    // A later payment after the payer already paid 1,000,000.00 toward the receivable is all the payer's.
    const after = splitSurplus(allocateWaterfall(d('500.00'), { fees: d('0'), penalty: d('0'), interest: d('0'), principal: d('0') }), d('1000000.00'), d('1000000.00'));
    expect([after.surplus, after.overpaid].map((value) => value.toFixed(2))).toEqual(['0.00', '500.00']);
    expect(() => splitSurplus(over, d('-1'), d('0'))).toThrow(ValidationError);
  });

  it('a recourse claim the core enterprise\'s earlier money paid goes back to the supplier from the accounts it paid', () => {
    const claimed = { penalty: d('12000.00'), fees: d('0'), interest: d('0'), principal: d('800000.00') };
    const none = { penalty: d('0'), fees: d('0'), interest: d('0'), principal: d('0') };
    const three = { funderFunding: 'funder', feeIncome: 'fees', supplierSettlement: 'supplier' };
    // Paid in full by the core enterprise's money: all of it back, from the funder.
    expect(recourseReturnEntries(claimed, none, 'CNY', three)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '812000.00', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '812000.00', currency: 'CNY' },
    ]);
    // Paid in part: the claim keeps 155.80 of penalty and 311,600.00 of principal.
    const kept = { penalty: d('155.80'), fees: d('0'), interest: d('0'), principal: d('311600.00') };
    expect(recourseReturnEntries(claimed, kept, 'CNY', three)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '500244.20', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '500244.20', currency: 'CNY' },
    ]);
    // The same amount kept with less penalty and more fees: fee income receives, the funder gives back, the supplier gets nothing.
    const shifted = { penalty: d('11000.00'), fees: d('1000.00'), interest: d('0'), principal: d('800000.00') };
    expect(recourseReturnEntries(claimed, shifted, 'CNY', three)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '1000.00', currency: 'CNY' },
      { accountId: 'fees', direction: 'CREDIT', amount: '1000.00', currency: 'CNY' },
    ]);
    expect(recourseReturnEntries(claimed, claimed, 'CNY', three)).toEqual([]);
    // The claim never grows.
    expect(() => recourseReturnEntries(kept, claimed, 'CNY', three)).toThrow(ValidationError);
    expect(() => recourseReturnEntries(claimed, { ...none, principal: d('-0.01') }, 'CNY', three)).toThrow(ValidationError);
  });

  it('the part of a recourse return the funder\'s funding account cannot cover is owed, neither debited nor credited', () => {
    const claimed = { penalty: d('12000.00'), fees: d('0'), interest: d('0'), principal: d('800000.00') };
    const none = { penalty: d('0'), fees: d('0'), interest: d('0'), principal: d('0') };
    const three = { funderFunding: 'funder', feeIncome: 'fees', supplierSettlement: 'supplier' };
    // 5,016.66 available of the 812,000.00 to give back: 806,983.34 owed; exactly enough, or one cent more: nothing owed.
    expect(recourseReturnShortfall(claimed, none, d('5016.66')).toFixed(2)).toBe('806983.34');
    expect(recourseReturnShortfall(claimed, none, d('812000.00')).toFixed(2)).toBe('0.00');
    expect(recourseReturnShortfall(claimed, none, d('812000.01')).toFixed(2)).toBe('0.00');
    // Holds beyond the balance (a negative available) owe no more than the return.
    expect(recourseReturnShortfall(claimed, none, d('-100.00')).toFixed(2)).toBe('812000.00');
    expect(recourseReturnEntries(claimed, none, 'CNY', three, d('6983.34'))).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '805016.66', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '805016.66', currency: 'CNY' },
    ]);
    // All of it owed: nothing moves now.
    expect(recourseReturnEntries(claimed, none, 'CNY', three, d('812000.00'))).toEqual([]);
    // Fees the claim no longer pays are the platform's to give back, never owed by the funder.
    const withFees = { ...claimed, fees: d('800.00') };
    expect(recourseReturnShortfall(withFees, none, d('0')).toFixed(2)).toBe('812000.00');
    expect(recourseReturnEntries(withFees, none, 'CNY', three, d('812000.00'))).toEqual([
      { accountId: 'fees', direction: 'DEBIT', amount: '800.00', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '800.00', currency: 'CNY' },
    ]);
    // Less penalty kept and more fees: the funder gives back 1,000.00 and fee income takes it; owing it would leave the fees unpaid.
    const shifted = { penalty: d('11000.00'), fees: d('1000.00'), interest: d('0'), principal: d('800000.00') };
    expect(recourseReturnShortfall(claimed, shifted, d('0')).toFixed(2)).toBe('0.00');
    expect(() => recourseReturnEntries(claimed, none, 'CNY', three, d('812000.01'))).toThrow(ValidationError);
    expect(() => recourseReturnEntries(claimed, none, 'CNY', three, d('-0.01'))).toThrow(ValidationError);
  });

  it('a repayment allocated again moves between accounts only what changed', () => {
    const none = d('0');
    const accounts = { funderFunding: 'funder', feeIncome: 'fees', supplierSettlement: 'supplier', suspense: 'suspense' };
    const before = { allocated: { penalty: d('4000.00'), fees: none, interest: none, principal: d('100000.00') }, surplus: none, overpaid: none };
    // Penalty that becomes principal of the same funder moves no money.
    const inOrder = { allocated: { penalty: d('1255.00'), fees: none, interest: none, principal: d('102745.00') }, surplus: none, overpaid: none };
    expect(reallocationEntries(before, inOrder, 'CNY', accounts)).toEqual([]);
    // Whole before it: all of it back from the funder, held for the payer.
    const held = { allocated: { penalty: none, fees: none, interest: none, principal: none }, surplus: none, overpaid: d('104000.00') };
    expect(reallocationEntries(before, held, 'CNY', accounts)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '104000.00', currency: 'CNY' },
      { accountId: 'suspense', direction: 'CREDIT', amount: '104000.00', currency: 'CNY' },
    ]);
    // Whole with it: the rest to the supplier, and beyond the receivable to the payer.
    const whole = { allocated: { penalty: d('1255.00'), fees: d('5.00'), interest: none, principal: d('102000.00') }, surplus: d('700.00'), overpaid: d('40.00') };
    expect(reallocationEntries(before, whole, 'CNY', accounts)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '745.00', currency: 'CNY' },
      { accountId: 'fees', direction: 'CREDIT', amount: '5.00', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '700.00', currency: 'CNY' },
      { accountId: 'suspense', direction: 'CREDIT', amount: '40.00', currency: 'CNY' },
    ]);
    // The same money, never more or less; never a negative share; suspense to hold what the payer is owed.
    expect(() => reallocationEntries(before, { ...inOrder, surplus: d('0.01') }, 'CNY', accounts)).toThrow(ValidationError);
    expect(() => reallocationEntries(before, { ...inOrder, allocated: { ...inOrder.allocated, penalty: d('-0.01'), principal: d('104000.01') } }, 'CNY', accounts)).toThrow(ValidationError);
    expect(() => reallocationEntries(before, held, 'CNY', { ...accounts, suspense: undefined })).toThrow(ValidationError);
  });

  it('the part of a reallocation the funder\'s funding account cannot cover is owed, the payer\'s part first, neither debited nor credited', () => {
    const none = d('0');
    const accounts = { funderFunding: 'funder', feeIncome: 'fees', supplierSettlement: 'supplier', suspense: 'suspense' };
    const before = { allocated: { penalty: d('4000.00'), fees: none, interest: none, principal: d('100000.00') }, surplus: none, overpaid: none };
    const held = { allocated: { penalty: none, fees: none, interest: none, principal: none }, surplus: none, overpaid: d('104000.00') };
    // 103,509.16 available of the 104,000.00 to give back: 490.84 owed to the payer; enough: nothing owed.
    const short = reallocationShortfall(before, held, d('103509.16'));
    expect([short.overpaid.toFixed(2), short.surplus.toFixed(2)]).toEqual(['490.84', '0.00']);
    expect(reallocationShortfall(before, held, d('104000.01'))).toEqual({ overpaid: none, surplus: none });
    expect(reallocationEntries(before, held, 'CNY', accounts, short)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '103509.16', currency: 'CNY' },
      { accountId: 'suspense', direction: 'CREDIT', amount: '103509.16', currency: 'CNY' },
    ]);
    // The funder gives back 745.00: 5.00 to fee income (never owed), 700.00 to the supplier, 40.00 to the payer; 10.00 available.
    const whole = { allocated: { penalty: d('1255.00'), fees: d('5.00'), interest: none, principal: d('102000.00') }, surplus: d('700.00'), overpaid: d('40.00') };
    const part = reallocationShortfall(before, whole, d('10.00'));
    expect([part.overpaid.toFixed(2), part.surplus.toFixed(2)]).toEqual(['40.00', '695.00']);
    expect(reallocationEntries(before, whole, 'CNY', accounts, part)).toEqual([
      { accountId: 'funder', direction: 'DEBIT', amount: '10.00', currency: 'CNY' },
      { accountId: 'fees', direction: 'CREDIT', amount: '5.00', currency: 'CNY' },
      { accountId: 'supplier', direction: 'CREDIT', amount: '5.00', currency: 'CNY' },
    ]);
    // Never more than each gets, nor negative.
    expect(() => reallocationEntries(before, held, 'CNY', accounts, { overpaid: d('104000.01'), surplus: none })).toThrow(ValidationError);
    expect(() => reallocationEntries(before, held, 'CNY', accounts, { overpaid: none, surplus: d('0.01') })).toThrow(ValidationError);
    expect(() => reallocationEntries(before, whole, 'CNY', accounts, { overpaid: d('-0.01'), surplus: none })).toThrow(ValidationError);
  });

  it('waterfall allocations always add up to the collection exactly', () => {
    const due = { fees: d('0.01'), penalty: d('0.02'), interest: d('33.33'), principal: d('100.00') };
    for (const collected of ['0.01', '0.02', '0.03', '33.36', '133.36', '133.37', '1000.00']) {
      const allocation = allocateWaterfall(d(collected), due);
      const sum = Object.values(allocation.allocated).reduce((total, value) => total.plus(value), allocation.surplus);
      expect(sum.toFixed(2)).toBe(d(collected).toFixed(2));
    }
  });

  it('penalty interest rounds half-up once, at the end', () => {
    // 1,000,000.00 × 0.18 × 1 / 360 = 500.00 exactly.
    expect(penaltyForDays(d('1000000.00'), d('0.18'), 1, 360, 'CNY').toFixed(2)).toBe('500.00');
    // 1,000.00 × 0.05 × 1 / 365 = 0.136986… → 0.14
    expect(penaltyForDays(d('1000.00'), d('0.05'), 1, 365, 'CNY').toFixed(2)).toBe('0.14');
    // 90.00 × 0.1 × 1 / 360 = 0.025 exactly: a tie, rounded half-up to 0.03.
    expect(penaltyForDays(d('90.00'), d('0.1'), 1, 360, 'CNY').toFixed(2)).toBe('0.03');
    // JPY has no minor unit: 1,000 × 0.18 × 1 / 360 = 0.5 → 1
    expect(penaltyForDays(d('1000'), d('0.18'), 1, 360, 'JPY').toFixed(0)).toBe('1');
    // Rounding once over 30 days, not 30 times: 30 × 0.136986… = 4.109589… → 4.11 (daily rounding would give 4.20).
    expect(penaltyForDays(d('1000.00'), d('0.05'), 30, 365, 'CNY').toFixed(2)).toBe('4.11');
    expect(() => penaltyForDays(d('1000.00'), d('0.05'), -1, 365, 'CNY')).toThrow(ValidationError);
  });

  it('a reversal swaps every direction and keeps the amounts', () => {
    const original = pair('42.00');
    const reversed = reversalEntries(original);
    expect(reversed.map((entry) => entry.direction)).toEqual(['CREDIT', 'DEBIT']);
    expect(netByCurrency([...original, ...reversed])).toEqual({ CNY: '0' });
  });

  it('refuses zero and negative amounts in every rule', () => {
    expect(() => postingEntries('INBOUND_RECEIPT', d('0'), 'CNY', accounts)).toThrow(ValidationError);
    expect(() => postingEntries('REPAYMENT', d('-1'), 'CNY', accounts)).toThrow(ValidationError);
    expect(() => allocateWaterfall(d('-1'), { fees: d('0'), penalty: d('0'), interest: d('0'), principal: d('0') })).toThrow(ValidationError);
  });
});
