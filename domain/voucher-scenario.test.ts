import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from './credit-code';
import { allocateWaterfall, splitSurplus, type WaterfallAllocation } from './ledger-rules';
import { Decimal } from './money';
import { quote, type Quote } from './pricing';
import { validateProgramTerms, type ProgramTermsInput, type ValidProgramTerms } from './program-rules';
import { dailyPenalty, waterfallOrder } from './servicing-rules';
import { distributeMaturityPayment, type MaturityDistribution } from './voucher-distribution';
import { formatPartNumber, formatVoucherNumber, holderChain, validateVoucherTransfer, visibleParts, type VisibilityPart } from './voucher-rules';

// The feature's test scenario, recomputed with the modules the service runs, and checked line by
// line against docs/workflows/voucher.md ("The scenario, to the cent"): the page's figures cannot
// drift from what the service computes.

const PAGE = readFileSync(new URL('../docs/workflows/voucher.md', import.meta.url), 'utf8');
const NOW = new Date('2026-11-10T02:00:00Z');
const VALUE_DATE = '2026-11-22';
const DUE_DATE = '2027-02-20';
const VOUCHER = formatVoucherNumber(2027, 1);

/** Thousands separated, two decimals: how the page writes CNY. */
function money(value: Decimal | string, decimals = 2): string {
  const [whole = '0', fraction = '00'] = new Decimal(value).toFixed(decimals).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}
const row = (...cells: string[]) => `| ${cells.join(' | ')} |`;
/** A well-formed credit code per party, so that the transfer rules tell the parties apart. */
function code(party: string): string {
  const body = `91440300MA5G${party.padEnd(5, '0')}`;
  return body + creditCodeCheckCharacter(body);
}

interface ScenarioPart {
  holder: string;
  parent: string | null;
  received: string;
  partNumber: string;
  tier: number;
  held: Decimal;
}

/** Issue to T1, then T1 → A, B, C and C → D, E, each transfer checked by the transfer rules against what is available. */
function runTransfers(): Map<string, ScenarioPart> {
  const parts = new Map<string, ScenarioPart>();
  const add = (holder: string, parent: string | null, amount: string) => {
    parts.set(holder, { holder, parent, received: amount, partNumber: formatPartNumber(VOUCHER, parts.size + 1), tier: parent === null ? 1 : (parts.get(parent) as ScenarioPart).tier + 1, held: new Decimal(amount) });
  };
  add('T1', null, '10000000.00');
  for (const [from, to, amount] of [
    ['T1', 'A', '3000000.00'],
    ['T1', 'B', '2500000.00'],
    ['T1', 'C', '3500000.00'],
    ['C', 'D', '1200000.00'],
    ['C', 'E', '800000.00'],
  ] as const) {
    const source = parts.get(from) as ScenarioPart;
    const valid = validateVoucherTransfer(
      {
        recipientCreditCode: code(to),
        amount,
        currency: 'CNY',
        contractNumber: `HT-${from}-${to}`,
        invoices: [{ invoiceCode: '3100201130', invoiceNumber: `${from}${to}0001`, amount, issueDate: '2026-11-05' }],
        idempotencyKey: `${from}-${to}`,
      },
      { voucher: { status: 'ACTIVE', currency: 'CNY', dueDate: DUE_DATE, issuerCreditCode: code('CE') }, part: { status: 'ACTIVE', holderCreditCode: code(from), availableAmount: source.held.toFixed(2) } },
      NOW,
    );
    source.held = source.held.minus(valid.amount);
    add(to, from, amount);
  }
  return parts;
}

function terms(input: Partial<ProgramTermsInput>): ValidProgramTerms {
  return validateProgramTerms(
    {
      advanceRate: '0.8',
      annualRate: '0.06',
      interestMode: 'UPFRONT',
      dayCount: 'ACT_360',
      tenorDaysMax: 180,
      graceDays: 3,
      penaltyRate: '0.18',
      recourse: false,
      assignmentMode: 'OPEN',
      programLimit: '50000000.00',
      supplierLimit: '5000000.00',
      obligorLimit: '50000000.00',
      ...input,
    },
    'CNY',
  );
}

const F1_TERMS = terms({ advanceRate: '0.8', annualRate: '0.06', interestMode: 'UPFRONT', dayCount: 'ACT_360', feeRate: '0.001', assignmentMode: 'OPEN' });
const F2_TERMS = terms({ advanceRate: '0.9', annualRate: '0.055', interestMode: 'ARREARS', dayCount: 'ACT_365', flatFee: '500.00', assignmentMode: 'SILENT', recourse: true, recourseAfterDays: 30 });

interface Financed {
  funder: string;
  holder: string;
  terms: ValidProgramTerms;
  quote: Quote;
}

function finance(parts: Map<string, ScenarioPart>, holder: string, funder: string, programTerms: ValidProgramTerms): Financed {
  const held = (parts.get(holder) as ScenarioPart).held;
  // The whole held amount is assigned; the principal is the most the advance rate allows.
  const principal = held.times(programTerms.advanceRate).toDecimalPlaces(2, Decimal.ROUND_DOWN);
  return { funder, holder, terms: programTerms, quote: quote(principal, VALUE_DATE, DUE_DATE, { currency: 'CNY', ...programTerms }) };
}

/** The financing's waterfall over its part's share, as the servicing store runs it (fees were taken at disbursement). */
function waterfall(financed: Financed, share: string, confirmed: Decimal): WaterfallAllocation {
  const due = { penalty: new Decimal(0), fees: new Decimal(0), interest: financed.quote.interestAtMaturity, principal: financed.quote.principal };
  return splitSurplus(allocateWaterfall(new Decimal(share), due, waterfallOrder(financed.terms.waterfall)), confirmed, new Decimal(0));
}

const parts = runTransfers();
const F1 = finance(parts, 'B', 'F1', F1_TERMS);
const F2 = finance(parts, 'D', 'F2', F2_TERMS);
const financings = new Map([
  ['B', F1],
  ['D', F2],
]);
const distributionParts = [...parts.values()].map((part) => ({ partId: part.holder, partNumber: part.partNumber, heldAmount: part.held.toFixed(2) }));

/** The page's distribution table for one payment: one row per part, then the totals. */
function distributionRows(distribution: MaturityDistribution): string[] {
  let principal = new Decimal(0);
  let interest = new Decimal(0);
  let toHolders = new Decimal(0);
  const rows = distribution.shares.map((share) => {
    const part = parts.get(share.partId) as ScenarioPart;
    const financed = financings.get(share.partId);
    if (financed === undefined) {
      toHolders = toHolders.plus(share.share);
      return row(part.partNumber, part.holder, money(share.heldAmount), money(share.share), '—', '—', money(share.share), money(share.shortfall));
    }
    const allocation = waterfall(financed, share.share, part.held);
    principal = principal.plus(allocation.allocated.principal);
    interest = interest.plus(allocation.allocated.interest);
    toHolders = toHolders.plus(allocation.surplus);
    expect(allocation.overpaid.isZero()).toBe(true);
    return row(
      part.partNumber,
      `${part.holder} (${financed.funder})`,
      money(share.heldAmount),
      money(share.share),
      money(allocation.allocated.principal),
      money(allocation.allocated.interest),
      money(allocation.surplus),
      money(share.shortfall),
    );
  });
  // No fen created or lost between the core enterprise's payment and what funders and holders receive.
  expect(principal.plus(interest).plus(toHolders).eq(distribution.paid)).toBe(true);
  const shortfall = distribution.shares.reduce((sum, share) => sum.plus(share.shortfall), new Decimal(0));
  const bold = (value: Decimal | string) => `**${money(value)}**`;
  return [...rows, row('**total**', '', bold(distribution.totalHeld), bold(distribution.paid), bold(principal), bold(interest), bold(toHolders), bold(shortfall))];
}

function missingFromPage(lines: string[]): string[] {
  return lines.filter((line) => !PAGE.includes(line));
}

describe('the voucher scenario of docs/workflows/voucher.md, to the cent', () => {
  it('splits the voucher into the holdings the page lists, each transfer within what is available', () => {
    const lines = [...parts.values()].map((part) =>
      row(part.partNumber, part.holder, String(part.tier), part.parent ?? 'Core (issue)', money(part.received), money(new Decimal(part.received).minus(part.held)), money(part.held)),
    );
    expect(missingFromPage(lines)).toEqual([]);
    const total = [...parts.values()].reduce((sum, part) => sum.plus(part.held), new Decimal(0));
    expect(total.toFixed(2)).toBe('10000000.00');
  });

  it('prices both financings with the pricing module as the page shows', () => {
    const figures = (label: string, pick: (financed: Financed) => string) => row(label, pick(F1), pick(F2));
    const lines = [
      figures('principal (advance rate × held amount)', (f) => money(f.quote.principal)),
      figures('tenor (value date → due date)', (f) => `${f.quote.tenorDays} days`),
      figures('interest', (f) => money(f.quote.interest)),
      figures('fees (to the platform, at disbursement)', (f) => money(f.quote.fees)),
      figures('net disbursement (to the holder)', (f) => money(f.quote.netDisbursement)),
      figures('the funder advances', (f) => money(f.quote.principal.minus(f.terms.interestMode === 'UPFRONT' ? f.quote.interest : 0))),
      figures('owed to the funder at maturity', (f) => money(f.quote.repaymentAtMaturity)),
      figures('effective annual cost', (f) => f.quote.effectiveAnnualRate.toFixed(6)),
    ];
    // The terms table states what the programs above were built with.
    const percent = (rate: Decimal) => `${rate.times(100).toFixed()}%`;
    const termRows = [
      row('assignment', 'OPEN (明保理)', 'SILENT (暗保理)'),
      row('advance rate', percent(F1.terms.advanceRate), percent(F2.terms.advanceRate)),
      row('annual rate', percent(F1.terms.annualRate), percent(F2.terms.annualRate)),
      row('day count', F1.terms.dayCount.replace('_', '/'), F2.terms.dayCount.replace('_', '/')),
      row('fees', `${percent(F1.terms.feeRate)} of the principal`, `a flat ${money(F2.terms.flatFee)}`),
      row('grace days, penalty rate', ...[F1, F2].map((f) => `${f.terms.graceDays} days, ${percent(f.terms.penaltyRate)} a year`)),
      row('recourse', 'none', `after ${F2.terms.recourseAfterDays} days overdue`),
    ];
    expect([F1.terms.assignmentMode, F2.terms.assignmentMode, F1.terms.recourse, F1.terms.interestMode, F2.terms.interestMode]).toEqual(['OPEN', 'SILENT', false, 'UPFRONT', 'ARREARS']);
    expect(F1.quote.valueDate).toBe('2026-11-22');
    lines.push(...termRows);
    expect(missingFromPage(lines)).toEqual([]);
  });

  it('pays every holder and funder its figure when the core pays in full', () => {
    const distribution = distributeMaturityPayment({ paid: '10000000.00', currency: 'CNY', parts: distributionParts });
    expect(distribution.kind).toBe('FULL');
    expect(missingFromPage(distributionRows(distribution))).toEqual([]);
  });

  it('distributes a 90% payment pro rata, and the short-paid financing pays its funder what it can', () => {
    const distribution = distributeMaturityPayment({ paid: '9000000.00', currency: 'CNY', parts: distributionParts });
    expect(distribution.kind).toBe('SHORT');
    expect(missingFromPage(distributionRows(distribution))).toEqual([]);
    // D's financing is short by the interest it paid first; from the 4th day after the due date
    // (3 grace days) penalty runs on that principal at the program's 18% a year, ACT/365.
    const shortPrincipal = waterfall(F2, '1080000.00', (parts.get('D') as ScenarioPart).held).outstanding.principal;
    expect(missingFromPage([`${money(shortPrincipal)} of principal`, `${money(dailyPenalty(shortPrincipal, F2.terms.penaltyRate, F2.terms.dayCount, 'CNY'))} a day`])).toEqual([]);
  });

  it('gives the leftover cents of an uneven payment to the largest remainders, as the worked example shows', () => {
    const distribution = distributeMaturityPayment({ paid: '7777777.77', currency: 'CNY', parts: distributionParts });
    const lines = distribution.shares.map((share) => {
      const part = parts.get(share.partId) as ScenarioPart;
      const exact = new Decimal('7777777.77').times(share.heldAmount).dividedBy(distribution.totalHeld);
      const floor = exact.toDecimalPlaces(2, Decimal.ROUND_DOWN);
      const remainder = exact.minus(floor).times(100);
      const extra = new Decimal(share.share).minus(floor);
      return row(part.holder, money(share.heldAmount), money(exact, 4), money(floor), remainder.toFixed(2), extra.isZero() ? '' : '+0.01', `**${money(share.share)}**`);
    });
    expect(missingFromPage(lines)).toEqual([]);
  });

  it('keeps the silent assignee from the core and shows each holder its chain', () => {
    const visibility: VisibilityPart[] = [...parts.values()].map((part) => ({
      id: part.holder,
      parentPartId: part.parent,
      tier: part.tier,
      partNumber: part.partNumber,
      holderPartyId: part.holder,
      holderName: part.holder,
    }));
    const funded = [
      { partId: 'B', funderPartyId: 'F1', funderName: 'F1', assignmentMode: F1.terms.assignmentMode },
      { partId: 'D', funderPartyId: 'F2', funderName: 'F2', assignmentMode: F2.terms.assignmentMode },
    ];
    const seenBy = (partyId: string) =>
      visibleParts({ caller: { partyId, operator: false }, voucher: { issuerPartyId: 'Core' }, parts: visibility, financings: funded })
        .map((part) => (part.assignee ? `${part.holderName} (${part.assignee.funderName})` : part.holderName))
        .join(', ');
    const lines = ['Core', 'T1', 'C', 'D', 'E', 'F1', 'F2'].map((party) => row(party, seenBy(party)));
    expect(missingFromPage(lines)).toEqual([]);
    expect(holderChain(visibility, 'E').map((part) => part.holderName)).toEqual(['T1', 'C', 'E']);
  });
});
