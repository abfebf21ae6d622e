import { ValidationError, WrongStateError } from './errors';
import { type Decimal, formatAmount, type Currency } from './money';
import { bankEffectOf, type StatementLineKind } from './reconciliation-report';

// Resolving a reconciliation item by hand (docs/reconciliation.md, "Resolving an item"). Pure:
// which resolutions an item allows, and which posting rule brings the ledger's escrow account to
// what the bank holds. The store asks these at the proposal and again under the item's row lock
// at the approval.

export type ResolutionKind = 'SUSPENSE' | 'WRITE_OFF' | 'RECOVER';

export interface ResolvableItem {
  outcome: 'MATCHED' | 'BANK_ONLY' | 'LEDGER_ONLY';
  status: 'OPEN' | 'RESOLVED' | 'NEEDS_ATTENTION';
  kind: StatementLineKind;
  amount: Decimal;
  payoutId: string | null;
}

/** The posting rule that brings the escrow account to the bank's by `effect`. */
export type ResolutionRule = 'RECONCILIATION_PARKED' | 'RECONCILIATION_GAIN' | 'RECONCILIATION_LOSS' | 'RECONCILIATION_RECOVERED';

/**
 * Whether `kind` may resolve the item, and with which posting. Refused, with why:
 * - an item already resolved or MATCHED (nothing to resolve);
 * - a bank-only credit written off directly: it is parked in suspense first (its bank
 *   reference then guards against the feed booking it a second time), and from there applied,
 *   refunded to the payer or written off as an inbound exception;
 * - a bank-only payout or return whose payout's own booking will still explain it (`payoutId`
 *   set: the payout in flight, or settled or returned at the line's amount, which the next import
 *   matches or books): a hand posting would book the money twice;
 * - SUSPENSE for a shortage (the bank holds less): suspense holds money for someone, and there is
 *   none; the shortage is written off;
 * - RECOVER for anything but a bank's reversal of a credit (INBOUND_CREDIT_REVERSAL, BANK_ONLY):
 *   only there does the line name the account that received the money it takes back.
 */
export function resolutionRuleOf(item: ResolvableItem, kind: ResolutionKind): ResolutionRule {
  if (item.outcome === 'MATCHED') throw new WrongStateError('a MATCHED item agrees with the bank: there is nothing to resolve', 'MATCHED');
  if (item.status === 'RESOLVED') throw new WrongStateError('the item is already resolved', item.status);
  if (item.outcome === 'BANK_ONLY' && item.kind !== 'INBOUND_CREDIT' && item.payoutId !== null) {
    throw new WrongStateError('the ledger knows this payout: its own booking explains this line (the bank\'s answer, then the next import\'s match or found return), not a hand posting', item.status);
  }
  const effect = bankEffectOf(item);
  if (kind === 'RECOVER') {
    if (item.outcome !== 'BANK_ONLY' || item.kind !== 'INBOUND_CREDIT_REVERSAL') {
      throw ValidationError.field(['input', 'kind'], "RECOVER takes back from the account credited what the bank reversed (冲正): only a bank's reversal of a credit (a BANK_ONLY INBOUND_CREDIT_REVERSAL item) is recovered so", 'RESOLUTION_NOT_ALLOWED');
    }
    return 'RECONCILIATION_RECOVERED';
  }
  if (kind === 'SUSPENSE') {
    if (effect.isNeg()) throw ValidationError.field(['input', 'kind'], 'the bank holds less than the ledger here: there is no money to park in suspense; write the shortage off', 'RESOLUTION_NOT_ALLOWED');
    return 'RECONCILIATION_PARKED';
  }
  if (item.outcome === 'BANK_ONLY' && item.kind === 'INBOUND_CREDIT') {
    throw ValidationError.field(['input', 'kind'], 'a credit only the bank shows is parked in suspense first (SUSPENSE), where its bank reference keeps the feed from booking it again; it can then be applied, refunded or written off', 'RESOLUTION_NOT_ALLOWED');
  }
  return effect.isNeg() ? 'RECONCILIATION_LOSS' : 'RECONCILIATION_GAIN';
}

/**
 * The maker states the effect it means to book; it must be the item's, to the cent. A proposal
 * made from a stale screen, or with a typing slip, is refused rather than booked.
 */
export function assertConfirmedEffect(item: Pick<ResolvableItem, 'outcome' | 'kind' | 'amount'>, confirmed: Decimal, currency: Currency): Decimal {
  const effect = bankEffectOf(item);
  if (!confirmed.eq(effect)) {
    throw ValidationError.field(['input', 'amount'], `the item's effect on the bank's balance is ${formatAmount(effect.abs(), currency)} ${currency} ${effect.isNeg() ? 'less' : 'more'} than the ledger (amount ${formatAmount(effect, currency)}), not ${confirmed.toFixed()}`, 'RESOLUTION_AMOUNT_MISMATCH');
  }
  return effect;
}
