import { ValidationError, type FieldIssue } from './errors';
import { AMOUNT_MAX, isCurrency, minorUnits, type Currency } from './money';

// Distribution of a voucher's maturity payment across its parts (到期清分; docs/workflows/voucher.md,
// "Distribution at maturity"). The core enterprise pays the voucher's collection account once; this
// decides how much of that payment each part receives:
//
// - paid = total held: every part receives exactly its held amount;
// - paid < total held (a short payment): pro rata by held amount, by the largest remainder method
//   in minor units: each part gets floor(paid × held / total) minor units, and the minor units
//   still left over go one each to the parts with the largest fractional remainders, ties broken
//   by part number ascending. The shares add up to the payment exactly; each is within one minor
//   unit of the exact pro-rata figure;
// - paid > total held (an overpayment): every part receives its held amount and the rest is
//   returned apart as `excess`: it is the payer's money, which the caller parks in suspense for a
//   refund (as a financing's waterfall does with what is paid beyond the confirmed amount). It is
//   not refused, because the money is already in the collection account and must have an owner.
//
// Amounts are exact integers of minor units (bigint) from the decimal strings to the decimal
// strings: a voucher can be split into thousands of parts, and neither rounding nor a Decimal per
// comparison has a place in a loop that runs for each of them.

/** The most parts one distribution takes: ten times the largest voucher the benchmark splits. */
export const DISTRIBUTION_PARTS_MAX = 100_000;

/**
 * One part as the distribution sees it. The caller passes the parts that hold a share of the
 * claim: those not pending acceptance, refused or expired, with a held amount above zero. A part
 * whose held amount fell to zero by transfers stays in the lineage but takes no share, so it is
 * left out by the caller; one passed here is refused, since a zero share would be a posting of
 * nothing.
 */
export interface DistributionPart {
  partId: string;
  /** `<voucher number>-<sequence>`: the tie-break of equal remainders (ascending). */
  partNumber: string;
  /** A decimal string in the voucher's currency. */
  heldAmount: string;
}

export interface PartShare {
  partId: string;
  partNumber: string;
  heldAmount: string;
  /** What the part receives of the payment. */
  share: string;
  /** What the core still owes on the part after this payment: held amount less share. */
  shortfall: string;
}

export interface MaturityDistribution {
  currency: Currency;
  paid: string;
  totalHeld: string;
  /** FULL: paid = total held; SHORT: less (pro rata); OVER: more (`excess` is the payer's). */
  kind: 'FULL' | 'SHORT' | 'OVER';
  /** One per part, in the order the parts were given. */
  shares: PartShare[];
  /** Paid beyond the total held; zero unless `kind` is OVER. */
  excess: string;
}

const PLAIN_DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;
const AMOUNT_MAX_TEXT = AMOUNT_MAX.toFixed(0);

/**
 * A decimal string as an integer of minor units, or an issue. Trailing zeros beyond the
 * currency's decimals are accepted (as parseAmount does: "10.500" is 10.50 CNY); any other digit
 * there is refused, never rounded.
 */
function toMinorUnits(value: string, decimals: number, path: string[], issues: Array<FieldIssue & { code: string }>): bigint | undefined {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) {
    issues.push({ path, message: `amount ${JSON.stringify(value)} is not a plain decimal number such as "1250.50"`, code: 'AMOUNT_NOT_A_DECIMAL' });
    return undefined;
  }
  const whole = match[1] as string;
  const fraction = match[2] ?? '';
  if (fraction.length > decimals && /[1-9]/.test(fraction.slice(decimals))) {
    issues.push({ path, message: `amount ${value} has more than ${decimals} decimal places, the most the currency allows`, code: 'AMOUNT_TOO_MANY_DECIMALS' });
    return undefined;
  }
  if (whole.length > AMOUNT_MAX_TEXT.length || (whole.length === AMOUNT_MAX_TEXT.length && whole > AMOUNT_MAX_TEXT) || (whole === AMOUNT_MAX_TEXT && /[1-9]/.test(fraction))) {
    issues.push({ path, message: `amount ${value} exceeds the maximum of ${AMOUNT_MAX_TEXT}`, code: 'AMOUNT_TOO_LARGE' });
    return undefined;
  }
  const minor = BigInt(whole + fraction.slice(0, decimals).padEnd(decimals, '0'));
  if (minor === 0n) {
    issues.push({ path, message: `amount ${value} must be greater than zero`, code: 'AMOUNT_NOT_POSITIVE' });
    return undefined;
  }
  return minor;
}

/** Minor units back to the canonical wire form, with exactly the currency's decimals. */
export function formatMinorUnits(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}

/**
 * Part numbers of one voucher share their prefix and end in a zero-padded sequence that widens
 * past 9999, so the shorter one is the earlier, and among equal lengths the text order is the
 * number order.
 */
export function comparePartNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function throwIfAny(issues: Array<FieldIssue & { code: string }>): void {
  const first = issues[0];
  if (first) throw new ValidationError(issues.map(({ path, message }) => ({ path, message })), first.code);
}

/**
 * Distributes `paid` across `parts` (see the rules at the top of this file). Throws a
 * ValidationError listing every problem: an amount that is not positive or has more decimals than
 * the currency, an unknown currency, no parts or too many, a held amount of zero or less, a part
 * id or part number given twice.
 */
export function distributeMaturityPayment(input: { paid: string; currency: string; parts: readonly DistributionPart[] }): MaturityDistribution {
  const issues: Array<FieldIssue & { code: string }> = [];
  if (!isCurrency(input.currency)) {
    throw ValidationError.field(['currency'], `currency ${JSON.stringify(input.currency)} is not supported`, 'CURRENCY_NOT_SUPPORTED');
  }
  const currency = input.currency;
  const decimals = minorUnits(currency);
  const paid = toMinorUnits(input.paid, decimals, ['paid'], issues);
  const { parts } = input;
  if (parts.length === 0) issues.push({ path: ['parts'], message: 'a distribution needs at least one part with a held amount', code: 'VOUCHER_PARTS_EMPTY' });
  if (parts.length > DISTRIBUTION_PARTS_MAX) {
    issues.push({ path: ['parts'], message: `a distribution takes at most ${DISTRIBUTION_PARTS_MAX} parts, got ${parts.length}`, code: 'VOUCHER_PARTS_EXCEEDED' });
    throwIfAny(issues);
  }

  const held: bigint[] = new Array<bigint>(parts.length);
  const ids = new Set<string>();
  const numbers = new Set<string>();
  let total = 0n;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] as DistributionPart;
    // A part named twice would take two shares of one claim: a cent paid twice.
    if (ids.has(part.partId)) issues.push({ path: ['parts', String(index), 'partId'], message: `part ${part.partId} is given twice`, code: 'VOUCHER_PART_DUPLICATED' });
    else ids.add(part.partId);
    if (numbers.has(part.partNumber)) issues.push({ path: ['parts', String(index), 'partNumber'], message: `part number ${part.partNumber} is given twice`, code: 'VOUCHER_PART_DUPLICATED' });
    else numbers.add(part.partNumber);
    const amount = toMinorUnits(part.heldAmount, decimals, ['parts', String(index), 'heldAmount'], issues);
    held[index] = amount ?? 0n;
    total += amount ?? 0n;
  }
  throwIfAny(issues);
  const paidMinor = paid as bigint;

  const shares: bigint[] = new Array<bigint>(parts.length);
  let excess = 0n;
  if (paidMinor >= total) {
    for (let index = 0; index < parts.length; index += 1) shares[index] = held[index] as bigint;
    excess = paidMinor - total;
  } else {
    // floor(paid × held / total), and the remainder of that division: the fractional part of
    // the exact share, in units of 1/total of a minor unit.
    const remainders: bigint[] = new Array<bigint>(parts.length);
    let allotted = 0n;
    for (let index = 0; index < parts.length; index += 1) {
      const product = paidMinor * (held[index] as bigint);
      const floor = product / total;
      shares[index] = floor;
      remainders[index] = product - floor * total;
      allotted += floor;
    }
    // Each remainder is below `total`, so fewer minor units are left than there are parts.
    const left = Number(paidMinor - allotted);
    if (left > 0) {
      const order = Array.from({ length: parts.length }, (_, index) => index).filter((index) => (remainders[index] as bigint) > 0n);
      order.sort((a, b) => {
        const ra = remainders[a] as bigint;
        const rb = remainders[b] as bigint;
        if (ra !== rb) return ra > rb ? -1 : 1;
        return comparePartNumbers((parts[a] as DistributionPart).partNumber, (parts[b] as DistributionPart).partNumber);
      });
      for (let rank = 0; rank < left; rank += 1) {
        const index = order[rank] as number;
        shares[index] = (shares[index] as bigint) + 1n;
      }
    }
  }

  let sum = 0n;
  const result: PartShare[] = new Array<PartShare>(parts.length);
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] as DistributionPart;
    const share = shares[index] as bigint;
    sum += share;
    result[index] = {
      partId: part.partId,
      partNumber: part.partNumber,
      heldAmount: formatMinorUnits(held[index] as bigint, decimals),
      share: formatMinorUnits(share, decimals),
      shortfall: formatMinorUnits((held[index] as bigint) - share, decimals),
    };
  }
  // The one promise of this function; a failure here is a bug, and no money may move on it.
  if (sum + excess !== paidMinor) throw new Error(`distribution invariant broken: shares ${sum} + excess ${excess} != paid ${paidMinor} minor units`);
  return {
    currency,
    paid: formatMinorUnits(paidMinor, decimals),
    totalHeld: formatMinorUnits(total, decimals),
    kind: paidMinor === total ? 'FULL' : paidMinor < total ? 'SHORT' : 'OVER',
    shares: result,
    excess: formatMinorUnits(excess, decimals),
  };
}
