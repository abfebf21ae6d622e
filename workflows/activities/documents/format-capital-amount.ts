import { isCurrency, minorUnits } from '../../../domain/money';

// An amount in Chinese capital numerals (大写金额), as banks and legal documents write a sum in
// yuan beside its figures so that neither can be altered alone: 壹贰叁… for the digits, 拾佰仟 for
// their places, 万 and 亿 for the sections, 元角分 for the units, and 整 where no fen follow.

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'] as const;
const PLACES = ['', '拾', '佰', '仟'] as const;
const TEN_THOUSAND = 10_000n;
const HUNDRED_MILLION = 100_000_000n;

/** 1 to 9999: a zero between figures is read once (1001 壹仟零壹), trailing zeros not at all. */
function belowTenThousand(value: bigint): string {
  let text = '';
  let zero = false;
  for (let place = 3; place >= 0; place -= 1) {
    const digit = Number((value / 10n ** BigInt(place)) % 10n);
    if (digit === 0) {
      zero = text.length > 0;
      continue;
    }
    text += `${zero ? '零' : ''}${DIGITS[digit]}${PLACES[place]}`;
    zero = false;
  }
  return text;
}

/** 1 to 99,999,999: the 万 section, then the rest, with 零 where the rest lacks its thousands. */
function belowHundredMillion(value: bigint): string {
  const high = value / TEN_THOUSAND;
  const low = value % TEN_THOUSAND;
  if (high === 0n) return belowTenThousand(low);
  const head = `${belowTenThousand(high)}万`;
  if (low === 0n) return head;
  return `${head}${low < 1000n ? '零' : ''}${belowTenThousand(low)}`;
}

/** Any positive whole number: 亿 sections nest (壹亿亿 is 10^16), the same zero rule between them. */
function wholeNumber(value: bigint): string {
  if (value < HUNDRED_MILLION) return belowHundredMillion(value);
  const high = value / HUNDRED_MILLION;
  const low = value % HUNDRED_MILLION;
  const head = `${wholeNumber(high)}亿`;
  if (low === 0n) return head;
  return `${head}${low < 10_000_000n ? '零' : ''}${belowHundredMillion(low)}`;
}

const PLAIN_DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * A CNY amount in capital numerals: "10000000.00" is 壹仟万元整, "1234.56" 壹仟贰佰叁拾肆元伍角陆分,
 * "100.05" 壹佰元零伍分, "0.50" 伍角整. Capital numerals are written for renminbi only: another
 * currency answers null, and the document shows the figures alone. An amount that is not a plain
 * non-negative decimal, or has more decimals than the currency, is refused (RangeError): on a
 * legal document it is never rounded.
 */
export function formatCapitalAmount(amount: string, currency: string): string | null {
  if (!isCurrency(currency)) throw new RangeError(`cannot write an amount in unknown currency ${JSON.stringify(currency)}`);
  if (currency !== 'CNY') return null;
  const match = PLAIN_DECIMAL.exec(amount);
  if (!match) throw new RangeError(`amount ${JSON.stringify(amount)} is not a plain non-negative decimal string`);
  const fraction = match[2] ?? '';
  const decimals = minorUnits(currency);
  if (/[1-9]/.test(fraction.slice(decimals))) throw new RangeError(`amount ${amount} has more decimals than ${currency} allows (${decimals})`);
  const yuan = BigInt(match[1] as string);
  const jiao = Number(fraction.charAt(0) || '0');
  const fen = Number(fraction.charAt(1) || '0');
  if (yuan === 0n && jiao === 0 && fen === 0) return '零元整';
  let text = yuan > 0n ? `${wholeNumber(yuan)}元` : '';
  if (jiao > 0) text += `${DIGITS[jiao]}角`;
  // A zero jiao between yuan and fen is read (壹元零伍分); before fen alone it is not (伍分).
  else if (fen > 0 && yuan > 0n) text += '零';
  if (fen > 0) return `${text}${DIGITS[fen]}分`;
  return `${text}整`;
}
