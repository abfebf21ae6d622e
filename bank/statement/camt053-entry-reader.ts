import { isIsoDate, type IsoDate } from '../../domain/business-date';
import { isCurrency, minorUnits } from '../../domain/money';
import { checkAmount, STATEMENT_TEXT_LENGTH_MAX, type StatementEntry } from './statement-document';

// Reads one camt.053 entry (Ntry) straight from the parser's events into the fields of a
// StatementEntry, without building a tree of it: on a busy day's 100,000 entries (3.4 million
// elements) the trees, their texts and the garbage they left were most of the read
// (docs/performance.md, "recon.day").
//
// It reads only the ordinary shape of an entry: each element read at most once, leaves with text
// only, containers with at least one element inside, and every value valid. Anything else (an
// element met twice, a missing or wrong value, a leaf with attributes or children) makes the
// entry irregular: the caller then reads the whole file again the careful way, element paths and
// all, which says exactly where the problem is. A file that is refused is read twice; a file that
// is accepted is read once, and reads to the same entries either way.

/** An element of the entry that is read, with the elements inside it that are read. */
interface Shape {
  readonly slot: number;
  /** Text only: an element inside it makes the entry irregular. */
  readonly leaf: boolean;
  /** May appear more than once (Ustrd, TxDtls); every other element at most once. */
  readonly repeating: boolean;
  readonly children: ReadonlyMap<string, Shape>;
}

type ShapeSpec = { readonly [name: string]: ShapeSpec | 'leaf' | 'repeating leaf' };

const ACCOUNT: ShapeSpec = { Id: { IBAN: 'leaf', Othr: { Id: 'leaf' } } };
const PARTY: ShapeSpec = { Nm: 'leaf', Pty: { Nm: 'leaf' } };

/** The elements of an entry that readEntry (parse-camt053.ts) reads; every other element is passed over. */
const ENTRY_SPEC: ShapeSpec = {
  Amt: 'leaf',
  CdtDbtInd: 'leaf',
  RvslInd: 'leaf',
  // Sts is either the status code itself (camt.053.001.02) or holds it in Cd (later versions).
  Sts: { Cd: 'leaf' },
  BookgDt: { Dt: 'leaf' },
  ValDt: { Dt: 'leaf' },
  AcctSvcrRef: 'leaf',
  BkTxCd: { Domn: { Cd: 'leaf', Fmly: { Cd: 'leaf', SubFmlyCd: 'leaf' } } },
  NtryDtls: {
    TxDtls: {
      Refs: { EndToEndId: 'leaf' },
      RltdPties: { Dbtr: PARTY, DbtrAcct: ACCOUNT, Cdtr: PARTY, CdtrAcct: ACCOUNT },
      RmtInf: { Ustrd: 'repeating leaf' },
    },
  },
};

let slots = 0;
/** Numbers each element read (its slot) and says how it may appear; TxDtls is the one container that may repeat (and is then counted). */
function compile(spec: ShapeSpec | 'leaf' | 'repeating leaf', repeating = false): Shape {
  const slot = slots++;
  if (spec === 'leaf' || spec === 'repeating leaf') return { slot, leaf: true, repeating: spec === 'repeating leaf', children: new Map() };
  const children = new Map<string, Shape>();
  for (const name of Object.keys(spec)) children.set(name, compile(spec[name]!, name === 'TxDtls'));
  return { slot, leaf: false, repeating, children };
}
const ENTRY = compile(ENTRY_SPEC);
const SLOTS = slots;

/** The shape of each element read, by its path inside the entry. */
function at(...path: string[]): Shape {
  let shape = ENTRY;
  for (const name of path) shape = shape.children.get(name)!;
  return shape;
}
const AMT = at('Amt').slot;
const CDT_DBT_IND = at('CdtDbtInd').slot;
const RVSL_IND = at('RvslInd').slot;
const STS = at('Sts');
const STS_CD = at('Sts', 'Cd').slot;
const BOOKG_DT = at('BookgDt', 'Dt').slot;
const VAL_DT = at('ValDt', 'Dt').slot;
const ACCT_SVCR_REF = at('AcctSvcrRef').slot;
const DOMN_CD = at('BkTxCd', 'Domn', 'Cd').slot;
const FMLY_CD = at('BkTxCd', 'Domn', 'Fmly', 'Cd').slot;
const SUB_FMLY_CD = at('BkTxCd', 'Domn', 'Fmly', 'SubFmlyCd').slot;
const TX_DTLS = at('NtryDtls', 'TxDtls').slot;
const REFS = at('NtryDtls', 'TxDtls', 'Refs').slot;
const END_TO_END_ID = at('NtryDtls', 'TxDtls', 'Refs', 'EndToEndId').slot;
const RLTD_PTIES = at('NtryDtls', 'TxDtls', 'RltdPties').slot;
const RMT_INF = at('NtryDtls', 'TxDtls', 'RmtInf').slot;
const USTRD = at('NtryDtls', 'TxDtls', 'RmtInf', 'Ustrd').slot;
const PARTY_SLOTS = (name: 'Dbtr' | 'Cdtr') => ({
  party: at('NtryDtls', 'TxDtls', 'RltdPties', name).slot,
  name: at('NtryDtls', 'TxDtls', 'RltdPties', name, 'Nm').slot,
  pty: at('NtryDtls', 'TxDtls', 'RltdPties', name, 'Pty').slot,
  ptyName: at('NtryDtls', 'TxDtls', 'RltdPties', name, 'Pty', 'Nm').slot,
});
const ACCOUNT_SLOTS = (name: 'DbtrAcct' | 'CdtrAcct') => ({
  account: at('NtryDtls', 'TxDtls', 'RltdPties', name).slot,
  iban: at('NtryDtls', 'TxDtls', 'RltdPties', name, 'Id', 'IBAN').slot,
  other: at('NtryDtls', 'TxDtls', 'RltdPties', name, 'Id', 'Othr').slot,
  otherId: at('NtryDtls', 'TxDtls', 'RltdPties', name, 'Id', 'Othr', 'Id').slot,
});
const DBTR = PARTY_SLOTS('Dbtr');
const CDTR = PARTY_SLOTS('Cdtr');
const DBTR_ACCT = ACCOUNT_SLOTS('DbtrAcct');
const CDTR_ACCT = ACCOUNT_SLOTS('CdtrAcct');

const ACCOUNT_NUMBER_SHAPE = /^[0-9]{8,32}$/;
const REFERENCE_SHAPE = /^[A-Za-z0-9:_-]{1,64}$/;
/** An amount already in its canonical form with two decimals, positive and below AMOUNT_MAX (at most 18 integer digits). */
const CANONICAL_AMOUNT_2 = /^(?:0|[1-9]\d{0,17})\.\d\d$/;
const CANONICAL_AMOUNT_0 = /^[1-9]\d{0,17}$/;
const ZERO_2 = /^0\.00$/;

/** An xs:boolean as camt.053 writes RvslInd; undefined for anything else. */
export function booleanOf(value: string): boolean | undefined {
  return value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : undefined;
}

/**
 * What an entry is, from its bank transaction family (PMNT/RCDT received, PMNT/ICDT issued credit
 * transfer), sub-family, and reversal indicator (RvslInd): a reversed received credit is the
 * bank taking it back (INBOUND_CREDIT_REVERSAL, a debit); a reversed issued transfer is the
 * payout's money coming back (PAYOUT_RETURN, a credit), and a reversed return (RRTN) the payout's
 * money going out again (PAYOUT, a debit). Undefined for a family not expected.
 */
export function entryKindOf(family: string, subFamily: string, reversal: boolean): StatementEntry['kind'] | undefined {
  if (family === 'RCDT') return reversal ? 'INBOUND_CREDIT_REVERSAL' : 'INBOUND_CREDIT';
  if (family === 'ICDT') return (subFamily === 'RRTN') !== reversal ? 'PAYOUT_RETURN' : 'PAYOUT';
  return undefined;
}

/** Thrown from the parser's events when an entry is not of the ordinary shape; caught by parseCamt053, which reads the file again the careful way. */
export class IrregularEntry extends Error {
  override readonly name = 'IrregularEntry';
}
const IRREGULAR = new IrregularEntry('an entry outside the ordinary shape: read again with element paths');

function irregular(): never {
  throw IRREGULAR;
}

/** Text within the length every name and memo of a statement keeps to (checkText, without spreading each into code points when it is clearly short). */
function shortText(value: string): string {
  if (value.length > STATEMENT_TEXT_LENGTH_MAX && [...value].length > STATEMENT_TEXT_LENGTH_MAX) irregular();
  return value;
}

/** The amount as checkAmount gives it; a string already canonical is its own answer without a Decimal built. */
function amountOf(value: string, currency: string): string {
  if (!isCurrency(currency)) irregular();
  const places = minorUnits(currency);
  if (places === 2 ? CANONICAL_AMOUNT_2.test(value) && !ZERO_2.test(value) : places === 0 && CANONICAL_AMOUNT_0.test(value)) return value;
  try {
    return checkAmount(value, currency, '');
  } catch {
    return irregular();
  }
}

/** One reader for a whole file, reused entry after entry: no closure or tree per entry. */
export class Camt053EntryReader {
  private readonly seen = new Uint8Array(SLOTS);
  /** Elements inside each container, counted for "a container holds something". */
  private readonly inside = new Uint32Array(SLOTS);
  private readonly texts: string[] = new Array<string>(SLOTS).fill('');
  private readonly remittance: string[] = [];
  private readonly stack: Shape[] = [];
  /** Depth inside an element that is not read (0 when in a read one). */
  private passing = 0;
  private currencyAttribute: string | undefined;
  private transactions = 0;
  private lastDate = '';

  /** The entry (Ntry) opens. */
  begin(): void {
    this.seen.fill(0);
    this.inside.fill(0);
    this.remittance.length = 0;
    this.stack.length = 0;
    this.stack.push(ENTRY);
    this.passing = 0;
    this.currencyAttribute = undefined;
    this.transactions = 0;
  }

  open(name: string, attributes: Record<string, string>): void {
    if (this.passing > 0) {
      this.passing += 1;
      return;
    }
    const parent = this.stack[this.stack.length - 1]!;
    if (parent.leaf) irregular();
    this.inside[parent.slot]! += 1;
    const shape = parent.children.get(name);
    if (shape === undefined) {
      this.passing = 1;
      return;
    }
    const { slot } = shape;
    if (this.seen[slot] === 1 && !shape.repeating) irregular();
    this.seen[slot] = 1;
    this.texts[slot] = '';
    if (slot === TX_DTLS) this.transactions += 1;
    for (const attribute in attributes) {
      if (attribute.startsWith('xmlns:')) continue;
      // The amount's currency is its one attribute read; any other attribute on an element read changes how the careful reader sees it.
      const colon = attribute.indexOf(':');
      if (slot === AMT && (colon < 0 ? attribute : attribute.slice(colon + 1)) === 'Ccy' && this.currencyAttribute === undefined) this.currencyAttribute = attributes[attribute];
      else irregular();
    }
    this.stack.push(shape);
  }

  text(text: string): void {
    if (this.passing > 0) return;
    const top = this.stack[this.stack.length - 1]!;
    // A container's own text is not read (Sts's is, when it holds no Cd).
    if (top.leaf || top === STS) this.texts[top.slot] += text;
  }

  close(): void {
    if (this.passing > 0) {
      this.passing -= 1;
      return;
    }
    const shape = this.stack.pop()!;
    if (shape.leaf) {
      const value = this.texts[shape.slot]!.trim();
      this.texts[shape.slot] = value;
      if (shape.slot === USTRD) this.remittance.push(value);
    } else if (this.inside[shape.slot] === 0 && shape !== STS) {
      // An empty container is text to the careful reader, not an element.
      irregular();
    }
  }

  private present(slot: number): boolean {
    return this.seen[slot] === 1;
  }

  /** A leaf's text, which must be there and not empty. */
  private required(slot: number): string {
    const value = this.seen[slot] === 1 ? this.texts[slot]! : '';
    if (value === '') irregular();
    return value;
  }

  private optional(slot: number): string | undefined {
    return this.seen[slot] === 1 ? this.texts[slot] : undefined;
  }

  /** A calendar date; the day's entries share one or two, so the last one checked is remembered. */
  private date(slot: number): IsoDate {
    const value = this.required(slot);
    if (value !== this.lastDate) {
      if (!isIsoDate(value)) irregular();
      this.lastDate = value;
    }
    return value;
  }

  private partyName(party: typeof DBTR): string | null {
    if (!this.present(party.party)) return null;
    const value = this.present(party.pty) ? this.optional(party.ptyName) : this.optional(party.name);
    return value === undefined ? null : shortText(value);
  }

  private accountNumber(account: typeof DBTR_ACCT): string | null {
    if (!this.present(account.account)) return null;
    const value = this.present(account.iban) ? this.texts[account.iban]! : this.present(account.other) ? this.required(account.otherId) : irregular();
    if (!ACCOUNT_NUMBER_SHAPE.test(value)) irregular();
    return value;
  }

  /** The entry (Ntry) has ended: its fields, as readEntry reads them, or IrregularEntry thrown. */
  end(statementCurrency: string): StatementEntry {
    if (this.currencyAttribute !== statementCurrency) irregular();
    const amountText = this.required(AMT);
    const status = this.present(STS.slot) ? (this.inside[STS.slot] === 0 ? this.texts[STS.slot]!.trim() : this.optional(STS_CD)) : undefined;
    if (status !== undefined && status !== 'BOOK') irregular();
    if (this.required(DOMN_CD) !== 'PMNT') irregular();
    const family = this.required(FMLY_CD);
    const subFamily = this.required(SUB_FMLY_CD);
    const reversal = this.present(RVSL_IND) ? booleanOf(this.required(RVSL_IND)) : false;
    const kind = reversal === undefined ? irregular() : (entryKindOf(family, subFamily, reversal) ?? irregular());
    if (this.transactions !== 1) irregular();
    const endToEndRaw = this.present(REFS) ? this.optional(END_TO_END_ID) : undefined;
    const endToEndId = endToEndRaw === undefined || endToEndRaw === 'NOTPROVIDED' ? null : shortText(endToEndRaw);
    const parties = this.present(RLTD_PTIES);
    const creditorAccountNumber = parties ? this.accountNumber(CDTR_ACCT) : null;
    const remittanceInformation = shortText(this.present(RMT_INF) ? this.remittance.join(' ') : '');
    let reference: string;
    if (kind === 'INBOUND_CREDIT' || kind === 'INBOUND_CREDIT_REVERSAL') {
      if (creditorAccountNumber === null) irregular();
      reference = creditorAccountNumber;
    } else {
      if (endToEndId === null || !REFERENCE_SHAPE.test(endToEndId)) irregular();
      reference = endToEndId;
    }
    const bankReference = this.required(ACCT_SVCR_REF);
    if (!REFERENCE_SHAPE.test(bankReference)) irregular();
    const indicator = this.required(CDT_DBT_IND);
    const direction = indicator === 'CRDT' ? 'CREDIT' : indicator === 'DBIT' ? 'DEBIT' : irregular();
    const bookingDate = this.date(BOOKG_DT);
    const valueDate = this.date(VAL_DT);
    return {
      bankReference,
      kind,
      direction,
      amount: amountOf(amountText, statementCurrency),
      currency: statementCurrency,
      reference,
      bookingDate,
      valueDate,
      endToEndId,
      debtorName: parties ? this.partyName(DBTR) : null,
      debtorAccountNumber: parties ? this.accountNumber(DBTR_ACCT) : null,
      creditorName: parties ? this.partyName(CDTR) : null,
      creditorAccountNumber,
      remittanceInformation,
    };
  }
}
