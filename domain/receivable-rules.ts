import { addDays, businessDateOf, isIsoDate, type IsoDate } from './business-date';
import type { Actor } from './actor';
import { ForbiddenError, ValidationError, WrongStateError, type FieldIssue } from './errors';
import { IDEMPOTENCY_KEY_LENGTH_MAX } from './ledger-rules';
import { AmountError, Decimal, isCurrency, minorUnits, parseAmount, type Currency } from './money';
import { checkPrintable } from './printable-text';

export const RECEIVABLE_INVOICES_MAX = 200;
export const CONTRACT_NUMBER_LENGTH_MAX = 64;
export const REASON_LENGTH_MAX = 500;
export const DOCUMENT_HASHES_MAX = 20;
/** A receivable may fall due at most this far ahead (a 5-year ceiling on trade credit). */
export const DUE_DATE_HORIZON_DAYS_MAX = 5 * 366;

export const RECEIVABLE_STATUSES = ['REGISTERED', 'CONFIRMED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'FINANCING_PENDING', 'FINANCED', 'SETTLED'] as const;
export type ReceivableStatus = (typeof RECEIVABLE_STATUSES)[number];

/**
 * Every allowed change of state. Anything else is refused, in code and (for the statuses the
 * registry depends on) by the database. FINANCING_PENDING onwards belong to financing.
 */
export const RECEIVABLE_TRANSITIONS: Record<ReceivableStatus, readonly ReceivableStatus[]> = {
  REGISTERED: ['CONFIRMED', 'REJECTED', 'EXPIRED', 'CANCELLED'],
  CONFIRMED: ['FINANCING_PENDING', 'CANCELLED'],
  FINANCING_PENDING: ['CONFIRMED', 'FINANCED'],
  FINANCED: ['SETTLED'],
  REJECTED: [],
  EXPIRED: [],
  CANCELLED: [],
  SETTLED: [],
};

/** States in which the receivable's invoices stay encumbered in the registry: all but those it ends in unfinanced. A settled receivable's invoices were paid, and are never financed again. */
export const ENCUMBERING_STATUSES: readonly ReceivableStatus[] = ['REGISTERED', 'CONFIRMED', 'FINANCING_PENDING', 'FINANCED', 'SETTLED'];

/**
 * The states a decision on the receivable (a confirmation, rejection or cancellation, or the
 * deadline) moves it from. FINANCING_PENDING onwards belong to financing: its way back to
 * CONFIRMED when a financing ends is not a confirmation, and a confirmation must never take a
 * receivable out of the financing that holds it.
 */
export const DECIDABLE_STATUSES: readonly ReceivableStatus[] = ['REGISTERED', 'CONFIRMED'];

export function isDecisionAllowed(from: ReceivableStatus, to: ReceivableStatus): boolean {
  return DECIDABLE_STATUSES.includes(from) && RECEIVABLE_TRANSITIONS[from].includes(to);
}

/**
 * The refusal of a change the receivable's state does not allow, naming the state as the caller
 * is told it: to the obligor of a silent financing that is CONFIRMED, not the financed state the
 * refusal was decided on (prisma/stores/silent-assignment.ts).
 */
export function transitionRefused(action: string, statusAsSeen: ReceivableStatus): WrongStateError {
  return new WrongStateError(`cannot ${action} a receivable that is ${statusAsSeen}`, statusAsSeen);
}

export function assertTransition(from: ReceivableStatus, to: ReceivableStatus, action: string): void {
  if (!RECEIVABLE_TRANSITIONS[from].includes(to)) throw transitionRefused(action, from);
}

const INVOICE_IDENTIFIER = /^[0-9A-Z]{1,20}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Invoice codes and numbers as printed vary in spacing and case; the registry must not. */
export function normaliseInvoiceIdentifier(value: string): string {
  return value.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
}

/** What an invoice's registry fingerprint is the SHA-256 of. */
export function fingerprintSource(obligorCreditCode: string, invoiceCode: string, invoiceNumber: string): string {
  // The credit code as typed by a caller of the registry check is normalised as the invoice's identifiers are (full-width, spaces, dashes): stored codes are already canonical.
  return `${normaliseInvoiceIdentifier(obligorCreditCode)}|${normaliseInvoiceIdentifier(invoiceCode)}|${normaliseInvoiceIdentifier(invoiceNumber)}`;
}

export interface InvoiceInput {
  invoiceCode: string;
  invoiceNumber: string;
  amount: string;
  issueDate: string;
}

export interface RegistrationInput {
  obligorCreditCode: string;
  contractNumber: string;
  currency: string;
  faceAmount: string;
  dueDate: string;
  invoices: InvoiceInput[];
  documentHashes?: string[] | null;
  idempotencyKey: string;
}

export interface ValidRegistration {
  obligorCreditCode: string;
  contractNumber: string;
  currency: Currency;
  faceAmount: Decimal;
  dueDate: IsoDate;
  invoices: Array<{ invoiceCode: string; invoiceNumber: string; amount: Decimal; issueDate: IsoDate }>;
  documentHashes: string[];
  idempotencyKey: string;
}

/** A money amount as the wire carries it, checked in its currency: the issue it breaks, or undefined. */
export function amountIssue(path: string[], value: string, currency: string): FieldIssue | undefined {
  try {
    parseAmount(value, currency);
    return undefined;
  } catch (error) {
    if (error instanceof AmountError) return { path, message: error.message };
    throw error;
  }
}

export type ValidInvoice = ValidRegistration['invoices'][number];

/** A contract number as registrations and vouchers keep it: NFC-normalised, trimmed, 1 to CONTRACT_NUMBER_LENGTH_MAX characters the documents can print. */
export function checkContractNumber(value: string, path: string[], issues: FieldIssue[]): string {
  const contractNumber = value.normalize('NFC').trim();
  if (contractNumber.length === 0 || contractNumber.length > CONTRACT_NUMBER_LENGTH_MAX) {
    issues.push({ path, message: `must be 1 to ${CONTRACT_NUMBER_LENGTH_MAX} characters` });
  }
  // It is printed inside the sentence of the confirmation letter the obligor confirms: a line
  // break there would start a line the obligor never confirmed.
  if (/[\t\n\r\u2028\u2029]/.test(contractNumber)) issues.push({ path, message: 'must be on one line, without tabs' });
  checkPrintable(contractNumber, path, issues);
  return contractNumber;
}

/** A request's idempotency key, trimmed: 1 to IDEMPOTENCY_KEY_LENGTH_MAX characters. */
export function checkIdempotencyKey(value: string, path: string[], issues: FieldIssue[]): string {
  const idempotencyKey = value.trim();
  if (idempotencyKey.length === 0 || idempotencyKey.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    issues.push({ path, message: `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} characters` });
  }
  return idempotencyKey;
}

/** SHA-256 digests of supporting documents: at most DOCUMENT_HASHES_MAX, lower-cased, each given once. */
export function checkDocumentHashes(input: readonly string[] | null | undefined, at: (...path: Array<string | number>) => string[], issues: FieldIssue[]): string[] {
  const documentHashes = (input ?? []).map((hash) => hash.trim().toLowerCase());
  if (documentHashes.length > DOCUMENT_HASHES_MAX) issues.push({ path: at('documentHashes'), message: `at most ${DOCUMENT_HASHES_MAX} document hashes` });
  documentHashes.forEach((hash, index) => {
    if (!SHA256_HEX.test(hash)) issues.push({ path: at('documentHashes', index), message: 'must be a SHA-256 digest: 64 hexadecimal digits' });
  });
  return [...new Set(documentHashes)];
}

/**
 * The invoice rules of a registration, shared with a voucher's issue and transfers (whose trade
 * background is invoices too): one to RECEIVABLE_INVOICES_MAX invoices, identifiers of letters
 * and digits, none twice, amounts valid in the currency (checked when it is known), issued by
 * today and before the due date (when it is known). Adds every problem to `issues`; the amounts
 * of invoices whose amount is not valid come back as zero.
 */
export function checkInvoices(
  input: readonly InvoiceInput[],
  currency: Currency | null,
  today: IsoDate,
  dueDate: IsoDate | null,
  at: (...path: Array<string | number>) => string[],
  issues: FieldIssue[],
): ValidInvoice[] {
  if (input.length === 0) issues.push({ path: at('invoices'), message: 'at least one invoice is required' });
  if (input.length > RECEIVABLE_INVOICES_MAX) issues.push({ path: at('invoices'), message: `at most ${RECEIVABLE_INVOICES_MAX} invoices per registration` });

  const seen = new Map<string, number>();
  const invoices: ValidInvoice[] = [];
  input.slice(0, RECEIVABLE_INVOICES_MAX).forEach((invoice, index) => {
    const invoiceCode = normaliseInvoiceIdentifier(invoice.invoiceCode);
    const invoiceNumber = normaliseInvoiceIdentifier(invoice.invoiceNumber);
    if (!INVOICE_IDENTIFIER.test(invoiceCode)) issues.push({ path: at('invoices', index, 'invoiceCode'), message: 'must be 1 to 20 letters or digits' });
    if (!INVOICE_IDENTIFIER.test(invoiceNumber)) issues.push({ path: at('invoices', index, 'invoiceNumber'), message: 'must be 1 to 20 letters or digits' });
    const key = `${invoiceCode}|${invoiceNumber}`;
    const first = seen.get(key);
    if (first !== undefined) issues.push({ path: at('invoices', index), message: `duplicates invoice ${index === first ? '' : `#${first + 1} `}(${invoiceCode} ${invoiceNumber}) in this request` });
    else seen.set(key, index);
    let amount = new Decimal(0);
    if (currency !== null) {
      const problem = amountIssue(at('invoices', index, 'amount'), invoice.amount, currency);
      if (problem) issues.push(problem);
      else amount = new Decimal(invoice.amount);
    }
    const issueDate = invoice.issueDate.trim();
    if (!isIsoDate(issueDate)) issues.push({ path: at('invoices', index, 'issueDate'), message: 'must be a date written YYYY-MM-DD' });
    else {
      if (issueDate > today) issues.push({ path: at('invoices', index, 'issueDate'), message: `must not be in the future (today is ${today})` });
      if (dueDate !== null && issueDate >= dueDate) issues.push({ path: at('invoices', index, 'issueDate'), message: `must be before the due date ${dueDate}` });
    }
    invoices.push({ invoiceCode, invoiceNumber, amount, issueDate });
  });
  return invoices;
}

/**
 * Checks a registration as far as it can be checked without the database, and reports
 * every problem at once. `now` fixes "today" (a business date in UTC+08:00).
 */
export function validateRegistration(input: RegistrationInput, now: Date): ValidRegistration {
  const issues: FieldIssue[] = [];
  const at = (...path: Array<string | number>) => ['input', ...path.map(String)];
  const today = businessDateOf(now);

  const currency = input.currency.trim().toUpperCase();
  const currencyKnown = isCurrency(currency);
  if (!currencyKnown) issues.push({ path: at('currency'), message: `currency ${JSON.stringify(input.currency)} is not supported` });

  const contractNumber = checkContractNumber(input.contractNumber, at('contractNumber'), issues);

  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey, at('idempotencyKey'), issues);

  if (currencyKnown) {
    const problem = amountIssue(at('faceAmount'), input.faceAmount, currency);
    if (problem) issues.push(problem);
  }

  const dueDate = input.dueDate.trim();
  if (!isIsoDate(dueDate)) issues.push({ path: at('dueDate'), message: 'must be a date written YYYY-MM-DD' });
  else if (dueDate <= today) issues.push({ path: at('dueDate'), message: `must be after today (${today})` });
  else if (dueDate > addDays(today, DUE_DATE_HORIZON_DAYS_MAX)) issues.push({ path: at('dueDate'), message: 'must be within five years' });

  const invoices = checkInvoices(input.invoices, currencyKnown ? currency : null, today, isIsoDate(dueDate) ? dueDate : null, at, issues);

  const documentHashes = checkDocumentHashes(input.documentHashes, at, issues);

  if (issues.length === 0 && currencyKnown) {
    const faceAmount = new Decimal(input.faceAmount);
    const total = invoices.reduce((sum, invoice) => sum.plus(invoice.amount), new Decimal(0));
    if (!total.eq(faceAmount)) {
      issues.push({ path: at('faceAmount'), message: `must equal the sum of the invoice amounts (${total.toFixed(minorUnits(currency))})` });
    } else {
      return {
        obligorCreditCode: input.obligorCreditCode.trim().toUpperCase(),
        contractNumber,
        currency,
        faceAmount,
        dueDate,
        invoices,
        documentHashes,
        idempotencyKey,
      };
    }
  }
  throw new ValidationError(issues);
}

/** A core enterprise may confirm less than the face amount (dilution), never more. */
export function validateConfirmedAmount(confirmedAmount: string | null | undefined, faceAmount: Decimal, currency: Currency): Decimal {
  if (confirmedAmount === null || confirmedAmount === undefined) return faceAmount;
  const problem = amountIssue(['confirmedAmount'], confirmedAmount, currency);
  if (problem) throw new ValidationError([problem]);
  const amount = new Decimal(confirmedAmount);
  if (amount.gt(faceAmount)) {
    throw new ValidationError([{ path: ['confirmedAmount'], message: `must not exceed the face amount ${faceAmount.toFixed(minorUnits(currency))}` }], 'AMOUNT_ABOVE_FACE');
  }
  return amount;
}

export function validateReason(reason: string, path: string[] = ['reason']): string {
  const trimmed = reason.normalize('NFC').trim();
  if (trimmed.length === 0 || trimmed.length > REASON_LENGTH_MAX) throw ValidationError.field(path, `must be 1 to ${REASON_LENGTH_MAX} characters`);
  return trimmed;
}

/** A person's decision on a receivable: the obligor confirms or rejects the debt, the supplier cancels its registration. */
export type ReceivableDecisionKind = 'CONFIRM' | 'REJECT' | 'CANCEL';

const DECIDING_SIDE: Record<ReceivableDecisionKind, { side: 'obligor' | 'supplier'; verb: string }> = {
  CONFIRM: { side: 'obligor', verb: 'confirm' },
  REJECT: { side: 'obligor', verb: 'reject' },
  CANCEL: { side: 'supplier', verb: 'cancel' },
};

/** The object half of a decision on a receivable: the caller's party is the side whose decision it is. */
export function assertMayDecideReceivable(receivable: { supplierPartyId: string; obligorPartyId: string }, kind: ReceivableDecisionKind, actor: Pick<Actor, 'partyId'>): void {
  const { side, verb } = DECIDING_SIDE[kind];
  const partyId = side === 'obligor' ? receivable.obligorPartyId : receivable.supplierPartyId;
  if (partyId === actor.partyId) return;
  throw new ForbiddenError(side === 'obligor' ? `only the obligor (the core enterprise) can ${verb} a receivable` : `only the supplier can ${verb} its receivable`);
}
