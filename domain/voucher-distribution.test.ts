import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import { comparePartNumbers, distributeMaturityPayment, formatMinorUnits, DISTRIBUTION_PARTS_MAX, type DistributionPart } from './voucher-distribution';

const VOUCHER = 'VCH-2027-00000001';
const partNumber = (sequence: number) => `${VOUCHER}-${String(sequence).padStart(4, '0')}`;
const part = (sequence: number, heldAmount: string): DistributionPart => ({ partId: `part-${sequence}`, partNumber: partNumber(sequence), heldAmount });

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.code;
    throw error;
  }
  return 'NO ERROR';
}

const toMinor = (amount: string) => BigInt(amount.replace('.', ''));

describe('distributeMaturityPayment', () => {
  it('gives every part exactly its held amount when the core pays in full', () => {
    const result = distributeMaturityPayment({ paid: '10000000.00', currency: 'CNY', parts: [part(1, '1000000.00'), part(2, '3000000'), part(3, '6000000.0')] });
    expect(result.kind).toBe('FULL');
    expect(result.shares.map((share) => share.share)).toEqual(['1000000.00', '3000000.00', '6000000.00']);
    expect(result.shares.map((share) => share.shortfall)).toEqual(['0.00', '0.00', '0.00']);
    expect(result.excess).toBe('0.00');
    expect(result.totalHeld).toBe('10000000.00');
  });

  it('splits a short payment pro rata and gives the leftover cent to the largest remainder', () => {
    // 100.00 over 3 equal parts: 33.333… each; floors 33.33 × 3 = 99.99; one cent left, all
    // remainders equal, so the lowest part number takes it.
    const result = distributeMaturityPayment({ paid: '100.00', currency: 'CNY', parts: [part(3, '50.00'), part(1, '50.00'), part(2, '50.00')] });
    expect(result.kind).toBe('SHORT');
    expect(result.shares.map((share) => [share.partNumber, share.share, share.shortfall])).toEqual([
      [partNumber(3), '33.33', '16.67'],
      [partNumber(1), '33.34', '16.66'],
      [partNumber(2), '33.33', '16.67'],
    ]);
  });

  it('ranks by remainder before part number', () => {
    // 10.00 paid on 30.00 held: exact shares 3.3333…, 3.3333…, 3.3333… for 10/10/10 — but here
    // 7.00, 11.00, 12.00: exact 2.3333…, 3.6666…, 4.0000; floors 2.33 + 3.66 + 4.00 = 9.99; the
    // largest remainder is part 2's (0.666… of a cent), though part 1 has the lower number.
    const result = distributeMaturityPayment({ paid: '10.00', currency: 'CNY', parts: [part(1, '7.00'), part(2, '11.00'), part(3, '12.00')] });
    expect(result.shares.map((share) => share.share)).toEqual(['2.33', '3.67', '4.00']);
  });

  it('orders part numbers past 9999 after the four-digit ones', () => {
    expect(comparePartNumbers(`${VOUCHER}-9999`, `${VOUCHER}-10000`)).toBeLessThan(0);
    expect(comparePartNumbers(`${VOUCHER}-0002`, `${VOUCHER}-0010`)).toBeLessThan(0);
    expect(comparePartNumbers(`${VOUCHER}-0010`, `${VOUCHER}-0010`)).toBe(0);
    const result = distributeMaturityPayment({
      paid: '0.01',
      currency: 'CNY',
      parts: [
        { partId: 'b', partNumber: `${VOUCHER}-10000`, heldAmount: '1.00' },
        { partId: 'a', partNumber: `${VOUCHER}-9999`, heldAmount: '1.00' },
      ],
    });
    expect(result.shares.map((share) => share.share)).toEqual(['0.00', '0.01']);
  });

  it('returns an overpayment apart as excess, every part paid in full', () => {
    const result = distributeMaturityPayment({ paid: '150.01', currency: 'CNY', parts: [part(1, '100.00'), part(2, '50.00')] });
    expect(result.kind).toBe('OVER');
    expect(result.shares.map((share) => share.share)).toEqual(['100.00', '50.00']);
    expect(result.excess).toBe('0.01');
  });

  it('works in a currency without minor units', () => {
    const result = distributeMaturityPayment({ paid: '1000', currency: 'JPY', parts: [part(1, '1000'), part(2, '1000'), part(3, '1000')] });
    expect(result.shares.map((share) => share.share)).toEqual(['334', '333', '333']);
  });

  it('pays one minor unit to one part of many', () => {
    const result = distributeMaturityPayment({ paid: '0.01', currency: 'CNY', parts: [part(1, '5.00'), part(2, '5.01'), part(3, '5.00')] });
    expect(result.shares.map((share) => share.share)).toEqual(['0.00', '0.01', '0.00']);
  });

  it.each([
    ['zero paid', { paid: '0.00' }, 'AMOUNT_NOT_POSITIVE'],
    ['negative paid', { paid: '-1.00' }, 'AMOUNT_NOT_A_DECIMAL'],
    ['a third decimal', { paid: '10.001' }, 'AMOUNT_TOO_MANY_DECIMALS'],
    ['an exponent', { paid: '1e3' }, 'AMOUNT_NOT_A_DECIMAL'],
    ['over the maximum', { paid: '1000000000000000000.01' }, 'AMOUNT_TOO_LARGE'],
    ['an unknown currency', { currency: 'XBT' }, 'CURRENCY_NOT_SUPPORTED'],
    ['no parts', { parts: [] }, 'VOUCHER_PARTS_EMPTY'],
    ['a zero held amount', { parts: [part(1, '10.00'), part(2, '0')] }, 'AMOUNT_NOT_POSITIVE'],
    ['a negative held amount', { parts: [part(1, '10.00'), part(2, '-5.00')] }, 'AMOUNT_NOT_A_DECIMAL'],
    ['a held amount with a third decimal', { parts: [part(1, '10.005')] }, 'AMOUNT_TOO_MANY_DECIMALS'],
    ['a part id twice', { parts: [part(1, '10.00'), { ...part(2, '10.00'), partId: 'part-1' }] }, 'VOUCHER_PART_DUPLICATED'],
    ['a part number twice', { parts: [part(1, '10.00'), { ...part(2, '10.00'), partNumber: partNumber(1) }] }, 'VOUCHER_PART_DUPLICATED'],
  ])('refuses %s', (_name, change, code) => {
    expect(codeOf(() => distributeMaturityPayment({ paid: '10.00', currency: 'CNY', parts: [part(1, '10.00')], ...change }))).toBe(code);
  });

  it('accepts trailing zeros beyond the currency decimals, as parseAmount does, and the maximum amount', () => {
    expect(distributeMaturityPayment({ paid: '10.500', currency: 'CNY', parts: [part(1, '10.5000')] }).shares[0]?.share).toBe('10.50');
    expect(distributeMaturityPayment({ paid: '1000000000000000000.00', currency: 'CNY', parts: [part(1, '1000000000000000000')] }).kind).toBe('FULL');
  });

  it('refuses more parts than DISTRIBUTION_PARTS_MAX', () => {
    const parts = Array.from({ length: DISTRIBUTION_PARTS_MAX + 1 }, (_, index) => part(index + 1, '1.00'));
    expect(codeOf(() => distributeMaturityPayment({ paid: '1.00', currency: 'CNY', parts }))).toBe('VOUCHER_PARTS_EXCEEDED');
  });

  it('reports every problem at once, the first naming the code', () => {
    try {
      distributeMaturityPayment({ paid: '0', currency: 'CNY', parts: [part(1, '0'), part(1, '1.001')] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('AMOUNT_NOT_POSITIVE');
      expect((error as ValidationError).issues.map((issue) => issue.path.join('.'))).toEqual(['paid', 'parts.0.heldAmount', 'parts.1.partId', 'parts.1.partNumber', 'parts.1.heldAmount']);
    }
  });

  it('formats minor units with the currency decimals', () => {
    expect(formatMinorUnits(0n, 2)).toBe('0.00');
    expect(formatMinorUnits(5n, 2)).toBe('0.05');
    expect(formatMinorUnits(123456n, 2)).toBe('1234.56');
    expect(formatMinorUnits(-5n, 2)).toBe('-0.05');
    expect(formatMinorUnits(7n, 0)).toBe('7');
  });
});

/** Held amounts in fen, from one fen to ten million yuan, as decimal strings. */
const heldFen = fc.bigInt({ min: 1n, max: 1_000_000_000n });

function checkDistribution(heldList: bigint[], paidFen: bigint): void {
  const parts = heldList.map((fen, index) => part(index + 1, formatMinorUnits(fen, 2)));
  const total = heldList.reduce((sum, fen) => sum + fen, 0n);
  const result = distributeMaturityPayment({ paid: formatMinorUnits(paidFen, 2), currency: 'CNY', parts });
  const shares = result.shares.map((share) => toMinor(share.share));
  // No cent created or lost.
  expect(shares.reduce((sum, fen) => sum + fen, 0n) + toMinor(result.excess)).toBe(paidFen);
  const paidToParts = paidFen < total ? paidFen : total;
  shares.forEach((share, index) => {
    const heldAmount = heldList[index] as bigint;
    // |share − paid × held / total| < 1 fen, compared in units of 1/total fen.
    const error = share * total - paidToParts * heldAmount;
    expect(error < total && -error < total).toBe(true);
    expect(share >= 0n && share <= heldAmount).toBe(true);
    expect(toMinor(result.shares[index]!.shortfall)).toBe(heldAmount - share);
  });
}

describe('distributeMaturityPayment, properties', () => {
  it('creates or loses no cent, and keeps each share within one cent of the exact pro-rata figure (1 to 40 parts)', () => {
    fc.assert(
      fc.property(fc.array(heldFen, { minLength: 1, maxLength: 40 }), fc.bigInt({ min: 1n, max: 10_000n }), (heldList, permille) => {
        const total = heldList.reduce((sum, fen) => sum + fen, 0n);
        // From a thousandth of the total to one and a half times it (overpayments included).
        const paid = (total * permille) / 1_000n + 1n;
        checkDistribution(heldList, paid);
      }),
      { numRuns: 500 },
    );
  });

  it('holds for thousands of parts (up to 10,000)', () => {
    // fast-check favours short arrays; the length is drawn first so that long ones come up.
    const lists = fc.oneof(fc.constant(10_000), fc.integer({ min: 1, max: 10_000 })).chain((length) => fc.array(heldFen, { minLength: length, maxLength: length }));
    fc.assert(
      fc.property(lists, fc.bigInt({ min: 1n, max: 999n }), (heldList, permille) => {
        const total = heldList.reduce((sum, fen) => sum + fen, 0n);
        checkDistribution(heldList, (total * permille) / 1_000n + 1n);
      }),
      { numRuns: 10 },
    );
  });

  it('gives the same share to each part whatever order the parts come in', () => {
    // Equal held amounts make equal remainders, so the tie-break by part number is exercised.
    const heldAndOrder = fc
      .array(fc.bigInt({ min: 1n, max: 50n }), { minLength: 2, maxLength: 30 })
      .chain((heldList) => fc.tuple(fc.constant(heldList), fc.shuffledSubarray(heldList.map((_, index) => index), { minLength: heldList.length, maxLength: heldList.length })));
    fc.assert(
      fc.property(heldAndOrder, fc.bigInt({ min: 1n, max: 999n }), ([heldList, order], permille) => {
        const parts = heldList.map((fen, index) => part(index + 1, formatMinorUnits(fen, 2)));
        const total = heldList.reduce((sum, fen) => sum + fen, 0n);
        const paid = formatMinorUnits((total * permille) / 1_000n + 1n, 2);
        const shuffled = order.map((index) => parts[index] as DistributionPart);
        const byId = (shares: { partId: string; share: string }[]) => Object.fromEntries(shares.map((share) => [share.partId, share.share]));
        expect(byId(distributeMaturityPayment({ paid, currency: 'CNY', parts: shuffled }).shares)).toEqual(byId(distributeMaturityPayment({ paid, currency: 'CNY', parts }).shares));
      }),
      { numRuns: 200 },
    );
  });

  it('never gives a part less than a part that holds less', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 1_000n }), { minLength: 2, maxLength: 30 }), fc.bigInt({ min: 1n, max: 999n }), (heldList, permille) => {
        const total = heldList.reduce((sum, fen) => sum + fen, 0n);
        const result = distributeMaturityPayment({ paid: formatMinorUnits((total * permille) / 1_000n + 1n, 2), currency: 'CNY', parts: heldList.map((fen, index) => part(index + 1, formatMinorUnits(fen, 2))) });
        heldList.forEach((a, i) =>
          heldList.forEach((b, j) => {
            if (a > b) expect(toMinor(result.shares[i]!.share) >= toMinor(result.shares[j]!.share)).toBe(true);
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('distributes across 10,000 parts quickly (no quadratic step)', () => {
    const parts = Array.from({ length: 10_000 }, (_, index) => part(index + 1, formatMinorUnits(BigInt(100_000 + ((index * 7_919) % 99_991)), 2)));
    const total = parts.reduce((sum, p) => sum + toMinor(p.heldAmount), 0n);
    const started = performance.now();
    const result = distributeMaturityPayment({ paid: formatMinorUnits((total * 9n) / 10n - 1n, 2), currency: 'CNY', parts });
    const elapsedMs = performance.now() - started;
    expect(result.shares).toHaveLength(10_000);
    // A few milliseconds on a laptop; the bound leaves room for a loaded machine, and a quadratic
    // step (10^8 comparisons) would still take seconds.
    expect(elapsedMs).toBeLessThan(1_000);
  });
});
