// What the financing's documents show, as plain values: amounts and rates are decimal strings,
// business dates "YYYY-MM-DD", exactly as they travel in workflow payloads. The figures are the
// ones priced by domain/pricing.ts; the documents print them and never recompute them.

import type { InvoiceLine, PartyRef } from './receivable-document-data';

export type { InvoiceLine, PartyRef } from './receivable-document-data';

export interface FinancingDocumentData {
  /** e.g. FIN-2026-00000012 */
  financingNumber: string;
  appliedAt: Date;
  /** The creditor of the receivable and the assignor (转让人). */
  supplier: PartyRef;
  /** The core enterprise that owes the receivable (债务人). */
  obligor: PartyRef;
  /** The assignee (受让人) that finances the receivable. */
  funder: PartyRef;
  receivable: {
    registrationNumber: string;
    contractNumber: string;
    faceAmount: string;
    confirmedAmount: string;
    /** YYYY-MM-DD */
    dueDate: string;
    invoices: InvoiceLine[];
  };
  currency: string;
  program: {
    code: string;
    name: string;
    /** Open (明保理): the obligor is notified; silent (暗保理): it is not, until a trigger. */
    assignmentMode: 'OPEN' | 'SILENT';
    recourse: boolean;
    /** Overdue days after which the supplier becomes liable; null without recourse. */
    recourseAfterDays: number | null;
    graceDays: number;
    /** Annual penalty rate, a decimal string: "0.18" is 18% a year. */
    penaltyRate: string;
  };
  terms: {
    principal: string;
    /** Annual rate, a decimal string: "0.06" is 6% a year. */
    annualRate: string;
    dayCount: 'ACT_360' | 'ACT_365';
    interestMode: 'UPFRONT' | 'ARREARS';
    interest: string;
    fees: string;
    netDisbursement: string;
    repaymentAtMaturity: string;
    /** A decimal string to six decimals: "0.065944" is 6.5944% a year. */
    effectiveAnnualRate: string;
    /** YYYY-MM-DD */
    valueDate: string;
    /** YYYY-MM-DD */
    dueDate: string;
    tenorDays: number;
  };
  /** 回款专户: the account the obligor must pay into once the receivable is assigned. */
  collectionAccount: { bankName: string; accountName: string; virtualAccountNumber: string };
}

export interface AcknowledgementData extends FinancingDocumentData {
  acknowledgedAt: Date;
  /** Display name of the core enterprise's user who acknowledged. */
  acknowledgedBy: string;
}

export interface FinancingTermsData extends FinancingDocumentData {
  approvedAt: Date;
  /** The maker: display name of the funder's user who approved first. */
  approvedBy: string;
  /** The checker: display name of the funder's user who confirmed the approval. */
  confirmedBy: string;
}

/** What the disbursement advice prints: `terms` are the final figures, at the day the money moved. */
/** The quote the application was priced with, assuming its own day as the value date. */
export type QuotedFigures = Pick<FinancingDocumentData['terms'], 'valueDate' | 'tenorDays' | 'interest' | 'fees' | 'netDisbursement' | 'repaymentAtMaturity' | 'effectiveAnnualRate'>;

export interface DisbursementAdviceData extends FinancingDocumentData {
  disbursedAt: Date;
  /** The quote the application was priced with, assuming its own day as the value date. */
  quoted: QuotedFigures;
  /** What the funder advanced: the principal, less interest when it is taken up front. */
  advance: string;
  /** The first payout, account number masked; null when the supplier had no payout account. */
  payout: { reference: string; beneficiaryName: string; maskedAccountNumber: string; bankName: string; amount: string } | null;
}

/** One payment applied to the financing, as the settlement statement lists it. */
export interface SettlementAllocationLine {
  allocatedAt: Date;
  /** The day the bank received the money (a recourse claim: its day), "YYYY-MM-DD": what the payment counts from. */
  valueDate: string;
  /** REPAYMENT (paid into the collection account) or RECOURSE (claimed from the supplier). */
  source: 'REPAYMENT' | 'RECOURSE';
  collected: string;
  penalty: string;
  fees: string;
  interest: string;
  principal: string;
  /** Returned to the supplier once the funder was whole. */
  surplus: string;
  /** Paid beyond the receivable's confirmed amount: the payer's, held in suspense for a refund (none when absent). */
  overpaid?: string;
}

/**
 * Why a settlement statement was issued again: money the bank received before a recourse claim,
 * read after it, had what the claim took returned to the supplier; or money received before the
 * repayment that settled the financing, read after it, had that repayment allocated again.
 */
export type SettlementReissueCause = 'RECOURSE_RETURNED' | 'REPAYMENTS_REALLOCATED';

export interface SettlementStatementData extends FinancingDocumentData {
  disbursedAt: Date;
  /** When the bank received the money that made the funder whole (a recourse claim: when it was made). */
  settledAt: Date;
  /**
   * When this version is issued: the first when the financing was settled on the platform (its
   * move to SETTLED, at or after `settledAt`), a later one when the one before it was superseded.
   */
  issuedAt: Date;
  /**
   * The payout's bank reference and the beneficiary, account number masked ("**** 1234"); what
   * reached the supplier (`amount`), and of what its bank sent back, what recourse took instead
   * of paying it out again (`nettedByRecourse`, none when absent).
   */
  payout: { reference: string; beneficiaryName: string; maskedAccountNumber: string; bankName: string; amount: string; nettedByRecourse?: string } | null;
  /** Days past the due date on which penalty interest was charged, and the total charged. */
  penaltyDays: number;
  penaltyCharged: string;
  allocations: SettlementAllocationLine[];
  /** Totals of the allocations, per bucket. */
  totals: { collected: string; penalty: string; fees: string; interest: string; principal: string; surplus: string; overpaid?: string };
  recourseClaimed: string;
  /** Penalty charged and reversed because a repayment's value date showed it was not owed (none when absent). */
  penaltyReversed?: string;
  /** A later version, issued when the figures changed after the first: which one, and why (none when absent). */
  reissue?: { version: number; cause: SettlementReissueCause };
}
