import { daysBetween, type IsoDate } from './business-date';
import { Decimal, formatAmount, type Currency } from './money';

// The daily reconciliation report (余额调节表): the proof, for one accounting day and currency,
// that the ledger equals the bank (docs/reconciliation.md, "The identity, every day"). Pure: the
// store reads the figures, this adds them up. Every figure leaves as a decimal string with the
// currency's minor unit.

/**
 * The open differences a report names one line each, oldest first; any beyond are summed into
 * one line per outcome, so a day with a flood of differences still gives a report of bounded
 * size that adds up.
 */
export const REPORT_ITEM_LINES_MAX = 500;

/** Where a ledger account's day-end balance sits in the identity. */
export type ReportPart = 'CUSTOMER' | 'PLATFORM' | 'IN_TRANSIT' | 'SUSPENSE';

/** The report's line codes, in the order the report lists them. */
export type ReportLineCode =
  | 'BANK_OPENING'
  | 'BANK_CREDITS'
  | 'BANK_DEBITS'
  | 'BANK_CLOSING'
  | 'SUPPLIER_SETTLEMENT'
  | 'FUNDER_FUNDING'
  | 'CORE_REPAYMENT'
  | 'COLLECTION'
  | 'FEE_INCOME'
  | 'PLATFORM_OTHER'
  | 'PAYOUT_IN_TRANSIT'
  | 'INBOUND_CLEARING'
  | 'SUSPENSE'
  | 'LEDGER_ESCROW_BANK'
  | 'BANK_ONLY'
  | 'LEDGER_ONLY'
  | 'CUT_OFF_TIMING'
  | 'EXPLAINED_CLOSING'
  | 'UNEXPLAINED_DIFFERENCE';

/** The parts of the escrow, by account purpose; any other MONEY account in the escrow is the platform's. */
const PART_OF_PURPOSE: Record<string, { code: ReportLineCode; part: ReportPart }> = {
  SUPPLIER_SETTLEMENT: { code: 'SUPPLIER_SETTLEMENT', part: 'CUSTOMER' },
  FUNDER_FUNDING: { code: 'FUNDER_FUNDING', part: 'CUSTOMER' },
  CORE_REPAYMENT: { code: 'CORE_REPAYMENT', part: 'CUSTOMER' },
  COLLECTION: { code: 'COLLECTION', part: 'CUSTOMER' },
  FEE_INCOME: { code: 'FEE_INCOME', part: 'PLATFORM' },
  PAYOUT_IN_TRANSIT: { code: 'PAYOUT_IN_TRANSIT', part: 'IN_TRANSIT' },
  INBOUND_CLEARING: { code: 'INBOUND_CLEARING', part: 'IN_TRANSIT' },
  SUSPENSE: { code: 'SUSPENSE', part: 'SUSPENSE' },
};

const LABELS: Record<ReportLineCode, string> = {
  BANK_OPENING: '银行期初余额 Bank opening balance',
  BANK_CREDITS: '银行入账 Bank credits',
  BANK_DEBITS: '银行出账 Bank debits',
  BANK_CLOSING: '银行期末余额 Bank closing balance',
  SUPPLIER_SETTLEMENT: '供应商结算户 Supplier settlement accounts',
  FUNDER_FUNDING: '资金方出资户 Funder funding accounts',
  CORE_REPAYMENT: '核心企业还款户 Core repayment accounts',
  COLLECTION: '回款专户 Collection accounts',
  FEE_INCOME: '平台服务费收入 Platform fee income',
  PLATFORM_OTHER: '平台其他资金 Other platform money',
  PAYOUT_IN_TRANSIT: '在途付款 Payouts in transit',
  INBOUND_CLEARING: '待清分来账 Inbound clearing',
  SUSPENSE: '挂账 Suspense',
  LEDGER_ESCROW_BANK: '账面托管账户余额 Ledger escrow bank balance',
  BANK_ONLY: '银行已记平台未记 Bank only',
  LEDGER_ONLY: '平台已记银行未记 Ledger only',
  CUT_OFF_TIMING: '日切在途 In transit over the cut-off',
  EXPLAINED_CLOSING: '调节后余额 Explained closing balance',
  UNEXPLAINED_DIFFERENCE: '未解释差额 Unexplained difference',
};

export interface ReportAccountBalance {
  purpose: string;
  /** The account's day-end posted balances, as stored when the day closed. */
  debitsPosted: Decimal;
  creditsPosted: Decimal;
}

/**
 * How an item enters a day's report. BANK_ONLY: a line of the day's statement or an earlier one
 * the ledger had not booked by the day's cut-off and had not matched by the day's import.
 * LEDGER_ONLY: ledger activity before the cut-off no statement of the day or before shows.
 * CUT_OFF_TIMING: a line of the day's statement (or an earlier one) matched to a ledger booking
 * dated at or after the day's cut-off: the bank's day runs to midnight and the accounting day
 * to the cut-off, so a movement between them is on the day's statement and in the next day's
 * ledger (a timing difference, explained, not a difference to resolve).
 */
export type ReportItemOutcome = 'BANK_ONLY' | 'LEDGER_ONLY' | 'CUT_OFF_TIMING';

/** What a statement line is (docs/reconciliation.md, "Statement formats"). */
export type StatementLineKind = 'PAYOUT' | 'PAYOUT_RETURN' | 'INBOUND_CREDIT' | 'INBOUND_CREDIT_REVERSAL';

/** The kinds of line that take money out of the escrow account: a payout, and the bank taking back a credit it booked in error. */
export function isDebitKind(kind: StatementLineKind): boolean {
  return kind === 'PAYOUT' || kind === 'INBOUND_CREDIT_REVERSAL';
}

/**
 * The money effect on the bank's balance of what an item names: a credit adds, a payout or a
 * reversal takes away. BANK_ONLY items add it (the bank has it, the ledger not), LEDGER_ONLY
 * items subtract it (the ledger has it, the bank not): a payout the ledger settled and the bank
 * never paid leaves the bank with more than the ledger, so it adds back. A movement in transit
 * over the cut-off (CUT_OFF_TIMING) is, for the day, one the bank has and the ledger not yet.
 */
export function bankEffectOf(item: { outcome: string; kind: StatementLineKind; amount: Decimal }): Decimal {
  const signed = isDebitKind(item.kind) ? item.amount.negated() : item.amount;
  return item.outcome === 'LEDGER_ONLY' ? signed.negated() : signed;
}

export interface ReportItem {
  itemId: string;
  outcome: ReportItemOutcome;
  kind: StatementLineKind;
  amount: Decimal;
  /** The bank reference of its line (BANK_ONLY, CUT_OFF_TIMING) or the payout reference / credit reference (LEDGER_ONLY). */
  reference: string;
  firstStatementDate: IsoDate;
}

export interface ReconciliationReportInput {
  businessDate: IsoDate;
  currency: Currency;
  statement: { openingBalance: Decimal; closingBalance: Decimal; credits: Decimal; debits: Decimal };
  accounts: ReportAccountBalance[];
  items: ReportItem[];
}

export interface ReportLine {
  position: number;
  code: ReportLineCode;
  label: string;
  /** Signed as it enters the sum it belongs to. */
  amount: string;
  reference: string | null;
  itemId: string | null;
  /** Days since the item's first statement, for difference lines. */
  ageDays: number | null;
}

export interface ReconciliationReportFigures {
  businessDate: IsoDate;
  currency: Currency;
  openingBalance: string;
  bankCredits: string;
  bankDebits: string;
  closingBalance: string;
  /** Opening plus credits minus debits equals the closing balance. */
  bankMovementsAddUp: boolean;
  customerBalance: string;
  platformBalance: string;
  inTransitBalance: string;
  suspenseBalance: string;
  ledgerEscrowBalance: string;
  /** The ledger's escrow bank account equals the sum of its parts (账账相符). */
  ledgerEscrowEqualsParts: boolean;
  bankOnlyTotal: string;
  ledgerOnlyTotal: string;
  /** The movements on the statement the ledger books after the day's cut-off (absent from reports made before they were itemised). */
  cutOffTimingTotal?: string;
  explainedClosingBalance: string;
  unexplainedDifference: string;
  balanced: boolean;
  lines: ReportLine[];
}

/** A credit-normal account's balance (what the platform owes or holds for someone). */
function owed(account: ReportAccountBalance): Decimal {
  return account.creditsPosted.minus(account.debitsPosted);
}

export function computeReconciliationReport(input: ReconciliationReportInput): ReconciliationReportFigures {
  const { currency } = input;
  const zero = new Decimal(0);
  const fmt = (value: Decimal) => formatAmount(value, currency);
  const lines: ReportLine[] = [];
  const line = (code: ReportLineCode, amount: Decimal, extra: Partial<Pick<ReportLine, 'reference' | 'itemId' | 'ageDays' | 'label'>> = {}) => {
    lines.push({ position: lines.length + 1, code, label: extra.label ?? LABELS[code], amount: fmt(amount), reference: extra.reference ?? null, itemId: extra.itemId ?? null, ageDays: extra.ageDays ?? null });
  };

  const { openingBalance, closingBalance, credits, debits } = input.statement;
  line('BANK_OPENING', openingBalance);
  line('BANK_CREDITS', credits);
  line('BANK_DEBITS', debits.negated());
  line('BANK_CLOSING', closingBalance);

  const byCode = new Map<ReportLineCode, Decimal>();
  const byPart = new Map<ReportPart, Decimal>();
  let escrow = zero;
  for (const account of input.accounts) {
    if (account.purpose === 'ESCROW_BANK') {
      escrow = escrow.plus(account.debitsPosted.minus(account.creditsPosted));
      continue;
    }
    const place = PART_OF_PURPOSE[account.purpose] ?? { code: 'PLATFORM_OTHER' as const, part: 'PLATFORM' as const };
    byCode.set(place.code, (byCode.get(place.code) ?? zero).plus(owed(account)));
    byPart.set(place.part, (byPart.get(place.part) ?? zero).plus(owed(account)));
  }
  const partCodes: ReportLineCode[] = ['SUPPLIER_SETTLEMENT', 'FUNDER_FUNDING', 'CORE_REPAYMENT', 'COLLECTION', 'FEE_INCOME', 'PLATFORM_OTHER', 'PAYOUT_IN_TRANSIT', 'INBOUND_CLEARING', 'SUSPENSE'];
  for (const code of partCodes) line(code, byCode.get(code) ?? zero);
  const parts = [...byPart.values()].reduce((sum, value) => sum.plus(value), zero);
  line('LEDGER_ESCROW_BANK', escrow);

  const totals: Record<ReportItemOutcome, Decimal> = { BANK_ONLY: zero, LEDGER_ONLY: zero, CUT_OFF_TIMING: zero };
  const items = [...input.items].sort((a, b) => a.firstStatementDate.localeCompare(b.firstStatementDate) || a.reference.localeCompare(b.reference) || a.itemId.localeCompare(b.itemId));
  const rest: Record<ReportItemOutcome, { count: number; sum: Decimal }> = { BANK_ONLY: { count: 0, sum: zero }, LEDGER_ONLY: { count: 0, sum: zero }, CUT_OFF_TIMING: { count: 0, sum: zero } };
  items.forEach((item, index) => {
    const effect = bankEffectOf(item);
    totals[item.outcome] = totals[item.outcome].plus(effect);
    if (index >= REPORT_ITEM_LINES_MAX) {
      rest[item.outcome].count += 1;
      rest[item.outcome].sum = rest[item.outcome].sum.plus(effect);
      return;
    }
    line(item.outcome, effect, {
      label: `${LABELS[item.outcome]}: ${item.kind} ${item.reference}`,
      reference: item.reference,
      itemId: item.itemId,
      ageDays: daysBetween(item.firstStatementDate, input.businessDate),
    });
  });
  for (const outcome of ['BANK_ONLY', 'LEDGER_ONLY', 'CUT_OFF_TIMING'] as const) {
    if (rest[outcome].count > 0) line(outcome, rest[outcome].sum, { label: `${LABELS[outcome]}: ${rest[outcome].count} more (see reconciliationItems)` });
  }
  // The ledger's side is the sum of the parts: the escrow account must equal it (double entry
  // in the MONEY book guarantees it; ledgerEscrowEqualsParts says whether it did).
  const explained = parts.plus(totals.BANK_ONLY).plus(totals.LEDGER_ONLY).plus(totals.CUT_OFF_TIMING);
  const unexplained = closingBalance.minus(explained);
  line('EXPLAINED_CLOSING', explained);
  line('UNEXPLAINED_DIFFERENCE', unexplained);

  const bankMovementsAddUp = openingBalance.plus(credits).minus(debits).eq(closingBalance);
  const ledgerEscrowEqualsParts = escrow.eq(parts);
  return {
    businessDate: input.businessDate,
    currency,
    openingBalance: fmt(openingBalance),
    bankCredits: fmt(credits),
    bankDebits: fmt(debits),
    closingBalance: fmt(closingBalance),
    bankMovementsAddUp,
    customerBalance: fmt(byPart.get('CUSTOMER') ?? zero),
    platformBalance: fmt(byPart.get('PLATFORM') ?? zero),
    inTransitBalance: fmt(byPart.get('IN_TRANSIT') ?? zero),
    suspenseBalance: fmt(byPart.get('SUSPENSE') ?? zero),
    ledgerEscrowBalance: fmt(escrow),
    ledgerEscrowEqualsParts,
    bankOnlyTotal: fmt(totals.BANK_ONLY),
    ledgerOnlyTotal: fmt(totals.LEDGER_ONLY),
    cutOffTimingTotal: fmt(totals.CUT_OFF_TIMING),
    explainedClosingBalance: fmt(explained),
    unexplainedDifference: fmt(unexplained),
    balanced: unexplained.isZero() && bankMovementsAddUp && ledgerEscrowEqualsParts,
    lines,
  };
}
