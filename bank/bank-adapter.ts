// The one door to the outside bank. A real integration (a bank's host-to-host or open-API
// channel) and the simulator in bank/simulator implement the same interface, so the disbursement
// saga, the inbound matcher and reconciliation never know which one they talk to.
//
// Rules every implementation keeps (they are the trade's hardest-won):
// - A payout is identified by the caller's `payoutReference`. Submitting the same reference again
//   never pays twice: the bank answers with what it knows of the first submission.
// - A timeout is not a failure. `submitPayout` may throw BankTimeoutError after the bank has taken
//   the instruction; the caller keeps the payout in transit and asks `queryPayout` later.
// - Amounts are decimal strings in the currency's minor units ("787200.00"), never numbers.

import type { StatementFile, StatementFileFormat } from './statement/statement-document';

export type PayoutStatus =
  /** The bank has the instruction and has not finished it. */
  | 'PENDING'
  /** Paid to the beneficiary's bank. A paid payout can still come back later as RETURNED. */
  | 'SETTLED'
  /** Refused or failed; no money left the account. `failureReason` says why. */
  | 'FAILED'
  /** Paid, then sent back, wholly or in part, by the beneficiary's bank (closed account, wrong name...). */
  | 'RETURNED';

export interface BankAccountRef {
  /** 户名 */
  accountName: string;
  /** 账号, digits only. */
  accountNumber: string;
  /** 开户行 */
  bankName: string;
}

export interface PayoutInstruction {
  /** Chosen by the caller, unique per payout and reused verbatim on every retry. At most 64 characters. */
  payoutReference: string;
  amount: string;
  currency: string;
  beneficiary: BankAccountRef;
  /** 附言, shown on the beneficiary's statement. At most 140 characters. */
  remittanceInformation: string;
}

export interface PayoutView {
  payoutReference: string;
  status: PayoutStatus;
  amount: string;
  currency: string;
  /** The bank's own id for the payout, once it has one. */
  bankReference: string | null;
  failureReason: string | null;
  /** When the bank settled it / failed it / received the return. */
  settledAt: Date | null;
  failedAt: Date | null;
  returnedAt: Date | null;
  returnReason: string | null;
  /**
   * What the beneficiary's bank sent back, present once RETURNED: the whole amount, or part of
   * it (a fee taken on the way back, part of a batch refused). What was not returned stays paid
   * out. Absent on a RETURNED view (an adapter whose bank does not say) means the whole amount.
   */
  returnedAmount?: string;
}

/** Money that arrived at the escrow account, addressed to a virtual account number. */
export interface InboundCredit {
  /** The bank's unique id for the credit: the matcher's idempotency key. */
  bankReference: string;
  /** The virtual account number the payer used (the escrow account's sub-account). */
  virtualAccountNumber: string;
  amount: string;
  currency: string;
  payerName: string;
  payerAccountNumber: string;
  remittanceInformation: string;
  receivedAt: Date;
}

export interface StatementLine {
  bankReference: string;
  direction: 'CREDIT' | 'DEBIT';
  amount: string;
  currency: string;
  /** PAYOUT and INBOUND_CREDIT_REVERSAL (the bank taking back a credit it booked in error) are debits; PAYOUT_RETURN and INBOUND_CREDIT credits. */
  kind: 'PAYOUT' | 'PAYOUT_RETURN' | 'INBOUND_CREDIT' | 'INBOUND_CREDIT_REVERSAL';
  /** The payout reference for PAYOUT and PAYOUT_RETURN lines; the virtual account number for credits and their reversals. */
  reference: string;
  bookedAt: Date;
}

export interface Statement {
  /** Business date (YYYY-MM-DD, Asia/Shanghai) the statement covers. */
  date: string;
  currency: string;
  openingBalance: string;
  closingBalance: string;
  lines: StatementLine[];
}

/** The bank did not answer in time. The instruction may or may not have been taken. */
export class BankTimeoutError extends Error {
  override readonly name = 'BankTimeoutError';
}

/** The bank is unreachable or answered with a transient error; safe to retry with the same reference. */
export class BankUnavailableError extends Error {
  override readonly name = 'BankUnavailableError';
}

/** The bank refused the request itself as malformed (never retried). */
export class BankRequestRejectedError extends Error {
  override readonly name = 'BankRequestRejectedError';
}

export interface BankAdapter {
  /**
   * Sends a payout, or answers for the one already sent under this reference (the amount and
   * beneficiary must then be the same, else BankRequestRejectedError). May throw
   * BankTimeoutError: the payout is then unknown, not failed.
   */
  submitPayout(instruction: PayoutInstruction): Promise<PayoutView>;
  /** What the bank knows of a payout; undefined when it never received that reference. */
  queryPayout(payoutReference: string): Promise<PayoutView | undefined>;
  /**
   * Inbound credits received after `cursor` (exclusive), oldest first, at most `limit`.
   * Returns the cursor to pass next time. A credit is listed once per cursor position, so a
   * consumer that stores the cursor after processing sees each credit at least once and
   * deduplicates by `bankReference`.
   */
  listInboundCredits(cursor: string | null, limit: number): Promise<{ credits: InboundCredit[]; cursor: string | null }>;
  /**
   * The platform's escrow account (存管户) at this bank in `currency`, digits only: every payout
   * leaves it, every inbound credit reaches it, and its statements alone are fetched and
   * reconciled. The worker registers it when it starts (docs/reconciliation.md, "Importing"). A
   * bank may hold each currency in an account of its own, or all of them in one.
   */
  escrowAccountNumberOf(currency: string): string;
  /** The statement of one business date (every date has one: a day without movement has no lines); lines in booking order. */
  fetchStatement(date: string, currency: string): Promise<Statement>;
  /**
   * The same day's statement as the file the bank hands over, in camt.053 or the documented CSV
   * (docs/reconciliation.md): what the daily import reads, exactly as an operator would upload it.
   */
  fetchStatementFile(date: string, currency: string, format: StatementFileFormat): Promise<StatementFile>;
}
