import { addDays, businessDateOf, isIsoDate, type IsoDate } from '../domain/business-date';
import { ValidationError, type FieldIssue } from '../domain/errors';
import { Decimal, formatAmount, isCurrency, type Currency } from '../domain/money';
import { amountIssue, checkContractNumber, checkIdempotencyKey, checkInvoices, DUE_DATE_HORIZON_DAYS_MAX, type InvoiceInput, type ValidInvoice } from '../domain/receivable-rules';

// The checks of a voucher's issue and of a transfer that need no database: the same contract,
// invoice and idempotency-key rules as a registration (domain/receivable-rules.ts), plus the
// amount in the voucher's currency and, for an issue, the due date.

export interface VoucherIssueInput {
  holderCreditCode: string;
  contractNumber: string;
  currency: string;
  amount: string;
  dueDate: string;
  invoices: InvoiceInput[];
  idempotencyKey: string;
}

export interface VoucherTransferInput {
  fromPartId: string;
  recipientCreditCode: string;
  contractNumber: string;
  currency: string;
  amount: string;
  invoices: InvoiceInput[];
  idempotencyKey: string;
}

export interface ValidTradeBackground {
  contractNumber: string;
  currency: Currency;
  amount: Decimal;
  invoices: ValidInvoice[];
  idempotencyKey: string;
}

export interface ValidVoucherIssue extends ValidTradeBackground {
  holderCreditCode: string;
  dueDate: IsoDate;
}

const at = (...path: Array<string | number>) => ['input', ...path.map(String)];

/**
 * The amount, the contract and the invoices of an issue or a transfer. A voucher pays for goods:
 * the invoices between the two parties must cover at least the amount (it may pay part of them).
 */
function checkTradeBackground(input: Omit<VoucherTransferInput, 'fromPartId' | 'recipientCreditCode'>, expectedCurrency: Currency | null, today: IsoDate, dueDate: IsoDate | null, issues: FieldIssue[]): ValidTradeBackground | null {
  const currency = input.currency.trim().toUpperCase();
  const known = isCurrency(currency);
  if (!known) issues.push({ path: at('currency'), message: `currency ${JSON.stringify(input.currency)} is not supported` });
  else if (expectedCurrency !== null && currency !== expectedCurrency) issues.push({ path: at('currency'), message: `must be the voucher's currency ${expectedCurrency}` });
  const contractNumber = checkContractNumber(input.contractNumber, at('contractNumber'), issues);
  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey, at('idempotencyKey'), issues);
  if (known) {
    const problem = amountIssue(at('amount'), input.amount, currency);
    if (problem) issues.push(problem);
  }
  const invoices = checkInvoices(input.invoices, known ? currency : null, today, dueDate, at, issues);
  if (issues.length > 0 || !known) return null;
  const amount = new Decimal(input.amount);
  const total = invoices.reduce((sum, invoice) => sum.plus(invoice.amount), new Decimal(0));
  if (total.lt(amount)) {
    issues.push({ path: at('amount'), message: `must not exceed the invoices of its trade background (${formatAmount(total, currency)})` });
    return null;
  }
  return { contractNumber, currency, amount, invoices, idempotencyKey };
}

/** An issue as far as it can be checked without the database; every problem at once. */
export function validateVoucherIssue(input: VoucherIssueInput, now: Date): ValidVoucherIssue {
  const issues: FieldIssue[] = [];
  const today = businessDateOf(now);
  const dueDate = input.dueDate.trim();
  if (!isIsoDate(dueDate)) issues.push({ path: at('dueDate'), message: 'must be a date written YYYY-MM-DD' });
  else if (dueDate <= today) issues.push({ path: at('dueDate'), message: `must be after today (${today})` });
  else if (dueDate > addDays(today, DUE_DATE_HORIZON_DAYS_MAX)) issues.push({ path: at('dueDate'), message: 'must be within five years' });
  const background = checkTradeBackground(input, null, today, isIsoDate(dueDate) ? dueDate : null, issues);
  if (!background || issues.length > 0) throw new ValidationError(issues);
  return { ...background, holderCreditCode: input.holderCreditCode.trim().toUpperCase(), dueDate: dueDate };
}

/** A transfer as far as it can be checked knowing its voucher's currency and due date. */
export function validateVoucherTransfer(input: VoucherTransferInput, voucher: { currency: Currency; dueDate: IsoDate }, now: Date): ValidTradeBackground & { recipientCreditCode: string } {
  const issues: FieldIssue[] = [];
  const background = checkTradeBackground(input, voucher.currency, businessDateOf(now), voucher.dueDate, issues);
  if (!background || issues.length > 0) throw new ValidationError(issues);
  return { ...background, recipientCreditCode: input.recipientCreditCode.trim().toUpperCase() };
}
