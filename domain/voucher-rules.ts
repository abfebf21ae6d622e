import { businessDateOf, type IsoDate } from './business-date';
import { creditCodeProblem, normaliseCreditCode, CREDIT_CODE_PROBLEM_MESSAGES } from './credit-code';
import { LimitExceededError, NotFoundError, ValidationError, WrongStateError, type FieldIssue } from './errors';
import { Decimal, formatAmount, isCurrency, type Currency } from './money';
import { LEGAL_NAME_LENGTH_MAX } from './party-rules';
import { checkPrintable } from './printable-text';
import type { AssignmentMode } from './program-rules';
import { yearlyNumber } from './numbers';
import {
  amountIssue,
  checkContractNumber,
  checkDocumentHashes,
  checkIdempotencyKey,
  checkInvoices,
  validateRegistration,
  type InvoiceInput,
  type ValidInvoice,
  type ValidRegistration,
} from './receivable-rules';

// The pure rules of vouchers (数字债权凭证; docs/workflows/voucher.md): numbers, what an issue and a
// transfer must satisfy before anything is held, a part's lineage and chain of holders, and who may
// see which part. The database and the ledger enforce the amounts again (a part's CLAIM account
// cannot be overdrawn, pending holds counted); these rules give the caller a clear answer first.

export const VOUCHER_STATUSES = ['PENDING_ACCEPTANCE', 'ACTIVE', 'REFUSED', 'EXPIRED', 'PAID', 'DEFAULTED'] as const;
export type VoucherStatus = (typeof VOUCHER_STATUSES)[number];
/** A voucher the issuer's money is shared out to: accepted, in default, or paid (an excess is held for the payer). */
export const VOUCHER_STATUSES_PAID_INTO: readonly string[] = ['ACTIVE', 'DEFAULTED', 'PAID'] satisfies readonly VoucherStatus[];

export const VOUCHER_PART_STATUSES = ['PENDING_ACCEPTANCE', 'ACTIVE', 'REFUSED', 'EXPIRED', 'FINANCING', 'FINANCED', 'PAID'] as const;
export type VoucherPartStatus = (typeof VOUCHER_PART_STATUSES)[number];

// ---------------------------------------------------------------------------------------
// Numbers: VCH-<year>-<8 digits> for a voucher, <voucher number>-<4 digits> for its parts in
// creation order (the root part is 0001).

/** Vouchers numbered in one year: the eight digits of the number. */
export const VOUCHER_SEQUENCE_MAX = 99_999_999;
/**
 * Parts of one voucher. The part sequence is written with at least four digits and widens past
 * 9999 (a voucher split into 10,000 parts is a case the platform is measured on), up to five.
 */
export const VOUCHER_PARTS_MAX = 99_999;

const VOUCHER_NUMBER = /^VCH-(\d{4})-(\d{8})$/;
const PART_NUMBER = /^(VCH-\d{4}-\d{8})-(\d{4,5})$/;

export function formatVoucherNumber(year: number, sequence: number): string {
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new RangeError(`voucher year ${year} must be a four-digit year`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > VOUCHER_SEQUENCE_MAX) throw new RangeError(`voucher sequence ${sequence} must be from 1 to ${VOUCHER_SEQUENCE_MAX}`);
  return yearlyNumber('VCH', year, sequence);
}

export function isVoucherNumber(value: string): boolean {
  const match = VOUCHER_NUMBER.exec(value);
  return match !== null && Number(match[2]) >= 1;
}

export function formatPartNumber(voucherNumber: string, sequence: number): string {
  if (!isVoucherNumber(voucherNumber)) throw new RangeError(`${JSON.stringify(voucherNumber)} is not a voucher number (VCH-<year>-<8 digits>)`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > VOUCHER_PARTS_MAX) throw new RangeError(`part sequence ${sequence} must be from 1 to ${VOUCHER_PARTS_MAX}`);
  return `${voucherNumber}-${String(sequence).padStart(4, '0')}`;
}

/** A part number as formatPartNumber writes it (so "…-00001" is not one: the sequence has no extra zero). */
export function isPartNumber(value: string): boolean {
  const match = PART_NUMBER.exec(value);
  if (!match || !isVoucherNumber(match[1] as string)) return false;
  const digits = match[2] as string;
  const sequence = Number(digits);
  return sequence >= 1 && String(sequence).padStart(4, '0') === digits;
}

/**
 * Part numbers of one voucher in creation order. They share their prefix and the sequence widens
 * past 9999, so the shorter is the earlier, and among equal lengths text order is number order.
 */
export function comparePartNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Issue (开立): the core enterprise's payable to a first holder, with the trade background of a
// receivable. The same rules as a registration (receivable-rules.ts), the core being the obligor.

export interface VoucherIssueInput {
  /** The first holder (tier 1), by its unified social credit code. */
  holderCreditCode: string;
  /** Its registered name: required when no party has the code yet, checked against the party's when one has. */
  holderName?: string | null;
  contractNumber: string;
  currency: string;
  amount: string;
  dueDate: string;
  invoices: InvoiceInput[];
  documentHashes?: string[] | null;
  idempotencyKey: string;
}

export interface ValidVoucherIssue {
  holderCreditCode: string;
  /** Normalised as a party's legal name is; null when not given. */
  holderName: string | null;
  contractNumber: string;
  currency: Currency;
  amount: Decimal;
  dueDate: IsoDate;
  invoices: ValidInvoice[];
  documentHashes: string[];
  idempotencyKey: string;
}

function creditCodeIssue(value: string, path: string[]): { code: string; issue?: FieldIssue } {
  const code = normaliseCreditCode(value);
  const problem = creditCodeProblem(code);
  return problem ? { code, issue: { path, message: CREDIT_CODE_PROBLEM_MESSAGES[problem] } } : { code };
}

/**
 * Checks an issue as far as it can be checked without the database, and reports every problem
 * at once: the amount, currency, due date (after today in business time, within five years),
 * contract number, invoices (their total is the amount, as a registration's is its face amount)
 * and document digests exactly as for a registration, and a first holder that is not the issuer
 * (VOUCHER_ISSUE_TO_SELF). The registry check of the invoices is the store's.
 */
export function validateVoucherIssue(input: VoucherIssueInput, issuer: { creditCode: string }, now: Date): ValidVoucherIssue {
  const issues: FieldIssue[] = [];
  let code = 'VALIDATION_FAILED';
  const holder = creditCodeIssue(input.holderCreditCode, ['input', 'holderCreditCode']);
  const holderName = recipientNameOf(input.holderName, ['input', 'holderName'], issues);
  if (holder.issue) issues.push(holder.issue);
  else if (holder.code === normaliseCreditCode(issuer.creditCode)) {
    issues.push({ path: ['input', 'holderCreditCode'], message: 'the first holder must be another party than the issuing core enterprise' });
    code = 'VOUCHER_ISSUE_TO_SELF';
  }
  let registration: ValidRegistration | undefined;
  try {
    registration = validateRegistration(
      {
        obligorCreditCode: issuer.creditCode,
        contractNumber: input.contractNumber,
        currency: input.currency,
        faceAmount: input.amount,
        dueDate: input.dueDate,
        invoices: input.invoices,
        documentHashes: input.documentHashes ?? null,
        idempotencyKey: input.idempotencyKey,
      },
      now,
    );
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // The registration's field is the face amount; a voucher's is its amount.
    issues.push(...error.issues.map((issue) => (issue.path[1] === 'faceAmount' ? { ...issue, path: ['input', 'amount', ...issue.path.slice(2)] } : issue)));
  }
  if (issues.length > 0 || registration === undefined) throw new ValidationError(issues, code);
  return {
    holderCreditCode: holder.code,
    holderName,
    contractNumber: registration.contractNumber,
    currency: registration.currency,
    amount: registration.faceAmount,
    dueDate: registration.dueDate,
    invoices: registration.invoices,
    documentHashes: registration.documentHashes,
    idempotencyKey: registration.idempotencyKey,
  };
}

// ---------------------------------------------------------------------------------------
// The recipient (of an issue or a transfer): a party on the platform, or a company not yet
// registered, named by its credit code and registered name, which the offer waits for.

/** A company name as a party's legal name is stored (party-rules.ts): NFC, trimmed, single spaces. */
function normaliseCompanyName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/** The recipient's name as given, normalised; null when not given, an issue when it could not be a legal name (blank, too long, unprintable). */
function recipientNameOf(value: string | null | undefined, path: string[], issues: FieldIssue[]): string | null {
  if (value === null || value === undefined) return null;
  const name = normaliseCompanyName(value);
  if (name.length === 0) issues.push({ path, message: 'must not be blank: leave it out, or give the registered name of the company' });
  else if ([...name].length > LEGAL_NAME_LENGTH_MAX) issues.push({ path, message: `must be at most ${LEGAL_NAME_LENGTH_MAX} characters` });
  // The offer waits for the company to register under this name, and a legal name is one the documents print.
  checkPrintable(name, path, issues);
  return name;
}

/**
 * Two spellings of one registered name: full-width and half-width forms (（）and (), ＡＢＣ and
 * ABC) are the same characters to a person reading the name, so NFKC folds them; nothing else is
 * forgiven, so a typo is not.
 */
export function sameCompanyName(a: string, b: string): boolean {
  const fold = (name: string) => normaliseCompanyName(name).normalize('NFKC').replace(/\s+/g, ' ');
  return fold(a) === fold(b);
}

export type Recipient = { registered: true } | { registered: false; creditCode: string; name: string };

/**
 * Who an issue or a transfer goes to, given the party registered with the credit code (null when
 * none is). A party: the name, when given, must be its registered name (RECIPIENT_NAME_MISMATCH),
 * so a mistyped code does not send a claim to another company; the registered name is not told.
 * No party: the name is required (RECIPIENT_NOT_REGISTERED without it), and the offer waits for
 * the company to register under that code.
 */
export function resolveRecipient(registered: { legalName: string } | null, named: { creditCode: string; name: string | null }, field: 'recipient' | 'holder'): Recipient {
  const at = (suffix: string) => ['input', `${field}${suffix}`];
  if (registered) {
    if (named.name !== null && !sameCompanyName(registered.legalName, named.name)) {
      throw ValidationError.field(at('Name'), `the company registered with credit code ${named.creditCode} has another registered name than ${JSON.stringify(named.name)}: check the code and the name`, 'RECIPIENT_NAME_MISMATCH');
    }
    return { registered: true };
  }
  if (named.name === null) {
    throw ValidationError.field(at('CreditCode'), `no party with credit code ${named.creditCode} is registered on the platform: give the company's registered name (${field}Name) to offer it the voucher before it registers`, 'RECIPIENT_NOT_REGISTERED');
  }
  return { registered: false, creditCode: named.creditCode, name: named.name };
}

// ---------------------------------------------------------------------------------------
// Transfer (拆分流转): a holder pays a supplier of its own with part of its available amount.

export interface VoucherTransferInput {
  /** The recipient, by its unified social credit code: it need not be enrolled anywhere yet. */
  recipientCreditCode: string;
  /** Its registered name: required when no party has the code yet, checked against the party's when one has. */
  recipientName?: string | null;
  amount: string;
  currency: string;
  /** The trade background: the contract between the transferor (buyer) and the recipient (seller). */
  contractNumber: string;
  /** Invoices issued by the recipient to the transferor under that contract. */
  invoices: InvoiceInput[];
  documentHashes?: string[] | null;
  idempotencyKey: string;
}

export interface ValidVoucherTransfer {
  recipientCreditCode: string;
  /** Normalised as a party's legal name is; null when not given. */
  recipientName: string | null;
  amount: Decimal;
  currency: Currency;
  contractNumber: string;
  invoices: ValidInvoice[];
  documentHashes: string[];
  idempotencyKey: string;
}

/** What a transfer is checked against: the voucher and the part it comes from, as read (under lock) by the caller. */
export interface VoucherTransferContext {
  /** `issuerCreditCode`: the core enterprise that owes the voucher, which no part may be transferred to. */
  voucher: { status: VoucherStatus; currency: Currency; dueDate: IsoDate; issuerCreditCode: string };
  part: {
    status: VoucherPartStatus;
    /** The transferor: the part's holder. */
    holderCreditCode: string;
    /** The part's CLAIM account's available balance: held amount less pending holds (other transfers proposed, a financing applied). */
    availableAmount: string;
  };
}

const TO_ISSUER_MESSAGE = "the voucher's issuer cannot hold its own voucher: transfer to another party";

/**
 * The closing reason of an offer to the voucher's issuer proposed before VOUCHER_TRANSFER_TO_ISSUER
 * existed: it can no longer complete, so its approval or acceptance ends it instead.
 */
export const TRANSFER_TO_ISSUER_REASON = "offered to the voucher's issuer, which cannot hold its own voucher (VOUCHER_TRANSFER_TO_ISSUER)";

/**
 * VOUCHER_TRANSFER_TO_ISSUER on the recipient's credit code, as a proposal is refused: the answer
 * too to the approval or acceptance of an offer to the issuer proposed before the rule.
 */
export function transferToIssuerError(): ValidationError {
  return ValidationError.field(['input', 'recipientCreditCode'], TO_ISSUER_MESSAGE, 'VOUCHER_TRANSFER_TO_ISSUER');
}

/**
 * Checks a transfer before its amount is held, in three steps, each with its own error:
 *
 * 1. the input (ValidationError, every problem at once): a valid recipient that is neither the
 *    transferor (VOUCHER_TRANSFER_TO_SELF) nor the voucher's issuer (VOUCHER_TRANSFER_TO_ISSUER:
 *    it would hold a claim on itself, could finance it, and would be paid its own payment at
 *    maturity), an amount positive within the currency's decimals, the voucher's currency
 *    (CURRENCY_MISMATCH), a contract number and one to RECEIVABLE_INVOICES_MAX
 *    invoices under the registration's rules (issued by today, before the voucher's due date), and
 *    an invoice total of at least the amount (INVOICES_BELOW_TRANSFER_AMOUNT): a payment needs a
 *    debt at least as large behind it, as a registration's face amount is its invoices' total;
 * 2. the state (WrongStateError): the voucher and the part ACTIVE (a part being financed or
 *    financed is assigned and cannot move), and today before the due date (DEADLINE_PASSED: a
 *    claim falling due today is paid by distribution, not transferred);
 * 3. the amount against the part's available amount (LimitExceededError
 *    EXCEEDS_AVAILABLE_AMOUNT, as the ledger's own refusal is answered).
 */
export function validateVoucherTransfer(input: VoucherTransferInput, context: VoucherTransferContext, now: Date): ValidVoucherTransfer {
  const valid = validateVoucherTransferInput(input, { voucher: context.voucher, holderCreditCode: context.part.holderCreditCode }, now);
  assertTransferable(valid.amount, context, now);
  return valid;
}

/**
 * The first step of validateVoucherTransfer alone: what can be checked before the store looks for
 * an earlier request with the same key (a repeat of a transfer already accepted must find it, not
 * be refused because the part has moved on).
 */
export function validateVoucherTransferInput(
  input: VoucherTransferInput,
  context: { voucher: Pick<VoucherTransferContext['voucher'], 'currency' | 'dueDate' | 'issuerCreditCode'>; holderCreditCode: string },
  now: Date,
): ValidVoucherTransfer {
  const issues: FieldIssue[] = [];
  let code = 'VALIDATION_FAILED';
  const at = (...path: Array<string | number>) => ['input', ...path.map(String)];
  const today = businessDateOf(now);
  const { voucher } = context;

  const recipient = creditCodeIssue(input.recipientCreditCode, at('recipientCreditCode'));
  const recipientName = recipientNameOf(input.recipientName, at('recipientName'), issues);
  if (recipient.issue) issues.push(recipient.issue);
  else if (recipient.code === normaliseCreditCode(context.holderCreditCode)) {
    issues.push({ path: at('recipientCreditCode'), message: 'a holder cannot transfer a voucher to itself' });
    code = 'VOUCHER_TRANSFER_TO_SELF';
  } else if (recipient.code === normaliseCreditCode(voucher.issuerCreditCode)) {
    issues.push({ path: at('recipientCreditCode'), message: TO_ISSUER_MESSAGE });
    code = 'VOUCHER_TRANSFER_TO_ISSUER';
  }

  const currency = input.currency.trim().toUpperCase();
  if (!isCurrency(currency)) issues.push({ path: at('currency'), message: `currency ${JSON.stringify(input.currency)} is not supported` });
  else if (currency !== voucher.currency) {
    issues.push({ path: at('currency'), message: `the voucher is in ${voucher.currency}, not ${currency}` });
    if (code === 'VALIDATION_FAILED') code = 'CURRENCY_MISMATCH';
  }
  const amountProblem = amountIssue(at('amount'), input.amount, voucher.currency);
  if (amountProblem) issues.push(amountProblem);

  const contractNumber = checkContractNumber(input.contractNumber, at('contractNumber'), issues);
  const invoices = checkInvoices(input.invoices, voucher.currency, today, voucher.dueDate, at, issues);
  const documentHashes = checkDocumentHashes(input.documentHashes, at, issues);
  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey, at('idempotencyKey'), issues);

  if (issues.length === 0) {
    const amount = new Decimal(input.amount);
    const invoiceTotal = invoices.reduce((sum, invoice) => sum.plus(invoice.amount), new Decimal(0));
    if (invoiceTotal.lt(amount)) {
      issues.push({
        path: at('invoices'),
        message: `the invoices total ${formatAmount(invoiceTotal, voucher.currency)} ${voucher.currency}, less than the ${formatAmount(amount, voucher.currency)} transferred`,
      });
      code = 'INVOICES_BELOW_TRANSFER_AMOUNT';
    }
  }
  if (issues.length > 0) throw new ValidationError(issues, code);
  return { recipientCreditCode: recipient.code, recipientName, amount: new Decimal(input.amount), currency: voucher.currency, contractNumber, invoices, documentHashes, idempotencyKey };
}

/** Whether any part of the voucher may be offered now: the voucher ACTIVE, and today before its due date. */
export function assertVoucherTransferable(voucher: { status: string; dueDate: IsoDate }, now: Date): void {
  if (voucher.status !== 'ACTIVE') throw new WrongStateError(`cannot transfer a part of a voucher that is ${voucher.status}`, voucher.status);
  assertBeforeDueDate('transfer', voucher.dueDate, now, voucher.status);
}

/** The second and third steps of validateVoucherTransfer: the voucher's and the part's state, then the amount available. */
export function assertTransferable(amount: Decimal, context: VoucherTransferContext, now: Date): void {
  const { voucher, part } = context;
  assertVoucherTransferable(voucher, now);
  if (part.status !== 'ACTIVE') throw new WrongStateError(`cannot transfer from a part that is ${part.status}`, part.status);
  const available = new Decimal(part.availableAmount);
  if (amount.gt(available)) throw exceedsAvailableAmount(available, amount, voucher.currency);
}

/**
 * A claim falling due is paid by distribution, not moved: from the voucher's due date on (a
 * business date), no part of it is offered, and no offer or issue is accepted
 * (DEADLINE_PASSED, `currentState` the state of what was asked).
 */
export function assertBeforeDueDate(act: 'transfer' | 'accept', dueDate: IsoDate, now: Date, currentState: string): void {
  const today = businessDateOf(now);
  if (today >= dueDate) {
    throw new WrongStateError(`cannot ${act} a voucher due on ${dueDate} on or after that day (today is ${today}): it is paid by distribution`, currentState, 'DEADLINE_PASSED');
  }
}

/** The refusal of a transfer beyond what its part has available; the ledger's own refusal is answered the same way. */
export function exceedsAvailableAmount(available: Decimal, amount: Decimal, currency: Currency): LimitExceededError {
  return new LimitExceededError(
    'EXCEEDS_AVAILABLE_AMOUNT',
    `the part has ${formatAmount(available, currency)} ${currency} available (held, less transfers and financing pending), less than the ${formatAmount(amount, currency)} to transfer`,
  );
}

// ---------------------------------------------------------------------------------------
// Lineage: every part knows its way back to the issued voucher.

export interface LineageRow {
  id: string;
  /** Null for the root part (tier 1), created by the issue. */
  parentPartId: string | null;
  tier: number;
  partNumber: string;
}

export type LineageNode<T extends LineageRow> = T & { children: Array<LineageNode<T>> };

/**
 * A broken lineage (a parent missing, a tier that is not its parent's plus one, two roots) means
 * the rows read are not one voucher's, or the database was changed by hand: an invariant, so a
 * plain Error that stops the caller rather than a rule violation to show a user.
 */
function lineageBroken(message: string): Error {
  return new Error(`voucher lineage broken: ${message}`);
}

/**
 * Builds the tree of `rows` (all of a voucher's parts, or a connected subset of them such as the
 * parts one caller may see): the one row whose parent is not among them is the root, and each
 * other row hangs under its parent, children in part-number order. In one pass over the rows,
 * without recursion, so a voucher of 10,000 parts and any depth builds in linear time.
 */
export function buildLineageTree<T extends LineageRow>(rows: readonly T[]): LineageNode<T> {
  if (rows.length === 0) throw lineageBroken('no parts');
  const nodes = new Map<string, LineageNode<T>>();
  for (const row of rows) {
    if (nodes.has(row.id)) throw lineageBroken(`part ${row.id} appears twice`);
    nodes.set(row.id, { ...row, children: [] });
  }
  let root: LineageNode<T> | undefined;
  for (const node of nodes.values()) {
    const parent = node.parentPartId === null ? undefined : nodes.get(node.parentPartId);
    if (parent === undefined) {
      if (root !== undefined) throw lineageBroken(`parts ${root.id} and ${node.id} both lack a parent among the rows`);
      if (node.parentPartId === null && node.tier !== 1) throw lineageBroken(`root part ${node.id} is at tier ${node.tier}, not 1`);
      root = node;
      continue;
    }
    // Tiers growing by one along every edge also rule out a cycle.
    if (node.tier !== parent.tier + 1) throw lineageBroken(`part ${node.id} is at tier ${node.tier} under part ${parent.id} at tier ${parent.tier}`);
    parent.children.push(node);
  }
  if (root === undefined) throw lineageBroken('no root part');
  for (const node of nodes.values()) node.children.sort((a, b) => comparePartNumbers(a.partNumber, b.partNumber));
  return root;
}

/**
 * The chain of holders from the voucher's root part down to `partId` (the transfer certificate's
 * "chain of holders"): the rows in tier order, root first, the part last.
 */
export function holderChain<T extends LineageRow>(rows: readonly T[], partId: string): T[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const chain: T[] = [];
  let current = byId.get(partId);
  if (current === undefined) throw lineageBroken(`part ${partId} is not among the rows`);
  while (current !== undefined) {
    chain.push(current);
    if (current.parentPartId === null) {
      if (current.tier !== 1) throw lineageBroken(`root part ${current.id} is at tier ${current.tier}, not 1`);
      return chain.reverse();
    }
    const parent = byId.get(current.parentPartId);
    if (parent === undefined) throw lineageBroken(`part ${current.id}'s parent ${current.parentPartId} is not among the rows`);
    if (current.tier !== parent.tier + 1) throw lineageBroken(`part ${current.id} is at tier ${current.tier} under part ${parent.id} at tier ${parent.tier}`);
    current = parent;
  }
  throw lineageBroken('unreachable');
}

// ---------------------------------------------------------------------------------------
// Confidentiality (docs/workflows/voucher.md, "Who sees what").

export interface VisibilityPart extends LineageRow {
  holderPartyId: string;
  holderName: string;
}

/** A financing that holds or holds assigned a part: its funder and how the part was assigned. */
export interface VisibilityFinancing {
  partId: string;
  funderPartyId: string;
  funderName: string;
  assignmentMode: AssignmentMode;
}

export interface VisibilityInput {
  caller: { partyId: string; operator: boolean };
  voucher: { issuerPartyId: string };
  /** Every part of the voucher. */
  parts: readonly VisibilityPart[];
  /** The financings applied for or disbursed on its parts (not those that ended before disbursement). */
  financings: readonly VisibilityFinancing[];
}

/** Why the caller sees a part; a part seen for several reasons names the first in this order. */
export type VisibilityReason = 'OPERATOR' | 'ISSUER' | 'HOLDER' | 'FUNDER' | 'ANCESTOR' | 'OWN_TRANSFER';

export interface VisiblePart {
  partId: string;
  holderPartyId: string;
  holderName: string;
  /** The funder the part is assigned to, when the caller may know it; null otherwise (also when there is none). */
  assignee: { funderPartyId: string; funderName: string; assignmentMode: AssignmentMode } | null;
  reason: VisibilityReason;
}

const REASON_ORDER: readonly VisibilityReason[] = ['OPERATOR', 'ISSUER', 'HOLDER', 'FUNDER', 'ANCESTOR', 'OWN_TRANSFER'];

/**
 * The parts of one voucher the caller may see, each with its holder and, where the caller may
 * know it, its assignee (the funder financing it). In part-number order; empty when the caller may
 * see nothing of the voucher (the caller answers NOT_FOUND: see assertVoucherVisible).
 *
 * - An operator sees everything.
 * - The issuer (the core enterprise) sees every part and its holder (it owes them), and the
 *   assignee only under OPEN assignment: it never learns the funder of a silently assigned part,
 *   nor that there is one.
 * - A holder sees its own parts (with their assignee, since it is that financing's supplier), the
 *   ancestors of its parts (the chain it received through: its transfer certificate shows them)
 *   and the parts its own transfers created; not its siblings, nor what its recipients passed on.
 * - A funder sees the parts it finances (itself as their assignee) and their ancestors.
 * - Ancestors and recipients are shown without assignee: their financing is between them and
 *   their funder.
 */
export function visibleParts(input: VisibilityInput): VisiblePart[] {
  const { caller, voucher, parts, financings } = input;
  const byId = new Map(parts.map((part) => [part.id, part]));
  const financingOf = new Map<string, VisibilityFinancing>();
  for (const financing of financings) {
    if (financingOf.has(financing.partId)) throw new Error(`part ${financing.partId} has two financings applied for or disbursed`);
    financingOf.set(financing.partId, financing);
  }
  const seen = new Map<string, { reason: VisibilityReason; assigneeVisible: boolean }>();
  const grant = (partId: string, reason: VisibilityReason, assigneeVisible: boolean) => {
    const before = seen.get(partId);
    const first = before === undefined || REASON_ORDER.indexOf(reason) < REASON_ORDER.indexOf(before.reason) ? reason : before.reason;
    seen.set(partId, { reason: first, assigneeVisible: assigneeVisible || (before?.assigneeVisible ?? false) });
  };
  const grantAncestors = (part: VisibilityPart) => {
    // Bounded by the number of parts: a lineage with a cycle is broken data, not a reason to spin.
    let parentId = part.parentPartId;
    for (let steps = 0; parentId !== null; steps += 1) {
      if (steps > parts.length) throw lineageBroken(`the ancestors of part ${part.id} form a cycle`);
      const parent = byId.get(parentId);
      if (parent === undefined) throw lineageBroken(`part ${part.id}'s ancestor ${parentId} is not among the parts`);
      grant(parent.id, 'ANCESTOR', false);
      parentId = parent.parentPartId;
    }
  };

  for (const part of parts) {
    const financing = financingOf.get(part.id);
    if (caller.operator) grant(part.id, 'OPERATOR', true);
    if (caller.partyId === voucher.issuerPartyId) grant(part.id, 'ISSUER', financing?.assignmentMode === 'OPEN');
    if (part.holderPartyId === caller.partyId) {
      grant(part.id, 'HOLDER', true);
      grantAncestors(part);
    }
    if (financing?.funderPartyId === caller.partyId) {
      grant(part.id, 'FUNDER', true);
      grantAncestors(part);
    }
    if (part.parentPartId !== null && byId.get(part.parentPartId)?.holderPartyId === caller.partyId) grant(part.id, 'OWN_TRANSFER', false);
  }

  return parts
    .filter((part) => seen.has(part.id))
    .sort((a, b) => comparePartNumbers(a.partNumber, b.partNumber))
    .map((part) => {
      const { reason, assigneeVisible } = seen.get(part.id) as { reason: VisibilityReason; assigneeVisible: boolean };
      const financing = financingOf.get(part.id);
      return {
        partId: part.id,
        holderPartyId: part.holderPartyId,
        holderName: part.holderName,
        assignee: assigneeVisible && financing ? { funderPartyId: financing.funderPartyId, funderName: financing.funderName, assignmentMode: financing.assignmentMode } : null,
        reason,
      };
    });
}

/** The parts the caller may see, or NOT_FOUND when none: another party's voucher is indistinguishable from no voucher. */
export function assertVoucherVisible(voucherId: string, input: VisibilityInput): VisiblePart[] {
  const parts = visibleParts(input);
  if (parts.length === 0) throw new NotFoundError('Voucher', voucherId);
  return parts;
}

/**
 * A part's state as shown to a caller who may not know its assignee: being financed or financed
 * is shown as ACTIVE, since the state alone would tell the core enterprise of a silent assignment
 * (and a holder of its ancestor's or recipient's financing).
 */
export function partStatusAsSeen(status: VoucherPartStatus, assigneeVisible: boolean): VoucherPartStatus {
  if (assigneeVisible) return status;
  return status === 'FINANCING' || status === 'FINANCED' ? 'ACTIVE' : status;
}
