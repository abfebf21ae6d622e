import { cutOffInstant } from '../../domain/accounting-day';
import { addDays, isIsoDate, type IsoDate } from '../../domain/business-date';
import { ValidationError } from '../../domain/errors';
import { AmountError, AMOUNT_MAX, Decimal, formatAmount, isCurrency, minorUnits, parseAmount, type Currency } from '../../domain/money';
import { isDebitKind } from '../../domain/reconciliation-report';
import type { StatementLine } from '../bank-adapter';

// The escrow bank's statement of one day as both file formats carry it (docs/reconciliation.md):
// what the camt.053 parser and the CSV parser each yield, and what the bank simulator writes.
// Amounts and balances stay decimal strings in the currency's minor unit; dates are business
// dates (YYYY-MM-DD, Asia/Shanghai), as the bank books them.

export const STATEMENT_FILE_FORMATS = ['CAMT053', 'CSV'] as const;
export type StatementFileFormat = (typeof STATEMENT_FILE_FORMATS)[number];

/** A statement file as the bank hands it over: UTF-8 text in one of the two formats. */
export interface StatementFile {
  format: StatementFileFormat;
  content: string;
}

/**
 * The largest statement file accepted from the bank (the scheduled fetch through the bank
 * adapter), in UTF-8 bytes: STATEMENT_ENTRIES_MAX camt.053 entries at about 1.4 KiB each as
 * written indented (names and memos in Chinese are three bytes a character), with room, and
 * below the longest string JavaScript holds (512 MiB). A larger file is a runaway export, not a
 * statement to read into memory.
 */
export const STATEMENT_CONTENT_BYTES_MAX = 384 * 1024 * 1024;
/**
 * The most entries one statement may carry. One escrow account carries every customer's money
 * in and out: on a month-end or quarter-end day tens of thousands of suppliers are paid and
 * core enterprises repay, and a busy platform's day reaches 100,000 movements (the `recon.day`
 * bench, docs/performance.md); twice that leaves room to grow before a day must be split.
 */
export const STATEMENT_ENTRIES_MAX = 200_000;
/**
 * A file an operator uploads through the API (importBankStatement) travels in one GraphQL
 * request, whose body an operator may make at most OPERATOR_REQUEST_BODY_BYTES_MAX (10 MiB):
 * 8 MiB of file, JSON-escaped, fits. That holds about 10,000 camt.053 entries (some 30,000 as
 * CSV); a larger day comes through the bank adapter, or from the bank again.
 */
export const STATEMENT_UPLOAD_BYTES_MAX = 8 * 1024 * 1024;
/** The most entries of a statement uploaded through the API. */
export const STATEMENT_UPLOAD_ENTRIES_MAX = 10_000;

/** How large a statement is read: STATEMENT_UPLOAD_LIMITS for an operator's upload, STATEMENT_FETCH_LIMITS for the bank's own file. */
export interface StatementLimits {
  bytesMax: number;
  entriesMax: number;
}
export const STATEMENT_UPLOAD_LIMITS: StatementLimits = { bytesMax: STATEMENT_UPLOAD_BYTES_MAX, entriesMax: STATEMENT_UPLOAD_ENTRIES_MAX };
export const STATEMENT_FETCH_LIMITS: StatementLimits = { bytesMax: STATEMENT_CONTENT_BYTES_MAX, entriesMax: STATEMENT_ENTRIES_MAX };
/** Names, account numbers and references longer than this are not a bank's. */
export const STATEMENT_TEXT_LENGTH_MAX = 140;

export interface StatementEntry {
  /** The bank's own id for the entry (camt.053 AcctSvcrRef): unique per entry. */
  bankReference: string;
  kind: StatementLine['kind'];
  direction: StatementLine['direction'];
  /** Positive, in the currency's minor unit. */
  amount: string;
  currency: string;
  /** The payout reference for PAYOUT and PAYOUT_RETURN; the virtual account number credited for INBOUND_CREDIT. */
  reference: string;
  bookingDate: IsoDate;
  valueDate: IsoDate;
  /** The end-to-end id the payer chose (the payout reference for payouts and returns), when given. */
  endToEndId: string | null;
  debtorName: string | null;
  debtorAccountNumber: string | null;
  creditorName: string | null;
  creditorAccountNumber: string | null;
  /** 附言, unstructured; the matcher never relies on it. */
  remittanceInformation: string;
}

export interface StatementDocument {
  /** The bank's id for this statement (camt.053 Stmt/Id). */
  statementId: string;
  /** When the bank produced the file. */
  createdAt: Date;
  /** The escrow account the statement is of. */
  accountNumber: string;
  date: IsoDate;
  currency: string;
  /** Signed balances (negative when the bank says DBIT), in the currency's minor unit. */
  openingBalance: string;
  closingBalance: string;
  entries: StatementEntry[];
}

const BALANCE_SHAPE = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const ACCOUNT_NUMBER_SHAPE = /^[0-9]{8,32}$/;
const REFERENCE_SHAPE = /^[A-Za-z0-9:_-]{1,64}$/;
/** How many days a value date may lie from its booking date before the entry is not believable. */
const VALUE_DATE_DISTANCE_DAYS_MAX = 31;

/** Where in the file a problem is: an element path for camt.053, a line for CSV. */
export type Where = string;

export function malformed(where: Where, message: string): ValidationError {
  return new ValidationError([{ path: ['content', where], message }], 'STATEMENT_MALFORMED');
}

/** A balance: a signed decimal string with no more decimals than the currency has. */
export function checkBalance(value: string, currency: Currency, where: Where): string {
  if (!BALANCE_SHAPE.test(value)) throw malformed(where, `balance ${JSON.stringify(value)} is not a plain decimal number such as "1250.50"`);
  const amount = new Decimal(value);
  if (amount.decimalPlaces() > minorUnits(currency)) throw malformed(where, `balance ${value} has more than ${minorUnits(currency)} decimal places, the most ${currency} allows`);
  if (amount.abs().gt(AMOUNT_MAX)) throw malformed(where, `balance ${value} exceeds the maximum of ${AMOUNT_MAX.toFixed(0)}`);
  return formatSigned(amount, currency);
}

export function formatSigned(amount: Decimal, currency: Currency): string {
  return amount.isNeg() && !amount.isZero() ? `-${formatAmount(amount.abs(), currency)}` : formatAmount(amount.abs(), currency);
}

export function checkAmount(value: string, currency: Currency, where: Where): string {
  try {
    return formatAmount(parseAmount(value, currency), currency);
  } catch (error) {
    if (error instanceof AmountError) throw malformed(where, error.message);
    throw error;
  }
}

export function checkCurrency(value: string, where: Where): Currency {
  if (!isCurrency(value)) throw malformed(where, `currency ${JSON.stringify(value)} is not one the platform books`);
  return value;
}

export function checkDate(value: string, where: Where): IsoDate {
  if (!isIsoDate(value)) throw malformed(where, `${JSON.stringify(value)} is not a calendar date written YYYY-MM-DD`);
  return value;
}

export function checkAccountNumber(value: string, where: Where): string {
  if (!ACCOUNT_NUMBER_SHAPE.test(value)) throw malformed(where, `account number ${JSON.stringify(value)} must be 8 to 32 digits`);
  return value;
}

export function checkReference(value: string, where: Where): string {
  if (!REFERENCE_SHAPE.test(value)) throw malformed(where, `reference ${JSON.stringify(value)} must be 1 to 64 characters of A-Z a-z 0-9 : _ -`);
  return value;
}

export function checkText(value: string, where: Where): string {
  if ([...value].length > STATEMENT_TEXT_LENGTH_MAX) throw malformed(where, `text longer than ${STATEMENT_TEXT_LENGTH_MAX} characters`);
  return value;
}

/** The file's size, before any parsing: a larger one is refused unread. */
export function checkContentSize(content: string, limits: StatementLimits): void {
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > limits.bytesMax) throw malformed('file', `the file is ${bytes} bytes; at most ${limits.bytesMax} are accepted`);
  if (content.trim() === '') throw malformed('file', 'the file is empty');
}

/**
 * What must hold of any statement whatever its format: each entry's kind agrees with its
 * direction, dates are the statement's day or near it, and the balances add up (opening plus
 * credits minus debits is closing, an entry the file repeats counted once).
 */
export function checkStatementDocument(document: StatementDocument, entryWhere: (index: number) => Where, limits: StatementLimits): StatementDocument {
  const currency = checkCurrency(document.currency, 'currency');
  if (document.entries.length > limits.entriesMax) throw malformed('file', `the statement has ${document.entries.length} entries; at most ${limits.entriesMax} are accepted`);
  const seen = new Map<string, StatementEntry>();
  let balance = new Decimal(document.openingBalance);
  const earliestValueDate = addDays(document.date, -VALUE_DATE_DISTANCE_DAYS_MAX);
  const latestValueDate = addDays(document.date, VALUE_DATE_DISTANCE_DAYS_MAX);
  document.entries.forEach((entry, index) => {
    const where = entryWhere(index);
    if (entry.currency !== currency) throw malformed(where, `entry currency ${entry.currency} differs from the statement's ${currency}`);
    const expected = isDebitKind(entry.kind) ? 'DEBIT' : 'CREDIT';
    if (entry.direction !== expected) throw malformed(where, `${entry.kind.startsWith('I') ? 'an' : 'a'} ${entry.kind} entry is a ${expected}, not a ${entry.direction}`);
    if (entry.bookingDate !== document.date) throw malformed(where, `booking date ${entry.bookingDate} is not the statement's date ${document.date}`);
    if (entry.valueDate < earliestValueDate || entry.valueDate > latestValueDate) {
      throw malformed(where, `value date ${entry.valueDate} is more than ${VALUE_DATE_DISTANCE_DAYS_MAX} days from the statement's date ${document.date}`);
    }
    const earlier = seen.get(entry.bankReference);
    if (earlier) {
      // The same bank reference twice is one entry listed twice (a bank's export glitch), not two
      // movements; it is counted once, and it must be the same entry, else the file is not believable.
      if (!sameEntry(earlier, entry)) throw malformed(where, `bank reference ${entry.bankReference} appears twice with different details`);
      return;
    }
    seen.set(entry.bankReference, entry);
    balance = entry.direction === 'CREDIT' ? balance.plus(entry.amount) : balance.minus(entry.amount);
  });
  if (!balance.eq(document.closingBalance)) {
    throw new ValidationError(
      [{ path: ['content', 'balances'], message: `opening balance ${document.openingBalance} plus the entries gives ${formatSigned(balance, currency)}, but the closing balance is ${document.closingBalance} ${currency}` }],
      'STATEMENT_DOES_NOT_ADD_UP',
    );
  }
  return document;
}

/**
 * A statement is the bank's account of a day it has ended: the statement day runs to midnight
 * in the accounting zone (docs/reconciliation.md, "The cut-off and midnight"), and only after
 * it may every movement of the day be on it. A file of a day that has not ended (today's before
 * midnight, a year typed wrong, a test file dated 2099) is refused: stored, it would stay for
 * ever (statements are never deleted), and every real day after it would have to continue its
 * balances into it. `now` is the business clock of the import.
 */
export function checkStatementDayEnded(document: Pick<StatementDocument, 'date'>, now: Date, zone: string): void {
  const ends = cutOffInstant(document.date, { zone, time: '24:00' });
  if (now.getTime() < ends.getTime()) {
    throw new ValidationError(
      [
        {
          path: ['content', 'statementDate'],
          message: `the statement is of ${document.date}, a day that has not ended yet: it ends at midnight ${zone} (${ends.toISOString()}) and it is ${now.toISOString()}; a bank's end-of-day statement is of a day that has ended`,
        },
      ],
      'STATEMENT_DAY_NOT_ENDED',
    );
  }
}

/**
 * One entry listed twice: every detail alike, the parties too. Two listings of one reference
 * that name different payers or payees do not say whose money it is (a credit only the bank
 * shows is refunded to the payer its line names), so the file is refused rather than one read.
 */
export function sameEntry(a: StatementEntry, b: StatementEntry): boolean {
  return (
    a.kind === b.kind &&
    a.direction === b.direction &&
    new Decimal(a.amount).eq(b.amount) &&
    a.currency === b.currency &&
    a.reference === b.reference &&
    a.bookingDate === b.bookingDate &&
    a.valueDate === b.valueDate &&
    a.endToEndId === b.endToEndId &&
    a.debtorName === b.debtorName &&
    a.debtorAccountNumber === b.debtorAccountNumber &&
    a.creditorName === b.creditorName &&
    a.creditorAccountNumber === b.creditorAccountNumber &&
    a.remittanceInformation === b.remittanceInformation
  );
}
